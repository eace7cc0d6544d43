// How fusion scales with graph size: time to fuse (and not fuse) graphs up to 100k nodes,
// best of three runs each.
// Run: npx tsx bench/fuse-scale.ts   (figures go to docs/fusion.md by hand, with machine and date)
import { spec, t, trace, type Graph, type Tensor } from "@adjoint/ir";
import { fuseKernels, printKernels } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";

function timeIt<R>(fn: () => R): [R, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

/** Best of three runs (the first includes JIT warm-up). */
function best<R>(fn: () => R): [R, number] {
  let out = timeIt(fn);
  for (let i = 0; i < 2; i++) {
    const next = timeIt(fn);
    if (next[1] < out[1]) out = next;
  }
  return out;
}

const models: Record<string, () => Graph> = {
  "elementwise chain (100k)": () => trace((x: Tensor) => {
    let y = x;
    for (let i = 0; i < 100_000; i++) y = i % 2 ? t.tanh(y) : t.neg(y);
    return y;
  }, [spec([4])]),
  "reduce/broadcast chain (100k)": () => trace((x: Tensor) => {
    let y = x;
    for (let i = 0; i < 25_000; i++) y = t.sub(y, t.broadcastTo(t.max(t.exp(y), 1, { keepdims: true }), [8, 16]));
    return y;
  }, [spec([8, 16])]),
  "attention block x40, valueAndGrad": () => trace(valueAndGrad((x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor) => {
    let h = x;
    for (let i = 0; i < 40; i++) {
      const q = t.matmul(h, wq), k = t.matmul(h, wk), v = t.matmul(h, wv);
      const a = t.softmax(t.div(t.matmul(q, t.transpose(k)), 8));
      h = t.layerNorm(t.add(h, t.gelu(t.matmul(a, v))));
    }
    return t.mean(h);
  }), [spec([16, 64]), spec([64, 64]), spec([64, 64]), spec([64, 64])]),
};

for (const [name, build] of Object.entries(models)) {
  const [g, traceMs] = timeIt(build);
  const [fused, fuseMs] = best(() => fuseKernels(g));
  const [, limitedMs] = best(() => fuseKernels(g, { maxBuffers: 8 }));
  const [unfused, unfusedMs] = best(() => fuseKernels(g, { fuse: false }));
  const [, printMs] = best(() => printKernels(fused));
  console.log(
    `${name}: ${g.nodes.length} nodes (trace ${traceMs.toFixed(0)} ms) -> ${fused.kernels.length} kernels in ${fuseMs.toFixed(0)} ms; ` +
      `maxBuffers 8 ${limitedMs.toFixed(0)} ms; unfused ${unfused.kernels.length} kernels in ${unfusedMs.toFixed(0)} ms; print ${printMs.toFixed(0)} ms`,
  );
}
