/**
 * Matmul kernels alone on the WebGPU backend, in the layouts forward and backward passes
 * produce: NN (x·w), NT (x·wᵀ, as in dx = dy·wᵀ), TN (xᵀ·w, as in dw = xᵀ·dy), TT. Timing,
 * not a test; a sample of outputs is checked against a float64 dot product.
 *
 *   npx tsx packages/backend-webgpu/bench/matmul.ts [--n 1024] [--iters 3] [--matmul tiled|direct|gpu|cpu] [--no-pace] [--wgsl] [NN NT TN TT]
 *
 * Prints per variant: lowering and first-step ms, median step ms, process CPU ms per step
 * (SwiftShader's threads included), the event loop's busy share while timing (≈1 when Dawn
 * polls throughout), the grid, GFLOP/s and the largest error. Under tsx SwiftShader ran up to
 * 2× slower than in plain node; for figures, bundle it as bench/webgpu-workloads.ts says.
 */
import "../../../tests/webgpu/swiftshader-env";
import { spec, t, trace, type HostTensor, type Tensor } from "@adjoint/ir";
import { fuseKernels, planKernels, runPasses, simplifyPipeline } from "@adjoint/passes";
import { createWebGpuBackend, type WebGpuLowerOptions } from "@adjoint/backend-webgpu";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const n = Number(opt("n", "1024")), iters = Number(opt("iters", "3"));
const matmul = args.includes("--matmul") ? (opt("matmul", "direct") as WebGpuLowerOptions["matmul"]) : undefined;
const chosen = args.filter((a) => /^[NT][NT]$/.test(a));
const VARIANTS: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  NN: (a, b) => t.matmul(a, b),
  NT: (a, b) => t.matmul(a, t.transpose(b)),
  TN: (a, b) => t.matmul(t.transpose(a), b),
  TT: (a, b) => t.matmul(t.transpose(a), t.transpose(b)),
};
const rand = (len: number, seed: number) => {
  let s = seed;
  return Float32Array.from({ length: len }, () => ((s = (s * 1103515245 + 12345) >>> 0), (s / 2 ** 32) * 2 - 1));
};
const A = rand(n * n, 1), B = rand(n * n, 2);
const backend = await createWebGpuBackend();
for (const v of chosen.length ? chosen : ["NN", "NT", "TN"]) {
  const g = runPasses(trace(VARIANTS[v], [spec([n, n]), spec([n, n])]), simplifyPipeline).graph;
  const plan = planKernels(fuseKernels(g, { maxBuffers: backend.capabilities.maxBuffersPerKernel }), { alignment: backend.capabilities.alignment });
  const t0 = performance.now();
  const exe = await backend.lower(plan, { matmul, ...(args.includes("--no-pace") ? { pace: false } : {}) });
  const lowerMs = performance.now() - t0;
  if (args.includes("--wgsl")) for (const k of exe.gen.kernels) console.log(k.code);
  const inputs: HostTensor[] = [{ shape: [n, n], dtype: "f32", data: A }, { shape: [n, n], dtype: "f32", data: B }];
  let [c] = await exe.run(inputs);
  const first = performance.now() - t0;
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  for (let i = 0; i < iters; i++) {
    const s = performance.now();
    [c] = await exe.run(inputs);
    times.push(performance.now() - s);
  }
  // float64 reference at a few points
  const at = (m: Float32Array, r: number, col: number, tr: boolean) => (tr ? m[col * n + r] : m[r * n + col]);
  let maxErr = 0;
  for (const [i, j] of [[0, 0], [n - 1, n - 1], [n >> 1, 3], [7, n - 5], [n - 3, 1]]) {
    let s = 0;
    for (let k = 0; k < n; k++) s += at(A, i, k, v[0] === "T") * at(B, k, j, v[1] === "T");
    maxErr = Math.max(maxErr, Math.abs(c.data[i * n + j] - s));
  }
  const used = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const cpuMs = (used.user + used.system) / 1000 / Math.max(1, iters);
  const med = [...times].sort((a, b) => a - b)[times.length >> 1];
  console.log(`RESULT ${JSON.stringify({ variant: v, n, dispatches: exe.kernels, lowerMs: Math.round(lowerMs), firstMs: Math.round(first), medianMs: Math.round(med), cpuMsPerStep: Math.round(cpuMs), eventLoop: +elu.toFixed(2), grid: exe.gen.kernels[0].grid.workgroups, gflops: +((2 * n ** 3) / med / 1e6).toFixed(2), maxErr: +maxErr.toExponential(2) })}`);
  exe.dispose();
}
backend.dispose();
