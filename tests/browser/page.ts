// Runs in the browser page: traces valueAndGrad of an MLP, fuses, schedules and plans it,
// lowers it on the page's WebGPU (navigator.gpu) and leaves the results on window for the
// test to read.
import { createWebGpuBackend } from "@adjoint/backend-webgpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { mlpGradGraph, mlpInputs } from "./shared";

/** What the page reports. */
export interface PageResult {
  readonly outputs?: { shape: number[]; dtype: string; data: number[] }[];
  readonly kernels?: number;
  readonly adapter?: string;
  readonly error?: string;
}

async function main(): Promise<PageResult> {
  const backend = await createWebGpuBackend();
  try {
    const graph = mlpGradGraph();
    const caps = backend.capabilities;
    const exe = await backend.lower(planKernels(fuseKernels(graph, { maxBuffers: caps.maxBuffersPerKernel }), { alignment: caps.alignment }));
    const outputs = await exe.run(mlpInputs());
    exe.dispose();
    return { outputs: outputs.map((o) => ({ shape: [...o.shape], dtype: o.dtype, data: [...o.data] })), kernels: exe.kernels, adapter: backend.adapterInfo };
  } finally {
    backend.dispose();
  }
}

const w = globalThis as unknown as { __adjoint?: PageResult };
main().then((r) => (w.__adjoint = r), (e: Error) => (w.__adjoint = { error: `${e.name}: ${e.message}\n${e.stack}` }));
