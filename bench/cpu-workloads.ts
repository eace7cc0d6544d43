/**
 * Workloads W1–W5 (/work/shared/bench/WORKLOADS.md) on the fast CPU backend.
 *
 *   npx tsx bench/cpu-workloads.ts [--threads N] [--iters 10] [--warmup 3] [--no-fma] [--no-native] [--fast-math [--no-simd]] [W1 W2 ...]
 *
 * --fast-math lowers with `fastMath: true`: qualifying kernels run as wasm SIMD (exp/log/tanh
 * within 1 f32 ulp, sin/cos/sigmoid within 2), the rest as JavaScript loops with fast
 * exp/log/sin/cos/tanh (within 1 ulp); --no-simd keeps every kernel in JavaScript.
 * --no-fma keeps the GEMM's multiply then add (the default fuses them: relaxed SIMD, which the
 * backend turns on in V8 where needed). --no-native runs matmuls on the WebAssembly GEMM instead
 * of the native one (fast/native: compiled for this CPU; the default where it builds).
 *
 * A step runs the lowered plan and copies every output back (the loss and all gradients).
 * Prints one `RESULT {json}` line per workload, like the peers' scripts, with the loss and
 * Σ|grad| checked against the reference values.
 */
import os from "node:os";
import { lowerCpu, withGemmFma } from "@adjoint/backend-cpu";
import { REFERENCE, WORKLOADS, checksum, prepare, type Workload } from "./workloads/prepare";

const args = process.argv.slice(2);
const fma = !args.includes("--no-fma");
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const fastMath = args.includes("--fast-math");
const simd = !args.includes("--no-simd");
const nativeGemm = !args.includes("--no-native");
const threads = opt("threads", 1), iters = opt("iters", 10), warmup = opt("warmup", 3);
const valued = new Set(["--threads", "--iters", "--warmup"]);
const chosen = args.filter((a, i) => !a.startsWith("--") && !valued.has(args[i - 1])) as Workload[];
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const w of chosen.length ? chosen : WORKLOADS) {
  const prepared = withGemmFma(fma, () => prepare(w, threads));
  let p = prepared;
  if (fastMath || !nativeGemm) {
    // prepare lowers without options: lower its plan again with them (compile_ms then covers only this lowering)
    prepared.exe.dispose();
    const t0 = performance.now();
    const exe = withGemmFma(fma, () => lowerCpu(prepared.plan, { threads, fastMath, simd, nativeGemm }));
    p = { ...prepared, exe, compileMs: performance.now() - t0 };
  }
  const warm: number[] = [];
  let out = p.exe.run(p.inputs);
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    out = p.exe.run(p.inputs);
    warm.push(performance.now() - t0);
  }
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    out = p.exe.run(p.inputs);
    times.push(performance.now() - t0);
  }
  const got = checksum(w, out), ref = REFERENCE[w];
  const rel = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : Math.abs(a - b) / Math.abs(b));
  const result = {
    peer: "adjoint", backend: "cpu", threads, workload: w, fma, fast_math: fastMath,
    gemm: p.exe.gemm, simd_kernels: p.exe.simdKernels, simd_functions: p.exe.simdFunctions,
    median_ms: median(times), min_ms: Math.min(...times), warmup_ms: warm, compile_ms: p.compileMs,
    kernels: p.exe.kernels, arena_bytes: p.exe.arena.byteLength, planned_bytes: p.plan.memory.arenaBytes,
    loss: got.loss, sum_abs_grad: got.sumAbs, loss_rel_err: rel(got.loss, ref.loss), sum_abs_rel_err: rel(got.sumAbs, ref.sumAbs),
    gflops: p.flops ? p.flops / (median(times) * 1e6) : undefined, load1: os.loadavg()[0],
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  p.exe.dispose();
}
