/**
 * How compile scales: trace → differentiate → every pass → lower, for a deep MLP chain and a
 * transformer-like stack at ~1k, ~10k and ~100k joint nodes. Each model runs in a fresh child
 * process (so peak RSS is its own): first `compile()` itself (the times of exe.report.stages
 * and exe.report.passes), then the same stages called one by one, as compile.ts calls them,
 * to read heap and RSS after each (after a GC when node runs with --expose-gc).
 *
 *   npx tsx --expose-gc bench/scale.ts [--backend=interpret|cpu] [--only=mlp-1k,...] [--max=100k]
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { traceWithTree, type Spec } from "@adjoint/ir";
import {
  checkpointPass, dce, fuseKernels, inplaceSafety, planMemory, runPasses, scheduleKernels, simplifyPipeline, withOptions, type AnyPass,
} from "@adjoint/passes";
import { compile, getBackend, spec, t, valueAndGrad, type Tensor, type TensorFn } from "adjoint";

function mlp(layers: number): [TensorFn, Spec[]] {
  const loss = (x: Tensor, w: Tensor, b: Tensor) => {
    let h = x;
    for (let i = 0; i < layers; i++) h = t.tanh(t.add(t.matmul(h, w), b));
    return t.mean(t.square(h));
  };
  return [valueAndGrad(loss, { argnums: [1, 2] }), [spec([8, 16]), spec([16, 16]), spec([16])]];
}

function transformer(blocks: number): [TensorFn, Spec[]] {
  const d = 16, n = 8;
  const loss = (x: Tensor, ...ws: Tensor[]) => {
    const mask = t.where(t.ge(t.iota([n, n], 0), t.iota([n, n], 1)), 0, -1e9);
    let h = x;
    for (let b = 0; b < blocks; b++) {
      const [wq, wk, wv, wo, w1, w2] = ws.slice(6 * b, 6 * b + 6);
      const a = t.layerNorm(h);
      const q = t.matmul(a, wq), k = t.matmul(a, wk), v = t.matmul(a, wv);
      const p = t.softmax(t.add(t.div(t.matmul(q, t.transpose(k)), Math.sqrt(d)), mask));
      h = t.add(h, t.matmul(t.matmul(p, v), wo));
      h = t.add(h, t.matmul(t.gelu(t.matmul(t.layerNorm(h), w1)), w2));
    }
    return t.mean(t.square(h));
  };
  const weights = Array.from({ length: 6 * blocks }, (_, i) => (i % 6 === 4 ? spec([d, 4 * d]) : i % 6 === 5 ? spec([4 * d, d]) : spec([d, d])));
  return [valueAndGrad(loss as TensorFn, { argnums: weights.map((_, i) => i + 1) }), [spec([n, d]), ...weights]];
}

const MODELS: Record<string, () => [TensorFn, Spec[]]> = {
  "mlp-1k": () => mlp(80), "mlp-10k": () => mlp(800), "mlp-100k": () => mlp(8000),
  "transformer-1k": () => transformer(6), "transformer-10k": () => transformer(48), "transformer-100k": () => transformer(620),
};

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const gc = (globalThis as { gc?: () => void }).gc;
function memory(): string {
  gc?.();
  const m = process.memoryUsage();
  return `heap ${mb(m.heapUsed)} MB, rss ${mb(m.rss)} MB`;
}

/** One model, in this process: compile() for its report, then the stages one by one for memory. */
async function measure(name: string, backendName: string): Promise<void> {
  const [fn, specs] = MODELS[name]();
  console.log(`\n## ${name} on ${backendName}   (start: ${memory()})`);
  let t0 = performance.now();
  const exe = await compile(fn, specs, { backend: backendName });
  const total = performance.now() - t0;
  console.log(`compile: ${(total / 1000).toFixed(1)} s, ${exe.graph.nodes.length} nodes after passes, ${exe.report.kernels} kernels; ${memory()}`);
  console.log(`  stages: ${exe.report.stages.map((s) => `${s.name} ${s.ms.toFixed(0)} ms`).join(", ")}`);
  console.log(`  passes: ${exe.report.passes.map((p) => `${p.name} ${p.ms.toFixed(0)}`).join(", ")} (ms)`);
  exe.dispose();

  // the same stages, called as compile.ts calls them, with memory after each
  const backend = await getBackend(backendName);
  const step = <R>(label: string, f: () => R): R => {
    t0 = performance.now();
    const r = f();
    console.log(`  ${label.padEnd(12)} ${(performance.now() - t0).toFixed(0).padStart(7)} ms   ${memory()}`);
    return r;
  };
  const traced = step("trace+vjp", () => traceWithTree(fn, specs));
  console.log(`  (traced joint graph: ${traced.graph.nodes.length} nodes)`);
  const pipeline: AnyPass[] = [...simplifyPipeline, checkpointPass("none") as AnyPass, withOptions(inplaceSafety, { mode: "error" }) as AnyPass, dce];
  const { graph } = step("passes", () => runPasses(traced.graph, pipeline));
  const forward = new Set(graph.nodes.filter((n) => !n.loc.origin).map((n) => n.id));
  const materialize = new Set(graph.nodes.filter((n) => n.loc.origin).flatMap((n) => n.args.filter((a) => forward.has(a))));
  const caps = backend.capabilities;
  const kg = step("fuse", () => fuseKernels(graph, { fuse: caps.fusion, maxBuffers: caps.maxBuffersPerKernel, materialize }));
  const schedule = step("schedule", () => scheduleKernels(kg, { strategy: "best" }));
  const plan = step("plan-memory", () => ({ graph, kernels: schedule.kernels, memory: planMemory(graph, schedule.kernels, { alignment: caps.alignment }) }));
  const program = await backend.lower(plan, {});
  console.log(`  lower: done; ${memory()}; peak rss of this process ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
  program.dispose();
}

const args = process.argv.slice(2);
const opt = (key: string) => args.find((a) => a.startsWith(`--${key}=`))?.slice(key.length + 3);
const backendName = opt("backend") ?? "interpret";
const child = opt("child");
if (child) {
  await measure(child, backendName);
} else {
  const max = opt("max") ?? "100k";
  const names = (opt("only")?.split(",") ?? Object.keys(MODELS)).filter((n) => max === "100k" || !n.endsWith("100k"));
  console.log(`scale: backend ${backendName}, node ${process.version}, gc ${gc ? "on" : "off (run with --expose-gc for steadier heap figures)"}`);
  for (const name of names) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--child=${name}`, `--backend=${backendName}`], { stdio: "inherit" });
    if (r.status !== 0) console.log(`  ${name}: child exited with ${r.status ?? r.signal}`);
  }
}
