/**
 * A deep tanh chain (default 100k layers) compiled for the CPU backend with its gradient:
 * trace + vjp + every pass + lowering, then runs. Before the long-body fix the fused backward
 * kernel (~150k values in one generated function) overflowed V8's stack when it ran.
 *
 *   npx tsx bench/cpu-scale.ts [--layers 100000]
 *
 * The value and gradient are checked against the chain rule in plain f64 (not bitwise: f32).
 */
import os from "node:os";
import { compile, spec, t, valueAndGrad, type HostTensor, type Tensor } from "adjoint";

const args = process.argv.slice(2);
const at = args.indexOf("--layers");
const layers = at >= 0 ? Number(args[at + 1]) : 100_000;
const chain = (x: Tensor) => {
  let y = x;
  for (let i = 0; i < layers; i++) y = t.tanh(y);
  return t.sum(y);
};
const x = [0.5, -1, 2, 0.25];

const t0 = performance.now();
const exe = await compile(valueAndGrad(chain), [spec([4])], { backend: "cpu" });
const t1 = performance.now();
const [value, grad] = (await exe.run(x)) as [HostTensor, HostTensor];
const t2 = performance.now();
await exe.run(x);
const t3 = performance.now();

let want = 0;
const wantGrad = x.map((x0) => {
  let y = x0, d = 1;
  for (let i = 0; i < layers; i++) ((y = Math.tanh(y)), (d *= 1 - y * y));
  want += y;
  return d;
});
const gradErr = Math.max(...wantGrad.map((g, i) => Math.abs(grad.data[i] - g) / Math.abs(g)));
const ms = (v: number) => Math.round(v);
console.log(`RESULT ${JSON.stringify({
  layers, nodes: exe.graph.nodes.length, kernels: exe.report.kernels, compile_ms: ms(t1 - t0), first_run_ms: ms(t2 - t1), second_run_ms: ms(t3 - t2),
  stages: Object.fromEntries(exe.report.stages.map((s) => [s.name, ms(s.ms)])), value: value.data[0], value_f64: want, grad_rel_err: gradErr,
  rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20), load1: os.loadavg()[0],
})}`);
exe.dispose();
