/**
 * Where a workload's step goes on the CPU backend: the time of every kernel (median of
 * per-run times over `--iters` runs after warm-up), slowest first, with its loop and, for
 * matmuls, GFLOP/s (GEMM and epilogue together).
 *
 *   npx tsx bench/cpu-profile.ts W3 [--threads 1] [--iters 10] [--top 25] [--fast-math [--no-simd]]
 */
import { lowerCpu } from "@adjoint/backend-cpu";
import { prepare, type Workload } from "./workloads/prepare";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const w = (args.find((a) => /^W/.test(a)) ?? "W1") as Workload;
const [threads, iters, top] = [opt("threads", 1), opt("iters", 10), opt("top", 25)];

const p = prepare(w, 1);
p.exe.dispose();
const fastMath = args.includes("--fast-math"), simd = !args.includes("--no-simd");
const exe = lowerCpu(p.plan, { threads, profile: true, fastMath, simd });
for (let i = 0; i < 3; i++) exe.run(p.inputs);
const per: number[][] = p.plan.kernels.map(() => []);
const totals: number[] = [];
for (let r = 0; r < iters; r++) {
  const before = exe.profile().map((k) => k.ms);
  const t0 = performance.now();
  exe.run(p.inputs);
  totals.push(performance.now() - t0);
  exe.profile().forEach((k, i) => per[i].push(k.ms - before[i]));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = p.plan.kernels.map((k, i) => {
  const l = k.loop, ms = median(per[i]);
  const what =
    l.kind === "matmul" ? `matmul batch=[${l.batch}] m=${l.m} n=${l.n} k=${l.k}, ${l.epilogue.length} epilogue ops, ${((2 * l.m * l.n * l.k * l.batch.reduce((a, b) => a * b, 1)) / (ms * 1e6)).toFixed(1)} GFLOP/s`
    : l.kind === "reduce" ? `reduce domain=[${l.domain}] reduce=[${l.reduce}], ${k.nodes.length} members`
    : l.kind === "elementwise" ? `elementwise domain=[${l.domain}], ${k.nodes.length} members`
    : `opaque ${p.graph.nodes.find((n) => n.id === l.node)?.op}`;
  return { id: k.id, kind: l.kind, ms, what };
});
const byKind = new Map<string, number>();
for (const r of rows) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + r.ms);
console.log(`${w}: ${p.plan.kernels.length} kernels, threads ${threads}, step median ${median(totals).toFixed(1)} ms`);
console.log([...byKind].map(([k, ms]) => `${k} ${ms.toFixed(1)} ms`).join(", "));
for (const r of rows.sort((a, b) => b.ms - a.ms).slice(0, top)) console.log(`k${r.id}`.padEnd(6), `${r.ms.toFixed(3)} ms`.padStart(11), " ", r.what);
exe.dispose();
