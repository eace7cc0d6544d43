// Kernel counts of the fused patterns, forward and joint forward+backward (valueAndGrad of
// sum(y * tanh(y)); shown as total (forward + backward kernels)), unlimited and under WebGPU's
// 8 buffers, against one kernel per node. The last row is workload W4 (Σ sin(x)·cos(x) +
// exp(-x·x), valueAndGrad), which horizontal fusion makes one kernel.
// Run: npx tsx bench/fusion-counts.ts   (the table in docs/fusion.md comes from here)
import { spec, t, trace, type Graph, type Tensor } from "@adjoint/ir";
import { fuseKernels } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";

const gelu = (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor) => t.matmul(t.gelu(t.add(t.matmul(x, w1), b1)), w2);
const attention = (q: Tensor, k: Tensor, v: Tensor) => t.matmul(t.softmax(t.div(t.matmul(q, t.transpose(k)), Math.sqrt(8))), v);
function block(x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor): Tensor {
  const q = t.matmul(x, wq), k = t.matmul(x, wk), v = t.matmul(x, wv);
  const mask = t.where(t.ge(t.iota([6, 6], 0), t.iota([6, 6], 1)), 0, -1e9);
  const a = t.softmax(t.add(t.div(t.matmul(q, t.transpose(k)), Math.sqrt(8)), mask));
  return t.layerNorm(t.add(x, t.matmul(a, v)));
}
const patterns: [string, (...xs: Tensor[]) => Tensor, number[][]][] = [
  ["softmax [4,8]", (x) => t.softmax(x), [[4, 8]]],
  ["logSoftmax [4,8]", (x) => t.logSoftmax(x), [[4, 8]]],
  ["layerNorm [4,8] (gamma, beta)", (x, g, b) => t.layerNorm(x, g, b), [[4, 8], [8], [8]]],
  ["gelu MLP 4x8 -> 16 -> 3", gelu, [[4, 8], [8, 16], [16], [16, 3]]],
  ["attention (q, k, v [6,8])", attention, [[6, 8], [6, 8], [6, 8]]],
  ["attention block (projections, causal mask, residual, layerNorm)", block, [[6, 8], [8, 8], [8, 8], [8, 8]]],
];
const loss = (f: (...xs: Tensor[]) => Tensor) => (...xs: Tensor[]) => {
  const y = f(...xs);
  return t.sum(t.mul(y, t.tanh(y)));
};
/** Kernels as "total (forward + backward)": a backward kernel computes some grad node. */
function count(g: Graph, opts: Parameters<typeof fuseKernels>[1]): string {
  const kernels = fuseKernels(g, opts).kernels;
  const grad = new Set(g.nodes.filter((n) => n.loc.origin?.kind === "grad").map((n) => n.id));
  if (!grad.size) return String(kernels.length);
  const backward = kernels.filter((k) => k.nodes.some((m) => grad.has(m))).length;
  return `${kernels.length} (${kernels.length - backward} + ${backward})`;
}
const row = (name: string, g: Graph) =>
  `| ${name} | ${g.nodes.length} | ${count(g, {})} | ${count(g, { maxBuffers: 8 })} | ${count(g, { fuse: false })} |`;

console.log("| graph | nodes | fused | fused, maxBuffers 8 | unfused |\n|---|---|---|---|---|");
for (const [name, f, shapes] of patterns) {
  const specs = shapes.map((s) => spec(s));
  console.log(row(`${name}, forward`, trace(f, specs)));
  console.log(row(`${name}, forward + backward`, trace(valueAndGrad(loss(f), { argnums: shapes.map((_, i) => i) }), specs)));
}
const w4 = (x: Tensor) => t.sum(t.add(t.mul(t.sin(x), t.cos(x)), t.exp(t.neg(t.mul(x, x)))));
console.log(row("W4 sin·cos + exp(-x²) [1048576], forward + backward", trace(valueAndGrad(w4), [spec([1 << 20])])));
