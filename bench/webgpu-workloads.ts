/**
 * Workloads W1–W5 (/work/shared/bench/WORKLOADS.md) on the WebGPU backend: a step uploads
 * what changed, runs every dispatch, and reads back the loss and all gradients (W5: C).
 * Timing, not a test.
 *
 *   npx tsx bench/webgpu-workloads.ts [--iters 10] [--warmup 3] [--matmul tiled|direct|gpu|cpu] [--no-pace] [--unfused] [--read-loss] [W1 ...]
 *
 * Against peers that run as plain JavaScript (jax-js, TF.js), run it as plain JavaScript too:
 * under tsx, SwiftShader's shaders measured up to 2× slower in CPU time (same WGSL, same
 * device setup; cause not found), e.g. W5 4.9 s under tsx vs 2.6 s bundled, same minute:
 *
 *   npx esbuild bench/webgpu-workloads.ts --bundle --platform=node --format=esm --external:webgpu \
 *     --outfile=node_modules/.cache/adjoint-bench/webgpu-workloads.mjs && node node_modules/.cache/adjoint-bench/webgpu-workloads.mjs W5
 *
 * `--no-pace` turns off the sleep before polling for results (see packages/backend-webgpu/src/pace.ts).
 * `--read-loss` reads back only the first output (the loss; W5: C), to separate the
 * computation from the readback of all gradients (the reference method reads everything).
 *
 * Prints one `RESULT {json}` line per workload: dispatches per step, first and median step
 * ms, loss and Σ|grad| (checked against the reference), and for W5 GFLOP/s.
 */
import "../tests/webgpu/swiftshader-env";
import { spec, trace, type HostTensor, type Tensor } from "@adjoint/ir";
import { fuseKernels, planKernels, runPasses, simplifyPipeline } from "@adjoint/passes";
import { createWebGpuBackend, type WebGpuLowerOptions } from "@adjoint/backend-webgpu";
import { valueAndGrad } from "adjoint";
import { makeW1, makeW2, makeW3, makeW4, makeW5, type WorkloadData } from "./workloads/data";
import { lossW1, lossW2, lossW3, lossW4, matmulW5 } from "./workloads/models";

const REFERENCE: Record<string, { loss?: number; sumAbs: number }> = {
  W1: { loss: 3.016647, sumAbs: 5550.28 }, W2: { loss: 7.29415, sumAbs: 1.27521e6 }, W3: { loss: 5.556385, sumAbs: 537.526 },
  W3oh: { loss: 5.556385, sumAbs: 537.526 }, W4: { loss: 309858.7, sumAbs: 761182.8 }, W5: { sumAbs: 8928641.67 },
};
const MODELS: Record<string, { data: () => WorkloadData; fn: (...xs: Tensor[]) => Tensor }> = {
  W1: { data: makeW1, fn: lossW1 }, W2: { data: makeW2, fn: lossW2 }, W3: { data: () => makeW3(false), fn: lossW3(false) },
  W3oh: { data: () => makeW3(true), fn: lossW3(true) }, W4: { data: makeW4, fn: lossW4 as (...xs: Tensor[]) => Tensor },
  W5: { data: makeW5, fn: matmulW5 as (...xs: Tensor[]) => Tensor },
};

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const iters = Number(opt("iters", "10")), warmup = Number(opt("warmup", "3"));
const matmul = args.includes("--matmul") ? (opt("matmul", "tiled") as WebGpuLowerOptions["matmul"]) : undefined;
const fuse = !args.includes("--unfused");
const readLoss = args.includes("--read-loss");
const VALUED = new Set(["--iters", "--warmup", "--matmul"]);
const chosen = args.filter((a, i) => /^W\d/.test(a) && !VALUED.has(args[i - 1]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const backend = await createWebGpuBackend();
for (const w of chosen.length ? chosen : ["W1", "W2", "W3", "W4", "W5"]) {
  const { data, fn } = MODELS[w];
  const d = data();
  const inputs: HostTensor[] = [...d.params, ...d.inputs].map((x) => ({ shape: x.shape, dtype: x.data instanceof Int32Array ? "i32" : "f32", data: x.data }));
  const t0 = performance.now();
  const specs = inputs.map((x) => spec(x.shape, x.dtype));
  const traced = w === "W5" ? trace(fn, specs) : trace(valueAndGrad(fn, { argnums: d.params.map((_, i) => i) }) as never, specs);
  const graph = runPasses(traced, simplifyPipeline).graph;
  const caps = backend.capabilities;
  const plan = planKernels(fuseKernels(graph, { fuse, maxBuffers: caps.maxBuffersPerKernel }), { alignment: caps.alignment });
  const exe = await backend.lower(plan, { matmul, ...(args.includes("--no-pace") ? { pace: false } : {}) });
  const compileMs = performance.now() - t0;
  let out = await exe.run(inputs);
  const first = performance.now() - t0;
  for (let i = 1; i < warmup; i++) out = await exe.run(inputs);
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const s = performance.now();
    const got = await exe.run(inputs, readLoss ? { outputs: [0] } : {});
    times.push(performance.now() - s);
    if (!readLoss) out = got;
  }
  const rest = w === "W5" ? out : out.slice(1);
  let sumAbs = 0;
  for (const o of rest) for (const v of o.data) sumAbs += Math.abs(v);
  const loss = w === "W5" ? undefined : out[0].data[0];
  const ref = REFERENCE[w];
  const ok = Math.abs(sumAbs - ref.sumAbs) <= 1e-3 * ref.sumAbs && (ref.loss === undefined || Math.abs(loss! - ref.loss) <= 1e-3 * Math.abs(ref.loss));
  const ms = median(times);
  console.log(`RESULT ${JSON.stringify({
    workload: w, backend: "webgpu", adapter: backend.adapterInfo, matmul: matmul ?? "default", fused: fuse, read: readLoss ? "loss" : "all",
    dispatches: exe.kernels, arena_mb: +(plan.memory.arenaBytes / 2 ** 20).toFixed(2), compile_ms: Math.round(compileMs), first_ms: Math.round(first),
    median_ms: +ms.toFixed(2), times_ms: times.map((x) => Math.round(x)), gflops: d.flops ? +(d.flops / ms / 1e6).toFixed(2) : undefined, loss, sum_abs: +sumAbs.toFixed(3), ok,
  })}`);
  exe.dispose();
}
backend.dispose();
