import { t, type DType, type HostTensor, type Tensor } from "@adjoint/ir";
import { seededRandom } from "adjoint";

/** A whole-graph case: a function, its inputs, and what it exercises. */
export interface PatternCase {
  readonly name: string;
  readonly fn: (...xs: Tensor[]) => unknown;
  readonly inputs: readonly HostTensor[];
}

/** Deterministic values in [-1, 1) (mulberry32), so every backend sees the same data. */
export const seeded = seededRandom;

/** A random f32 tensor (or i32 in [0, max)) of a shape. */
export function randomTensor(shape: readonly number[], seed: number, dtype: DType = "f32", max = 4): HostTensor {
  const rand = seeded(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === "i32" ? Int32Array.from({ length: n }, () => Math.floor(((rand() + 1) / 2) * max)) : Float32Array.from({ length: n }, rand);
  return { shape, dtype, data };
}

const r = randomTensor;

const mlp = (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor) => t.gelu(t.add(t.matmul(x, w1), b1)).matmul(w2);

function attention(x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor): Tensor {
  const q = t.matmul(x, wq), k = t.matmul(x, wk), v = t.matmul(x, wv);
  const mask = t.where(t.ge(t.iota([6, 6], 0), t.iota([6, 6], 1)), 0, -1e9);
  const a = t.softmax(t.add(t.div(t.matmul(q, t.transpose(k)), Math.sqrt(8)), mask));
  return t.layerNorm(t.add(x, t.matmul(a, v)));
}

/** The fused patterns every backend must get right: forward graphs and their gradients. */
export const patternCases: readonly PatternCase[] = [
  { name: "softmax", fn: (x) => t.softmax(x), inputs: [r([5, 7], 1)] },
  { name: "logSoftmax over axis 0", fn: (x) => t.logSoftmax(x, 0), inputs: [r([5, 7], 2)] },
  { name: "layerNorm", fn: (x, g, b) => t.layerNorm(x, g, b), inputs: [r([4, 8], 3), r([8], 4), r([8], 5)] },
  { name: "gelu MLP", fn: mlp, inputs: [r([4, 8], 6), r([8, 16], 7), r([16], 8), r([16, 3], 9)] },
  { name: "attention", fn: attention, inputs: [r([6, 8], 10), r([8, 8], 11), r([8, 8], 12), r([8, 8], 13)] },
  { name: "embedding + crossEntropy", fn: (w, ids, y) => t.mean(t.crossEntropy(t.take(w, ids, 0), y)), inputs: [r([10, 6], 14), r([5], 15, "i32", 10), r([5], 16, "i32", 6)] },
  { name: "reductions over middle axes", fn: (x) => [t.sum(x, [1], { keepdims: true }), t.max(x, [0, 2]), t.mean(x, 2)], inputs: [r([3, 4, 5], 17)] },
  { name: "movement", fn: (x) => t.concat([t.pad(t.slice(x, [1, 0], [3, 4]), [0, 1], [1, 0], 2), t.transpose(t.reshape(x, [4, 3]))], 1), inputs: [r([3, 4], 18)] },
  { name: "batched matmul with broadcast", fn: (a, b) => t.matmul(a, b), inputs: [r([2, 3, 5, 4], 19), r([3, 4, 6], 20)] },
];

/** Scalar losses whose gradients (w.r.t. every f32 input) every backend must match. */
export const gradientCases: readonly PatternCase[] = [
  { name: "MLP loss", fn: (x, w1, b1, w2) => t.mean(t.square(mlp(x, w1, b1, w2))), inputs: [r([4, 8], 21), r([8, 16], 22), r([16], 23), r([16, 3], 24)] },
  { name: "attention loss", fn: (x, wq, wk, wv) => t.sum(attention(x, wq, wk, wv)), inputs: [r([6, 8], 25), r([8, 8], 26), r([8, 8], 27), r([8, 8], 28)] },
  { name: "tanh chain", fn: (x, w) => { let h = x; for (let i = 0; i < 6; i++) h = t.tanh(t.matmul(h, w)); return t.sum(h); }, inputs: [r([4, 8], 29), r([8, 8], 30)] },
  { name: "softmax cross-entropy", fn: (x, y) => t.mean(t.crossEntropy(x, y)), inputs: [r([5, 7], 31), r([5], 32, "i32", 7)] },
];
