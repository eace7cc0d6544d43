/**
 * The CPU backend's f32 matmul, 1024³ by default, with each operand plain or transposed
 * (a transposed operand is a strided access, as every backward pass reads it).
 *
 *   npx tsx bench/cpu-matmul.ts [--n 1024] [--threads 1,2] [--iters 10] [--warmup 3] [--no-fma] [--gemm native,wasm]
 *
 * GFLOP/s = 2n³ / median time of the matmul kernel alone (`profile`), and of a whole step
 * (inputs copied in, C copied out, as W5 times it). OpenBLAS reaches ~340 GFLOP/s on 2 cores
 * of this machine (WORKLOADS.md), ~175 on one.
 *
 * --gemm picks the GEMMs to time, in turn: the native one (fast/native, compiled for this CPU;
 * the backend's default where it builds) and the WebAssembly one (`nativeGemm: false`).
 *
 * The wasm GEMM fuses multiply and add by default (on Node 20 the backend turns on V8's relaxed
 * SIMD for it); --no-fma lowers with a multiply then an add, as before that default.
 * (--relaxed-simd, which turned the feature on by hand, is still accepted and changes nothing.)
 * With threads, a GEMM step first alternates split and one-thread runs for about six calls
 * (fast/threads.ts, SplitChooser); --warmup 10 or more times its settled choice.
 */
import { spec, t, trace, type HostTensor } from "@adjoint/ir";
import type { Kernel, Plan } from "@adjoint/passes";
import { gemmUsesFma, lowerCpu, withGemmFma } from "@adjoint/backend-cpu";
import { uniform } from "./workloads/data";

const args = process.argv.slice(2);
const fma = !args.includes("--no-fma");
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const n = Number(opt("n", "1024")), iters = Number(opt("iters", "10")), warmup = Number(opt("warmup", "3"));
const threadList = opt("threads", "1,2").split(",").map(Number);
const gemms = opt("gemm", "native,wasm").split(",");
const OPENBLAS_2_CORES = 340;

/** A plan of one matmul kernel reading A and B directly, transposed through strides when asked. */
function matmulPlan(ta: boolean, tb: boolean): Plan {
  const g = trace((a, b) => t.matmul(ta ? t.transpose(a) : a, tb ? t.transpose(b) : b), [spec([n, n]), spec([n, n])]);
  const mm = g.nodes.find((x) => x.op === "matmul")!.id;
  const kernel: Kernel = {
    id: 0,
    loop: { kind: "matmul", batch: [], m: n, n, k: n, node: mm, epilogue: [], a: { source: 0, offset: 0, strides: ta ? [1, 0, n] : [n, 0, 1] }, b: { source: 1, offset: 0, strides: tb ? [0, n, 1] : [0, 1, n] } },
    nodes: [mm],
    loads: new Map(),
    stores: [mm],
  };
  const bytes = n * n * 4;
  const memory = { buffers: new Map([[mm, { value: mm, offset: 0, bytes, firstStep: 0, lastStep: 0 }]]), arenaBytes: bytes, lowerBound: bytes, timeline: [bytes], inputBytes: 2 * bytes, alignment: 64 };
  return { graph: g, kernels: [kernel], memory };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const inputs: HostTensor[] = [
  { shape: [n, n], dtype: "f32", data: uniform(n * n, 51) },
  { shape: [n, n], dtype: "f32", data: uniform(n * n, 52) },
];
const flops = 2 * n ** 3;
const lower = (plan: Plan, threads = 1, nativeGemm = true) => withGemmFma(fma, () => lowerCpu(plan, { threads, profile: true, nativeGemm }));
console.log(`n=${n}, fused multiply-add: ${withGemmFma(fma, gemmUsesFma)}, node ${process.version}`);
// one untimed lowering first: wasm code starts in V8's baseline tier and is replaced by
// optimised code only after it has run a while, which otherwise lands in the first variant
for (const native of [true, false]) {
  const warm = lower(matmulPlan(false, false), 1, native);
  for (let i = 0; i < 8; i++) warm.run(inputs);
  warm.dispose();
}
for (const [gemm, threads] of gemms.flatMap((g) => threadList.map((th) => [g, th] as const))) {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    const exe = lower(matmulPlan(ta, tb), threads, gemm === "native");
    for (let i = 0; i < warmup; i++) exe.run(inputs);
    const steps: number[] = [], kernel: number[] = [];
    for (let i = 0; i < iters; i++) {
      const before = exe.profile()[0].ms, t0 = performance.now();
      exe.run(inputs);
      steps.push(performance.now() - t0);
      kernel.push(exe.profile()[0].ms - before);
    }
    const gk = flops / (median(kernel) * 1e6), gs = flops / (median(steps) * 1e6);
    const byWorkers = threads > 1 ? `, ${exe.workerChunks} task(s) run by workers` : "";
    const name = `${ta ? "Aᵀ" : "A"}·${tb ? "Bᵀ" : "B"}`;
    console.log(`${exe.gemm.padEnd(20)} threads ${threads}  ${name.padEnd(6)} kernel ${median(kernel).toFixed(1)} ms = ${gk.toFixed(1)} GFLOP/s (${((100 * gk) / OPENBLAS_2_CORES).toFixed(1)}% of OpenBLAS 2 cores); step ${gs.toFixed(1)} GFLOP/s${byWorkers}`);
    exe.dispose();
  }
}
