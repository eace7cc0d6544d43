// Joint forward/backward graphs the checkpoint tests share, and the reference-interpreter oracle.
import { interpret } from "@adjoint/backend-cpu";
import { numel, spec, t, trace, type Graph, type HostTensor, type Tensor } from "@adjoint/ir";
import { seededRandom, valueAndGrad } from "adjoint";

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

/** x_i = tanh(x_{i-1}), loss = sum(x_N); gradient with respect to x. */
export function tanhChain(n: number, width = 8): Graph {
  const f = (x: Tensor) => {
    let h = x;
    for (let i = 0; i < n; i++) h = t.tanh(h);
    return t.sum(h);
  };
  return trace(valueAndGrad(f), [spec([width])]);
}

/** The chain: x = tanh(x @ W_i), every W_i a separate input, loss = sum; gradients for x and all W_i. */
export function matmulTanhChain(n: number, batch = 4, width = 8): Graph {
  const f = (x: Tensor, ...ws: Tensor[]) => {
    let h = x;
    for (const w of ws) h = t.tanh(t.matmul(h, w));
    return t.sum(h);
  };
  return trace(valueAndGrad(f, { argnums: all(n + 1) }), [spec([batch, width]), ...all(n).map(() => spec([width, width]))]);
}

/**
 * A chain whose state is narrow and whose step widens it: h = tanh(b @ A_i) is 16 times the
 * state b = h @ B_i. Reversing a step needs its input state and re-tapes h, the setting of
 * Griewank–Walther's model (keeping a tape costs as much as 16 snapshots).
 */
export function bottleneckChain(n: number): Graph {
  const f = (x: Tensor, ...ws: Tensor[]) => {
    let b = x;
    for (let i = 0; i < n; i++) b = t.matmul(t.tanh(t.matmul(b, ws[2 * i])), ws[2 * i + 1]);
    return t.sum(b);
  };
  const specs = [spec([2, 2]), ...all(2 * n).map((i) => spec(i % 2 ? [32, 2] : [2, 32]))];
  return trace(valueAndGrad(f, { argnums: all(2 * n + 1) }), specs);
}

/** An MLP with biases and a softmax cross-entropy-like loss. */
export function mlp(layers: number): Graph {
  const f = (x: Tensor, w: Tensor, b: Tensor) => {
    let h = x;
    for (let i = 0; i < layers; i++) h = t.tanh(t.add(t.matmul(h, w), b));
    return t.mean(t.neg(t.logSoftmax(h)));
  };
  return trace(valueAndGrad(f, { argnums: [0, 1, 2] }), [spec([4, 6]), spec([6, 6]), spec([6])]);
}

/** Attention-like blocks with a residual stream and layer norm. */
export function attentionBlocks(blocks: number): Graph {
  const f = (x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor) => {
    let h = x;
    for (let i = 0; i < blocks; i++) {
      const q = t.matmul(h, wq), k = t.matmul(h, wk), v = t.matmul(h, wv);
      const a = t.softmax(t.div(t.matmul(q, t.transpose(k)), 4));
      h = t.layerNorm(t.add(h, t.gelu(t.matmul(a, v))));
    }
    return t.mean(h);
  };
  return trace(valueAndGrad(f, { argnums: [0, 1, 2, 3] }), [spec([5, 8]), spec([8, 8]), spec([8, 8]), spec([8, 8])]);
}

/**
 * A random DAG of `ops` forward ops over a [3,4] input and a [4,4] weight (unary, binary,
 * matmul, a reduction broadcast back), summed into a loss; gradients for both inputs.
 */
export function randomGraph(seed: number, ops: number): Graph {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(((rand() + 1) / 2) * xs.length) % xs.length];
  const f = (x: Tensor, w: Tensor) => {
    const pool: Tensor[] = [x];
    for (let i = 0; i < ops; i++) {
      const a = pick(pool), b = pick(pool);
      const kind = pick(["tanh", "sin", "sigmoid", "mul", "add", "matmul", "matmul", "rowsum"] as const);
      const out =
        kind === "tanh" ? t.tanh(a)
        : kind === "sin" ? t.sin(a)
        : kind === "sigmoid" ? t.sigmoid(a)
        : kind === "mul" ? t.mul(a, b)
        : kind === "add" ? t.add(a, b)
        : kind === "matmul" ? t.matmul(a, w)
        : t.mul(a, t.sum(b, [1], { keepdims: true }));
      pool.push(out);
    }
    return t.sum(t.mul(pool[pool.length - 1], pick(pool.slice(1))));
  };
  return trace(valueAndGrad(f, { argnums: [0, 1] }), [spec([3, 4]), spec([4, 4])]);
}

/** Seeded inputs in [-1, 1) for every input of `g`. */
export function inputsFor(g: Graph, seed = 7): HostTensor[] {
  const rand = seededRandom(seed);
  return g.inputs.map(({ type }) => {
    const data = new Float32Array(numel(type.shape));
    for (let i = 0; i < data.length; i++) data[i] = rand();
    return { shape: type.shape, dtype: type.dtype, data };
  });
}

/** Throws unless `after` computes the same outputs as `before`, bit for bit, on the reference interpreter. */
export function expectBitwiseEqual(before: Graph, after: Graph, what: string): void {
  const inputs = inputsFor(before);
  const want = interpret(before, inputs), got = interpret(after, inputs);
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} outputs, expected ${want.length}`);
  want.forEach((w, k) => {
    const a = new Uint32Array(new Float32Array(w.data).buffer), b = new Uint32Array(new Float32Array(got[k].data).buffer);
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) throw new Error(`${what}: output ${k} element ${i} is ${got[k].data[i]}, expected ${w.data[i]}`);
    }
  });
}

/** Recompute nodes of `g` whose op is `op` (all ops when omitted). */
export const recomputed = (g: Graph, op?: string) => g.nodes.filter((n) => n.loc.origin?.kind === "recompute" && (op === undefined || n.op === op));
