// "sqrt" on chains (Chen et al. 2016): about 2√N layers' activations, at most one extra forward pass;
// "all": a constant number of activations, about N/2 forward passes.
import { describe, expect, it } from "vitest";
import { placeCheckpointsWithReport } from "@adjoint/passes";
import { expectBitwiseEqual, matmulTanhChain } from "./models";

const BATCH = 4, WIDTH = 8, ACTIVATION = BATCH * WIDTH * 4; // bytes of one layer's output

describe('"sqrt" and "all" on the tanh chain x = tanh(x @ W_i)', () => {
  for (const n of [16, 36, 64]) {
    it(`N = ${n}`, () => {
      const g = matmulTanhChain(n, BATCH, WIDTH);
      const none = placeCheckpointsWithReport(g, "none").report;
      const sqrt = placeCheckpointsWithReport(g, "sqrt");
      const all = placeCheckpointsWithReport(g, "all").report;
      // without checkpointing every layer's output waits for the backward pass
      expect(none.peakBytes / ACTIVATION).toBeGreaterThanOrEqual(n);
      // √N checkpoints plus one segment of √N layers, and a few backward temporaries
      const layers = sqrt.report.peakBytes / ACTIVATION;
      expect(layers).toBeGreaterThanOrEqual(Math.sqrt(n));
      expect(layers).toBeLessThanOrEqual(2 * Math.sqrt(n) + 4);
      // every segment but the last recomputed once: a bit less than one forward pass
      const extra = sqrt.report.recomputeFlops / sqrt.report.forwardFlops;
      expect(extra).toBeGreaterThanOrEqual(0.5);
      expect(extra).toBeLessThanOrEqual(1);
      // "all": the peak no longer grows with N, the recomputation grows like N/2 passes
      expect(all.peakBytes / ACTIVATION).toBeLessThanOrEqual(6);
      expect(all.recomputeFlops / all.forwardFlops).toBeGreaterThanOrEqual((n - 1) / 2);
      expect(all.recomputeFlops / all.forwardFlops).toBeLessThanOrEqual((n + 1) / 2);
      if (n === 16) expectBitwiseEqual(g, sqrt.graph, "sqrt N=16");
    });
  }
});
