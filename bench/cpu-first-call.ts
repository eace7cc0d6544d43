/**
 * First call of a workload on the CPU backend in a fresh process: trace + differentiate +
 * passes + fusion + scheduling + memory planning + lowering (`compile`), then the first run.
 * Issue 5's target: W3 under 300 ms (jax-js: ~2 s).
 *
 *   npx tsx bench/cpu-first-call.ts [W3] [--exact]  # one fresh process per measurement
 *
 * --exact compiles for `cpuBackend({ fastMath: false })` (the registered "cpu" has fastMath on).
 *   node --import tsx --cpu-prof bench/cpu-first-call.ts W3   # then read the .cpuprofile
 *
 * Module loading (tsx transpiling the sources) happens before the clock starts.
 */
import os from "node:os";
import { compile, cpuBackend, spec, valueAndGrad, type HostTensor, type Tensor } from "adjoint";
import { makeW1, makeW2, makeW3, makeW4 } from "./workloads/data";
import { lossW1, lossW2, lossW3, lossW4 } from "./workloads/models";

const MODELS = {
  W1: { data: makeW1, fn: lossW1 },
  W2: { data: makeW2, fn: lossW2 },
  W3: { data: () => makeW3(false), fn: lossW3(false) },
  W3oh: { data: () => makeW3(true), fn: lossW3(true) },
  W4: { data: makeW4, fn: lossW4 as (...xs: Tensor[]) => Tensor },
} as const;
const args = process.argv.slice(2);
const w = (args.find((a) => !a.startsWith("--")) ?? "W3") as keyof typeof MODELS;
const exact = args.includes("--exact");
const { data, fn } = MODELS[w];
const d = data();
const inputs: HostTensor[] = [...d.params, ...d.inputs].map((x) => ({ shape: x.shape, dtype: x.data instanceof Int32Array ? "i32" : "f32", data: x.data }));
const specs = inputs.map((x) => spec(x.shape, x.dtype));

const t0 = performance.now();
const exe = await compile(valueAndGrad(fn, { argnums: d.params.map((_, i) => i) }), specs, { backend: exact ? cpuBackend({ fastMath: false }) : "cpu" });
const t1 = performance.now();
await exe.run(...inputs);
const t2 = performance.now();
await exe.run(...inputs);
const t3 = performance.now();
exe.dispose();

const ms = (x: number) => Math.round(x * 10) / 10;
const stages = Object.fromEntries(exe.report.stages.map((s) => [s.name, ms(s.ms)]));
const passes = Object.fromEntries(exe.report.passes.map((p) => [p.name, ms(p.ms)]));
console.log(`RESULT ${JSON.stringify({ workload: w, exact, first_call_ms: ms(t2 - t0), compile_ms: ms(t1 - t0), first_run_ms: ms(t2 - t1), second_run_ms: ms(t3 - t2), nodes: exe.graph.nodes.length, kernels: exe.report.kernels, stages, passes, load1: os.loadavg()[0] })}`);
