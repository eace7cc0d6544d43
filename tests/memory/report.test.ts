// memoryReport: byte counts by hand for the tanh chain's training graph, the values live at
// the peak, and the text form.
import { describe, expect, it } from "vitest";
import { formatBytes, formatMemoryReport, memoryReport, planMemory, scheduleKernels, sparkline } from "@adjoint/passes";
import { kernelPerNode } from "./kernel-per-node";
import { chainGraph } from "./random-graphs";

const [LAYERS, WIDTH, BATCH] = [6, 64, 8];
const graph = chainGraph(LAYERS, WIDTH, BATCH, true);
const { kernels } = scheduleKernels(kernelPerNode(graph));
const plan = planMemory(graph, kernels);

describe("memoryReport", () => {
  it("counts inputs, parameters and the arena in bytes", () => {
    const weights = graph.inputs.slice(1).map((i) => i.id);
    const r = memoryReport(graph, plan, kernels, { parameters: weights });
    expect(r.inputBytes).toBe(BATCH * WIDTH * 4 + LAYERS * WIDTH * WIDTH * 4);
    expect(r.parameterBytes).toBe(LAYERS * WIDTH * WIDTH * 4);
    // by default every f32 input counts, x included
    expect(memoryReport(graph, plan, kernels).parameterBytes).toBe(r.inputBytes);
    expect(r.peakActivationBytes).toBe(plan.arenaBytes);
    expect(r.peakTotalBytes).toBe(r.inputBytes + plan.arenaBytes); // the chain has no constants
    expect([r.constantBytes, r.lowerBound, r.steps]).toEqual([0, plan.lowerBound, kernels.length]);
    expect(r.timeline[r.peakStep]).toBe(plan.lowerBound);
    expect(r.peakKernel).toBe(kernels[r.peakStep].id);
  });

  it("lists the largest values live at the peak with op and source line: the weight gradients", () => {
    const r = memoryReport(graph, plan, kernels, { top: 3 });
    expect(r.topLive).toHaveLength(3);
    for (const v of r.topLive) {
      expect(v.firstStep).toBeLessThanOrEqual(r.peakStep);
      expect(v.lastStep).toBeGreaterThanOrEqual(r.peakStep);
    }
    // the peak is at the end, where all six dW = h^T @ g (16 KiB each, outputs) are held
    expect(r.topLive.map((v) => [v.op, v.type, v.bytes])).toEqual(Array(3).fill(["matmul", "f32[64,64]", 16384]));
    expect(r.topLive[0].loc).toMatch(/^grad of %\d+ \(tests\/memory\/random-graphs\.ts:\d+\)$/);
    expect(graph.outputs).toContain(r.topLive[0].value);
  });

  it("formats the report as text", () => {
    const text = formatMemoryReport(memoryReport(graph, plan, kernels));
    expect(text).toContain(`memory over ${kernels.length} steps`);
    expect(text).toContain(`activations  ${formatBytes(plan.arenaBytes)} peak (lower bound ${formatBytes(plan.lowerBound)}, +0.0%)`);
    expect(text).toMatch(/largest values live at the peak:\n +16\.0 KiB  %\d+ matmul f32\[64,64\]  grad of %\d+ \(tests\/memory\/random-graphs\.ts:\d+\)  steps \d+\.\.\d+/);
  });

  it("formats bytes and draws the timeline", () => {
    expect([formatBytes(0), formatBytes(1023), formatBytes(1536), formatBytes(3 * 1024 ** 2)]).toEqual(["0 B", "1023 B", "1.5 KiB", "3.0 MiB"]);
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([5, 0, 0, 10], 2)).toBe("▅█"); // two cells: max(5, 0) is half of max(0, 10): level 4 of 0..7
  });

  it("rejects kernels that do not match the plan", () => {
    expect(() => memoryReport(graph, plan, kernels.slice(1))).toThrow(/covers \d+ steps but \d+ kernels were given/);
  });
});
