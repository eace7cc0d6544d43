// Revolve's table (Griewank & Walther 2000) as the oracle for chain checkpointing. The expected
// counts come from the closed form t(l, s) = r·l − β(s+1, r−1), β(s, r) = C(s+r, s), r the least
// repetition number with β(s, r) ≥ l, computed here from Pascal's triangle, apart from the pass.
import { describe, expect, it } from "vitest";
import { liveBytesPeak, placeCheckpointsWithReport } from "@adjoint/passes";
import { bottleneckChain, expectBitwiseEqual, recomputed, tanhChain } from "./models";

const pascal: number[][] = [[1]];
for (let n = 1; n <= 260; n++) pascal.push(Array.from({ length: n + 1 }, (_, k) => (k === 0 || k === n ? 1 : pascal[n - 1][k - 1] + pascal[n - 1][k])));
const beta = (s: number, r: number) => (r < 0 ? 0 : pascal[s + r][s]);
function revolveTable(l: number, s: number): number {
  if (l <= 1) return 0;
  let r = 0;
  while (beta(s, r) < l) r++;
  return r * l - beta(s + 1, r - 1);
}

describe("Revolve's binomial bound on chains", () => {
  it("the issue's example: a chain of 10 with 1, 2, 3 slots recomputes 45, 20, 15 steps", () => {
    expect([1, 2, 3].map((s) => revolveTable(10, s))).toEqual([45, 20, 15]); // the oracle itself
    const g = tanhChain(10);
    const counts = [1, 2, 3].map((s) => recomputed(placeCheckpointsWithReport(g, { revolveSlots: s }).graph, "tanh").length);
    expect(counts).toEqual([45, 20, 15]);
  });

  for (const [name, make, op] of [["tanh chain", tanhChain, "tanh"], ["bottleneck chain", bottleneckChain, "tanh"]] as const) {
    it(`${name}: recomputed steps equal t(N, s) for N ≤ 12, s = 1..4, with gradients unchanged`, () => {
      for (let n = 1; n <= 12; n++) {
        const g = make(n);
        let previousPeak = 0;
        for (let s = 1; s <= 4; s++) {
          const { graph, report } = placeCheckpointsWithReport(g, { revolveSlots: s });
          expect(report.stages, `N=${n}`).toBe(n);
          expect(recomputed(graph, op).length, `N=${n}, s=${s}`).toBe(revolveTable(n, s));
          // more slots hold more snapshots: the peak never falls
          expect(report.peakBytes).toBeGreaterThanOrEqual(previousPeak);
          previousPeak = report.peakBytes;
          if (n % 4 === 0) expectBitwiseEqual(g, graph, `${name} N=${n} s=${s}`);
        }
      }
    });
  }

  it("long uniform chains use the closed form: N = 200, s = 1..6", () => {
    const g = tanhChain(200, 2);
    for (const s of [1, 2, 3, 6]) {
      expect(recomputed(placeCheckpointsWithReport(g, { revolveSlots: s }).graph, "tanh").length, `s=${s}`).toBe(revolveTable(200, s));
    }
  });
});

describe("the budget policy against Revolve", () => {
  // A budget buys snapshot slots; the policy may also find plans outside Revolve's model
  // (held tapes, single recomputations), so it must never recompute more than Revolve with
  // the most slots that fit, and when it picks Revolve its count is the table's.
  for (const [name, make, minPicked] of [["tanh chain", tanhChain, 1], ["bottleneck chain", bottleneckChain, 3]] as const) {
    it(`${name}: never worse than the best Revolve schedule that fits, N = 5..10`, () => {
      for (let n = 5; n <= 10; n++) {
        const g = make(n);
        const revolve = Array.from({ length: n }, (_, i) => placeCheckpointsWithReport(g, { revolveSlots: i + 1 }).report);
        const budgets = new Set(revolve.map((r) => r.peakBytes));
        budgets.add(liveBytesPeak(g) - 1);
        let revolvePicked = 0;
        for (const budgetBytes of budgets) {
          const { graph, report } = placeCheckpointsWithReport(g, { budgetBytes });
          const fitting = revolve.filter((r) => r.peakBytes <= budgetBytes);
          const bestRevolve = Math.min(...fitting.map((r) => r.recomputeFlops));
          expect(report.peakBytes, `N=${n} budget ${budgetBytes}`).toBeLessThanOrEqual(budgetBytes);
          expect(report.recomputeFlops, `N=${n} budget ${budgetBytes}`).toBeLessThanOrEqual(bestRevolve);
          if (report.plan === "revolve") {
            revolvePicked++;
            expect(recomputed(graph, "tanh").length).toBe(revolveTable(n, report.slots!));
          }
        }
        // at the smallest budgets Revolve is the plan (in the bottleneck chain, for its first slots)
        expect(revolvePicked, `N=${n}`).toBeGreaterThanOrEqual(minPicked);
      }
    });
  }
});
