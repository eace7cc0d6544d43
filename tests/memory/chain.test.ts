// The point of static planning, in numbers: for x = tanh(x @ W_i) (width 64, batch 8), the
// forward pass needs the same memory at any depth, while training keeps something per layer.
import { describe, expect, it } from "vitest";
import { spec, trace, type Graph } from "@adjoint/ir";
import { valueAndGrad } from "adjoint";
import { planMemory, scheduleKernels } from "@adjoint/passes";
import { kernelPerNode } from "./kernel-per-node";
import { simulateArena } from "./oracle";
import { chainGraph, tanhChain } from "./random-graphs";

const [WIDTH, BATCH] = [64, 8];
const ACT = BATCH * WIDTH * 4; // one f32[8,64] activation: 2 KiB
const GRAD = WIDTH * WIDTH * 4; // one f32[64,64] weight gradient: 16 KiB
const DEPTHS = [4, 16, 64];

function plannedPeak(graph: Graph): number {
  const kg = kernelPerNode(graph);
  const { kernels } = scheduleKernels(kg);
  const plan = planMemory(graph, kernels);
  expect(simulateArena(graph, kernels, plan)).toEqual([]);
  return plan.arenaBytes;
}

/** Peak growth per layer between consecutive depths. */
const perLayer = (peaks: number[]) => peaks.slice(1).map((p, i) => (p - peaks[i]) / (DEPTHS[i + 1] - DEPTHS[i]));

describe("tanh chain memory", () => {
  it("forward only: the peak does not grow with depth (two live activations, 4 KiB)", () => {
    const peaks = DEPTHS.map((n) => plannedPeak(chainGraph(n, WIDTH, BATCH, false)));
    // while tanh runs, its input (the matmul result) and its output are live: nothing older is
    expect(peaks).toEqual([2 * ACT, 2 * ACT, 2 * ACT]);
  });

  it("training w.r.t. every W_i: the peak grows by one weight gradient (16 KiB) per layer", () => {
    const peaks = DEPTHS.map((n) => plannedPeak(chainGraph(n, WIDTH, BATCH, true)));
    // every dW_i is an output, live to the end, so at the end all N of them are held at once
    for (const slope of perLayer(peaks)) expect(slope / GRAD).toBeCloseTo(1, 2);
    expect(peaks[2]).toBeGreaterThanOrEqual(64 * GRAD);
  });

  it("training w.r.t. x only: the peak grows by one saved activation (2 KiB) per layer", () => {
    const peaks = DEPTHS.map((n) => {
      const specs = [spec([BATCH, WIDTH]), ...Array.from({ length: n }, () => spec([WIDTH, WIDTH]))];
      return plannedPeak(trace(valueAndGrad(tanhChain, { argnums: [0] }), specs));
    });
    // the backward pass reads each layer's tanh output (d tanh = 1 - y²): all N are live when it starts
    for (const slope of perLayer(peaks)) expect(slope / ACT).toBeCloseTo(1, 2);
  });
});
