// planMemory with `inplace`: on fused, scheduled random graphs the plan survives the byte-level
// simulation, which accepts a store landing on a value it reads only where the oracle's own
// restatement of the in-place rule allows it; the timeline is brute-force liveness less one
// copy of each handed-over buffer; the arena never grows.
import { describe, expect, it } from "vitest";
import { formatMemoryReport, fuseKernels, memoryReport, planMemory, scheduleKernels, type Kernel } from "@adjoint/passes";
import type { Graph } from "@adjoint/ir";
import { bruteTimeline, legalHandover, simulateArena } from "./oracle";
import { attentionGraph, chainGraph, mlpGraph, randomGraph } from "./random-graphs";

const SEEDS = Array.from({ length: 24 }, (_, i) => i + 1);

/** Fused and scheduled kernels of a graph. */
const scheduled = (graph: Graph): readonly Kernel[] => scheduleKernels(fuseKernels(graph)).kernels;

describe("planMemory with in-place reuse", () => {
  it("random joint and forward graphs: simulation clean, timeline = brute force less handovers, arena no larger", () => {
    let pairs = 0, saved = 0;
    for (const seed of SEEDS) {
      for (const joint of [true, false]) {
        const graph = randomGraph(seed, joint);
        const kernels = scheduled(graph);
        for (const alignment of [4, 256]) {
          const where = `seed ${seed}, ${joint ? "joint" : "forward"}, alignment ${alignment}`;
          const off = planMemory(graph, kernels, { alignment });
          const on = planMemory(graph, kernels, { alignment, inplace: true });
          expect(simulateArena(graph, kernels, on), where).toEqual([]);
          expect(on.arenaBytes, where).toBeLessThanOrEqual(off.arenaBytes);
          expect(off.reuse.pairs, where).toEqual([]);
          // each claimed handover is legal by the oracle, and its two values share one slot
          const brute = bruteTimeline(graph, kernels);
          for (const p of on.reuse.pairs) {
            expect(legalHandover(graph, kernels, p.step, p.store, p.operand), `${where}: %${p.store} ← %${p.operand}`).toBe(true);
            expect(on.buffers.get(p.store)!.offset, where).toBe(on.buffers.get(p.operand)!.offset);
            brute[p.step] -= p.bytes;
          }
          expect(on.timeline, where).toEqual(brute);
          expect(on.lowerBound, where).toBe(Math.max(0, ...brute));
          expect(on.lowerBoundWithoutReuse, where).toBe(off.lowerBound);
          expect(on.reuse.bytesSaved, where).toBe(on.reuse.pairs.reduce((a, p) => a + p.bytes, 0));
          pairs += on.reuse.pairs.length;
          saved += off.arenaBytes - on.arenaBytes;
        }
      }
    }
    // not vacuous: handovers happen, and some of them lower the arena
    expect(pairs).toBeGreaterThan(20);
    expect(saved).toBeGreaterThan(0);
  });

  it("the benchmark models: every handover legal, the arena within 5% of the (lower) bound", () => {
    for (const graph of [chainGraph(8, 64, 8, true), mlpGraph(6, 32, 8), attentionGraph(3, 32, 8)]) {
      const kernels = scheduled(graph);
      const on = planMemory(graph, kernels, { inplace: true });
      expect(on.reuse.pairs.length, graph.name).toBeGreaterThan(0);
      expect(simulateArena(graph, kernels, on), graph.name).toEqual([]);
      expect(on.arenaBytes / on.lowerBound, graph.name).toBeLessThanOrEqual(1.05);
    }
  });

  it("a chain of handovers (a slot passed on twice) keeps one buffer for all three values", () => {
    // in the attention block's backward, a gradient takes a dying value's slot and hands it on
    const graph = attentionGraph(2, 16, 8);
    const kernels = scheduled(graph);
    const on = planMemory(graph, kernels, { alignment: 4, inplace: true });
    const storeOf = new Map(on.reuse.pairs.map((p) => [p.operand, p.store]));
    const chained = on.reuse.pairs.filter((p) => storeOf.has(p.store));
    expect(chained.length).toBeGreaterThan(0);
    for (const p of chained) {
      const next = storeOf.get(p.store)!;
      expect(new Set([p.operand, p.store, next].map((v) => on.buffers.get(v)!.offset)).size).toBe(1);
    }
    expect(simulateArena(graph, kernels, on)).toEqual([]);
  });

  it("the simulator rejects a handover the rule forbids (offset load, value read later)", () => {
    const graph = attentionGraph(2, 16, 8);
    const kernels = scheduled(graph);
    const on = planMemory(graph, kernels, { alignment: 4, inplace: true });
    const p = on.reuse.pairs[0];
    expect(simulateArena(graph, kernels, on)).toEqual([]);
    // the same plan, but the kernel reads the operand one element off: no longer at the written point
    const k = kernels[p.step];
    const shifted = new Map([...k.loads].map(([key, a]) => [key, a.source === p.operand ? { ...a, offset: 1 } : a]));
    const altered = kernels.map((x, i) => (i === p.step ? { ...x, loads: shifted } : x));
    expect(simulateArena(graph, altered, on).join("\n")).toMatch(new RegExp(`%${p.operand} overwritten by %${p.store}`));
    // or a later kernel still reads the operand
    const reader = { ...kernels[kernels.length - 1], id: 10_000, loads: new Map([[p.operand, { source: p.operand, strides: [], offset: 0 }]]), stores: [] };
    expect(simulateArena(graph, [...kernels, reader], { ...on, timeline: [...on.timeline, 0] }).join("\n")).toMatch(new RegExp(`%${p.operand} overwritten`));
  });

  it("the memory report shows the handovers and both bounds", () => {
    const graph = attentionGraph(2, 16, 8);
    const kernels = scheduled(graph);
    const on = planMemory(graph, kernels, { inplace: true }), off = planMemory(graph, kernels);
    const r = memoryReport(graph, on, kernels), plain = memoryReport(graph, off, kernels);
    expect([r.inplacePairs, r.inplaceBytesSaved]).toEqual([on.reuse.pairs.length, on.reuse.bytesSaved]);
    expect(r.inplacePairs).toBeGreaterThan(0);
    expect(r.lowerBoundWithoutReuse).toBe(plain.lowerBound);
    expect(r.peakActivationBytes).toBe(on.arenaBytes);
    expect(formatMemoryReport(r)).toMatch(new RegExp(`in place +${r.inplacePairs} stores reuse`));
    expect([plain.inplacePairs, plain.inplaceBytesSaved]).toEqual([0, 0]);
    expect(formatMemoryReport(plain)).not.toMatch(/in place/);
  });
});
