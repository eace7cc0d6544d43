// The conformance suite's fused patterns and gradients through the real compiler passes —
// fusion (with the backend's buffer budget), scheduling and memory planning — run on WebGPU
// against the interpreter.
import { describe, it } from "vitest";
import { trace, type HostTensor } from "@adjoint/ir";
import { fuseKernels, planKernels, runPasses, simplifyPipeline } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";
import { gradientCases, patternCases } from "../conformance";
import { checkPlan } from "./compare";
import { testBackend } from "./gpu";

const specsOf = (xs: readonly HostTensor[]) => xs.map((x) => ({ shape: x.shape, dtype: x.dtype }));

async function checkFused(name: string, fn: unknown, inputs: readonly HostTensor[]): Promise<void> {
  const backend = await testBackend();
  const graph = runPasses(trace(fn as never, specsOf(inputs)), simplifyPipeline).graph;
  const caps = backend.capabilities;
  const plan = planKernels(fuseKernels(graph, { maxBuffers: caps.maxBuffersPerKernel }), { alignment: caps.alignment });
  // GPU code (trees, the default matmul choice) and CPU-adapter code (what SwiftShader gets by default)
  await checkPlan(backend, graph, plan, inputs, 2e-5, `${name}, gpu code`, { target: "gpu" });
  await checkPlan(backend, graph, plan, inputs, 2e-5, `${name}, cpu code`, { target: "cpu" });
}

describe("fused plans on WebGPU", () => {
  for (const c of patternCases) it(c.name, () => checkFused(c.name, c.fn, c.inputs));
  for (const c of gradientCases) {
    const argnums = c.inputs.flatMap((x, i) => (x.dtype === "f32" ? [i] : []));
    it(`gradient: ${c.name}`, () => checkFused(c.name, valueAndGrad(c.fn as never, { argnums }), c.inputs));
  }
});
