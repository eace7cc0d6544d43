// Comparing WebGPU results with the reference interpreter, and the tolerances used.
import { expect } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import type { Graph, HostTensor } from "@adjoint/ir";
import type { Plan } from "@adjoint/passes";
import type { WebGpuBackend, WebGpuLowerOptions } from "@adjoint/backend-webgpu";

/**
 * Relative tolerances (plus the same absolute tolerance near 0) against the f32 interpreter.
 * Arithmetic, comparisons, movement and reductions: 1e-5 (GPU sums associate differently).
 * exp, log, tanh, sigmoid, sqrt, rsqrt, pow: 1e-5 (SwiftShader measured within 3e-6; WGSL
 * only promises a few ULP). sin and cos: 1e-4, which with the absolute part covers SwiftShader
 * (sin(1) off by 1.9e-5, cos(-0.15625) by 1.9e-4; WGSL allows 2^-11 absolute on [-π, π]).
 */
export const RTOL = 1e-5;
export const TRANSCENDENTAL_RTOL = 1e-5;
export const TRIG_RTOL = 1e-4;

/** Element-by-element check: exact for i32/bool, NaN for NaN, equal infinities, else within rtol. */
export function expectClose(actual: HostTensor, expected: HostTensor, rtol: number, what: string): void {
  expect(actual.dtype, what).toBe(expected.dtype);
  expect([...actual.shape], what).toEqual([...expected.shape]);
  expect(actual.data.length, what).toBe(expected.data.length);
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i], e = expected.data[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : expected.dtype !== "f32" || !Number.isFinite(e) ? a === e : Math.abs(a - e) <= rtol * (1 + Math.abs(e));
    if (!ok) expect.fail(`${what}: element ${i}: got ${a}, interpreter gives ${e} (rtol ${rtol})`);
  }
}

/** Lowers `plan`, runs it once on `inputs`, disposes it, returns the outputs. */
export async function runPlan(backend: WebGpuBackend, plan: Plan, inputs: readonly HostTensor[], opts: WebGpuLowerOptions = {}): Promise<HostTensor[]> {
  const exe = await backend.lower(plan, opts);
  try {
    return await exe.run(inputs);
  } finally {
    exe.dispose();
  }
}

/** Runs `plan` on the GPU and checks every output against the interpreter on `graph`. */
export async function checkPlan(
  backend: WebGpuBackend, graph: Graph, plan: Plan, inputs: readonly HostTensor[], rtol = RTOL, what = graph.name, opts: WebGpuLowerOptions = {},
): Promise<HostTensor[]> {
  const got = await runPlan(backend, plan, inputs, opts);
  const want = interpret(graph, inputs);
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expectClose(got[i], w, rtol, `${what} output ${i}`));
  return got;
}
