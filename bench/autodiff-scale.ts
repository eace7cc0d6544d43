// How reverse and forward mode scale: time to differentiate, and backward/forward node counts.
// Run: npx tsx bench/autodiff-scale.ts   (figures go to BENCHMARKS.md by hand, with machine and date)
import { spec, t, trace, type Graph, type Tensor } from "@adjoint/ir";
import { jvpGraph, vjpGraph } from "@adjoint/passes";

function timeIt<R>(fn: () => R): [R, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

const models: Record<string, [(...xs: Tensor[]) => Tensor, ReturnType<typeof spec>[]]> = {
  "tanh chain (10k)": [(x) => { let y = x; for (let i = 0; i < 10_000; i++) y = t.tanh(y); return t.sum(y); }, [spec([64])]],
  "MLP 100 layers": [
    (x, w) => { let h = x; for (let i = 0; i < 100; i++) h = t.tanh(t.add(t.matmul(h, w), 0.1)); return t.mean(t.square(h)); },
    [spec([32, 64]), spec([64, 64])],
  ],
  "attention-like block x20": [
    (x, wq, wk, wv) => {
      let h = x;
      for (let i = 0; i < 20; i++) {
        const q = t.matmul(h, wq), k = t.matmul(h, wk), v = t.matmul(h, wv);
        const a = t.softmax(t.div(t.matmul(q, t.transpose(k)), 8));
        h = t.layerNorm(t.add(h, t.gelu(t.matmul(a, v))));
      }
      return t.mean(h);
    },
    [spec([16, 64]), spec([64, 64]), spec([64, 64]), spec([64, 64])],
  ],
};

const nodes = (g: Graph) => g.nodes.length;
// one untimed round first, so the figures are for JIT-compiled code
for (const [fn, specs] of Object.values(models)) vjpGraph(trace(fn, specs), [0]);
console.log("| model | forward nodes | trace ms | vjp ms | joint nodes | backward/forward | jvp ms | jvp nodes |");
console.log("|---|---|---|---|---|---|---|---|");
for (const [name, [fn, specs]] of Object.entries(models)) {
  const [g, traceMs] = timeIt(() => trace(fn, specs));
  const [j, vjpMs] = timeIt(() => vjpGraph(g, [0]));
  const [f, jvpMs] = timeIt(() => jvpGraph(g, [0]));
  const backward = nodes(j) - nodes(g);
  console.log(`| ${name} | ${nodes(g)} | ${traceMs.toFixed(0)} | ${vjpMs.toFixed(0)} | ${nodes(j)} | ${(backward / nodes(g)).toFixed(2)} | ${jvpMs.toFixed(0)} | ${nodes(f)} |`);
}
