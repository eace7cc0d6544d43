// scheduleKernels: every strategy yields a valid topological order whose reported peak is the
// brute-force peak; `best` never does worse than the given order; hand-computed cases.
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Tensor } from "@adjoint/ir";
import { planKernels, planMemory, scheduleKernels, type Kernel, type KernelGraph } from "@adjoint/passes";
import { kernelPerNode } from "./kernel-per-node";
import { bruteTimeline, orderProblems } from "./oracle";
import { randomGraph } from "./random-graphs";

const peakOf = (kg: KernelGraph, kernels: readonly Kernel[]) => Math.max(0, ...bruteTimeline(kg.graph, kernels));

describe("scheduleKernels on random graphs", () => {
  for (const joint of [false, true]) {
    it(`${joint ? "joint" : "forward"} graphs: valid orders, true peaks, best <= naive`, () => {
      for (let seed = 1; seed <= 30; seed++) {
        const kg = kernelPerNode(randomGraph(seed, joint));
        const naivePeak = peakOf(kg, kg.kernels);
        for (const strategy of ["naive", "greedy", "lazy", "lazy-all", "best"] as const) {
          const s = scheduleKernels(kg, { strategy });
          const where = `seed ${seed}, ${strategy}`;
          expect(orderProblems(kg.graph, kg.kernels, s.kernels), where).toEqual([]);
          expect([s.naivePeak, s.peak], where).toEqual([naivePeak, peakOf(kg, s.kernels)]);
          if (strategy === "best") {
            expect(s.peak, where).toBeLessThanOrEqual(naivePeak);
            expect(s.peak, where).toBe(Math.min(...Object.values(s.tried)));
          } else expect(s.strategy, where).toBe(strategy);
        }
      }
    });
  }
});

describe("scheduleKernels by hand", () => {
  // a = exp(x) is read only by s = sum(a), which the code computes last
  const late = trace((x: Tensor) => {
    const a = t.exp(x);
    const d = t.neg(t.tanh(t.sin(x)));
    return [d, t.sum(a)];
  }, [spec([256])]);

  it("runs a kernel that frees memory as soon as it can: 3072 → 2052 bytes", () => {
    const kg = kernelPerNode(late);
    // given order: a, b = sin, c = tanh, d = neg, s = sum(a). Live while c runs: a, b, c (3 × 1 KiB).
    // greedy runs s right after a (it frees 1 KiB for 4 bytes); lazy runs a just before s. Either
    // way at most two f32[256] and s are live.
    for (const strategy of ["greedy", "lazy", "best"] as const) {
      const s = scheduleKernels(kg, { strategy });
      expect([s.naivePeak, s.peak], strategy).toEqual([3072, 2052]);
    }
    expect(scheduleKernels(kg, { strategy: "naive" }).kernels).toEqual(kg.kernels);
  });

  it("keeps reads of a graph input before a kernel that writes it in place, and later reads after", () => {
    const kg = kernelPerNode(late);
    const x = late.inputs[0].id;
    // pretend the tanh kernel writes x in place: sin (reads x) must stay before it, and exp (reads x) after it
    const [exp, sin, tanh, ...rest] = kg.kernels;
    const writer: Kernel = { ...tanh, stores: [...tanh.stores, x] };
    const inPlace: KernelGraph = { graph: late, kernels: [sin, writer, exp, ...rest] };
    for (const strategy of ["greedy", "lazy", "lazy-all", "best"] as const) {
      const order = scheduleKernels(inPlace, { strategy }).kernels;
      expect(order.indexOf(sin), strategy).toBeLessThan(order.indexOf(writer));
      expect(order.indexOf(exp), strategy).toBeGreaterThan(order.indexOf(writer));
    }
  });

  it("reports a kernel list that is not in dependency order, naming the value", () => {
    const kg = kernelPerNode(late);
    const broken: KernelGraph = { graph: late, kernels: [kg.kernels[2], ...kg.kernels.filter((_, i) => i !== 2)] };
    expect(() => scheduleKernels(broken)).toThrow(/kernel 2 reads %\d+ \(sin at tests\/memory\/schedule\.test\.ts:\d+\), which kernel 1 stores only later/);
  });

  it("planKernels is the schedule plus the memory plan of that order", () => {
    const kg = kernelPerNode(randomGraph(5, true));
    const plan = planKernels(kg, { alignment: 64 });
    expect(plan.kernels).toEqual(scheduleKernels(kg).kernels);
    expect(plan.memory).toEqual(planMemory(kg.graph, plan.kernels, { alignment: 64 }));
  });

  it("rejects an unknown strategy", () => {
    expect(() => scheduleKernels(kernelPerNode(late), { strategy: "fastest" as "best" })).toThrow(/unknown strategy "fastest"/);
  });
});
