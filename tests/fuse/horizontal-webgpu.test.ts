// Horizontal fusion on WebGPU (SwiftShader here): a reduce kernel storing prologue values
// beside its reduction, in every reduction plan — serial and tree (one output per thread or
// workgroup) and the split plans of a long one-point reduction — against the interpreter.
import { describe, expect, it } from "vitest";
import type { Graph, HostTensor } from "@adjoint/ir";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { checkPlan } from "../webgpu/compare";
import { testBackend } from "../webgpu/gpu";
import { randomInputs } from "./helpers";
import { joint, sumsVjp, w4 } from "./horizontal-graphs";

/**
 * SwiftShader's cos is off by up to 1.9e-4 near 0 (cos(-0.15625): 0.98763 against 0.98782,
 * measured here), more than TRIG_RTOL; these gradients multiply cos by exp(sin x). A wrong
 * store layout or a missed prologue value gives errors of order 1, far above this.
 */
const RTOL = 1e-3;

async function check(name: string, g: Graph, kernels: number): Promise<void> {
  const backend = await testBackend();
  const caps = backend.capabilities;
  const plan = planKernels(fuseKernels(g, { maxBuffers: caps.maxBuffersPerKernel }), { alignment: caps.alignment });
  expect(plan.kernels).toHaveLength(kernels);
  const inputs: HostTensor[] = randomInputs(g, 9);
  await checkPlan(backend, g, plan, inputs, RTOL, `${name}, gpu code`, { target: "gpu" });
  await checkPlan(backend, g, plan, inputs, RTOL, `${name}, cpu code`, { target: "cpu" });
}

describe("horizontal fusion on WebGPU", () => {
  it("W4 gradient, 65536 points (split reductions): one kernel", () => check("W4", joint(w4, [1 << 16]), 1));
  it("row sums vjp [6,10] (serial): one kernel", () => check("rows", sumsVjp(1), 1));
  it("row sums vjp [64,300] (tree): one kernel", () => check("rows", sumsVjp(1, 64, 300), 1));
  it("column sums vjp [6,10]: not merged", () => check("columns", sumsVjp(0), 2));
});
