// Seeded random DAGs built by tracing t.* calls: mixed shapes (so buffers differ in size),
// fan-out, dead values, constants and reductions; and their valueAndGrad joint graphs.
import { spec, t, trace, type Graph, type Spec, type Tensor } from "@adjoint/ir";
import { seededRandom, valueAndGrad } from "adjoint";

/** A random scalar-valued function of 2–4 inputs, and its input specs. */
export function randomFunction(seed: number): { fn: (...xs: Tensor[]) => Tensor; specs: Spec[] } {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(((rand() + 1) / 2) * xs.length) % xs.length];
  const n = pick([2, 3, 4, 6]), m = pick([1, 3, 5, 8]);
  const specs = Array.from({ length: pick([2, 3, 4]) }, () => spec(pick([[n, n], [n, m], [n, 16]])));
  const steps = pick([3, 8, 15, 30]);
  const choices = Array.from({ length: steps * 3 }, () => rand()); // drawn up front: fn is traced more than once
  const fn = (...xs: Tensor[]): Tensor => {
    let c = 0;
    const next = () => choices[c++ % choices.length];
    const choose = (pool: readonly Tensor[]) => pool[Math.floor(((next() + 1) / 2) * pool.length) % pool.length];
    const pool: Tensor[] = [...xs];
    for (let s = 0; s < steps; s++) {
      const a = choose(pool), kind = next();
      const same = pool.filter((p) => p.shape.join() === a.shape.join());
      const rows = pool.filter((p) => p.shape[0] === a.shape[0] && p.shape.length === 2);
      let out: Tensor;
      if (kind < -0.6) out = pick([t.tanh, t.sin, t.square, t.neg])(a);
      else if (kind < -0.2) out = pick([t.add, t.mul, t.sub])(a, choose(same));
      else if (kind < 0.2 && a.shape[1] === n) out = t.matmul(a, choose(rows)); // [n,n] @ [n,k]
      else if (kind < 0.4) out = t.add(t.sum(a, [1], { keepdims: true }), choose(rows)); // broadcast over columns
      else if (kind < 0.6) out = t.mul(a, t.constant(Array.from({ length: a.shape[1] }, (_, i) => i / 4), [a.shape[1]]));
      else if (kind < 0.8 && a.shape[0] === a.shape[1]) out = t.transpose(a);
      else out = t.tanh(t.mul(a, 0.5));
      pool.push(out);
    }
    // the loss reads a few of the last values; the rest are dead, or read only by later ones
    const tail = pool.slice(xs.length).slice(-3);
    return tail.map((v) => t.sum(v)).reduce((acc, v) => t.add(acc, v));
  };
  return { fn, specs };
}

/** The forward graph of a random function, or its joint forward+backward graph w.r.t. every input. */
export function randomGraph(seed: number, joint: boolean): Graph {
  const { fn, specs } = randomFunction(seed);
  if (!joint) return trace(fn, specs);
  return trace(valueAndGrad(fn, { argnums: specs.map((_, i) => i) }), specs);
}

/** `x = tanh(x @ W_i)` for each W_i, summed: the chain the memory tests measure. */
export const tanhChain = (x: Tensor, ...ws: Tensor[]): Tensor => {
  let h = x;
  for (const w of ws) h = t.tanh(t.matmul(h, w));
  return t.sum(h);
};

/** The chain's forward graph, or its training graph (value and gradient w.r.t. every W_i). */
export function chainGraph(layers: number, width: number, batch: number, training: boolean): Graph {
  const specs = [spec([batch, width]), ...Array.from({ length: layers }, () => spec([width, width]))];
  if (!training) return trace(tanhChain, specs);
  return trace(valueAndGrad(tanhChain, { argnums: Array.from({ length: layers }, (_, i) => i + 1) }), specs);
}

/** A 2-layer-per-block MLP with biases, `blocks` blocks deep, trained w.r.t. every weight. */
export function mlpGraph(blocks: number, width: number, batch: number): Graph {
  const loss = (x: Tensor, ...ps: Tensor[]) => {
    let h = x;
    for (let i = 0; i < ps.length; i += 2) h = t.tanh(t.add(t.matmul(h, ps[i]), ps[i + 1]));
    return t.mean(t.square(h));
  };
  const specs = [spec([batch, width]), ...Array.from({ length: 2 * blocks }, (_, i) => spec(i % 2 ? [width] : [width, width]))];
  return trace(valueAndGrad(loss, { argnums: specs.slice(1).map((_, i) => i + 1) }), specs);
}

/** `blocks` attention-like blocks (q/k/v projections, softmax, layer norm, gelu), trained w.r.t. x and the weights. */
export function attentionGraph(blocks: number, width: number, tokens: number): Graph {
  const loss = (x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor) => {
    let h = x;
    for (let i = 0; i < blocks; i++) {
      const q = t.matmul(h, wq), k = t.matmul(h, wk), v = t.matmul(h, wv);
      const a = t.softmax(t.div(t.matmul(q, t.transpose(k)), Math.sqrt(width)));
      h = t.layerNorm(t.add(h, t.gelu(t.matmul(a, v))));
    }
    return t.mean(h);
  };
  const specs = [spec([tokens, width]), spec([width, width]), spec([width, width]), spec([width, width])];
  return trace(valueAndGrad(loss, { argnums: [0, 1, 2, 3] }), specs);
}
