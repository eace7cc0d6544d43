// The budget policy: peak within the budget, the least recomputation found, and a useful error
// when no plan fits. On small random graphs it is compared with the exact optimum over every
// save/recompute choice (each forward value either kept, or recomputed once and then held).
import { describe, expect, it } from "vitest";
import { liveBytesPeak, placeCheckpoints, placeCheckpointsWithReport, recomputeWithSaved } from "@adjoint/passes";
import { expectBitwiseEqual, matmulTanhChain, randomGraph } from "./models";

/** Peak and recompute flops of every save set of the forward values (outputs are always kept). */
function everySaveSet(g: ReturnType<typeof randomGraph>): { peak: number; flops: number }[] {
  const firstBackward = g.nodes.findIndex((n) => n.loc.origin?.kind === "grad");
  const choices = g.nodes.slice(0, firstBackward).map((n) => n.id).filter((id) => !g.outputs.includes(id));
  const points: { peak: number; flops: number }[] = [];
  for (let mask = 0; mask < 1 << choices.length; mask++) {
    const { graph, recomputeFlops } = recomputeWithSaved(g, choices.filter((_, i) => (mask >> i) & 1));
    points.push({ peak: liveBytesPeak(graph), flops: recomputeFlops });
  }
  return points;
}

describe("budget policy", () => {
  it("an unreachable budget names the smallest budget that can be met, which then works", () => {
    const g = matmulTanhChain(8);
    const none = liveBytesPeak(g);
    let message = "";
    try {
      placeCheckpoints(g, { budgetBytes: 100 });
    } catch (e) {
      message = (e as Error).message;
    }
    const match = /no plan fits a budget of 100 bytes; the smallest budget that can be met is (\d+) bytes \(plan '[\w-]+'.*without checkpointing the peak is (\d+) bytes\)/.exec(message);
    expect(match, message).not.toBeNull();
    const least = Number(match![1]);
    expect(Number(match![2])).toBe(none);
    const { graph, report } = placeCheckpointsWithReport(g, { budgetBytes: least });
    expect(report.peakBytes).toBeLessThanOrEqual(least);
    expectBitwiseEqual(g, graph, "smallest budget");
    expect(() => placeCheckpoints(g, { budgetBytes: least - 1 })).toThrow(`the smallest budget that can be met is ${least} bytes`);
  });

  it("rejects a budget that is not a byte count", () => {
    expect(() => placeCheckpoints(matmulTanhChain(3), { budgetBytes: Number.NaN })).toThrow(/budgetBytes must be a non-negative number/);
    expect(() => placeCheckpoints(matmulTanhChain(3), { budgetBytes: -5 })).toThrow(/budgetBytes must be a non-negative number/);
  });

  it("a quarter of the unchecked peak on a chain of 32: fits, recomputes less than two forward passes", () => {
    const g = matmulTanhChain(32);
    const budgetBytes = Math.floor(liveBytesPeak(g) / 4);
    const { report } = placeCheckpointsWithReport(g, { budgetBytes });
    expect(report.peakBytes).toBeLessThanOrEqual(budgetBytes);
    expect(report.recomputeFlops / report.forwardFlops).toBeLessThan(2);
  });

  // The heuristic searches Revolve, sqrt segments and save sets; the exhaustive search only save
  // sets, so the heuristic may also beat it (a value recomputed several times).
  it("on random graphs of ≤ 12 forward values: feasible whenever some save set is, within 1.5x of the optimum", () => {
    const FACTOR = 1.5;
    let levels = 0, exact = 0;
    for (let seed = 2000; levels < 40 && seed < 2100; seed++) {
      const g = randomGraph(seed, 5 + (seed % 4));
      const firstBackward = g.nodes.findIndex((n) => n.loc.origin?.kind === "grad");
      if (firstBackward > 13) continue; // keep the search at ≤ 4096 save sets
      const points = everySaveSet(g);
      for (const budget of new Set(points.map((p) => p.peak))) {
        const optimum = Math.min(...points.filter((p) => p.peak <= budget).map((p) => p.flops));
        const { report } = placeCheckpointsWithReport(g, { budgetBytes: budget });
        const what = `seed ${seed}, budget ${budget}: ${report.recomputeFlops} flops (${report.plan}), optimum ${optimum}`;
        expect(report.peakBytes, what).toBeLessThanOrEqual(budget);
        expect(report.recomputeFlops, what).toBeLessThanOrEqual(FACTOR * optimum);
        levels++;
        if (report.recomputeFlops <= optimum) exact++;
      }
    }
    expect(levels).toBeGreaterThanOrEqual(40);
    expect(exact / levels).toBeGreaterThanOrEqual(0.9);
  });
});
