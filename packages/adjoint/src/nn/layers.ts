import { AdjointError, t, type HostTensor, type Tensor } from "@adjoint/ir";
import { normal, ones, zeros, xavierUniform } from "./init";

/** A dense layer's parameters: `w` is [in, out], `b` is [out] or absent. */
export interface LinearParams<T = Tensor> {
  readonly w: T;
  readonly b?: T;
}

/** `x @ w + b` over the last axis; leading axes are folded into one matrix product. */
export function linear(p: LinearParams, x: Tensor): Tensor {
  const [fanIn, fanOut] = p.w.shape;
  if (p.w.ndim !== 2 || x.shape[x.ndim - 1] !== fanIn) {
    throw new AdjointError(`linear: input [${x.shape.join(", ")}] does not match weight [${p.w.shape.join(", ")}] (last axis of the input must be ${p.w.shape[0]})`);
  }
  // One [N, in] @ [in, out] product rather than a batched one: the weight is not broadcast per row block.
  const lead = x.shape.slice(0, -1);
  const y = t.matmul(x.ndim === 2 ? x : t.reshape(x, [-1, fanIn]), p.w);
  const biased = p.b ? t.add(y, p.b) : y;
  return x.ndim === 2 ? biased : t.reshape(biased, [...lead, fanOut]);
}

/** Initial linear parameters: Xavier-uniform weight (or N(0, std²) when `std` is given), zero bias. */
export function linearInit(fanIn: number, fanOut: number, opts: { seed: number; bias?: boolean; std?: number }): LinearParams<HostTensor> {
  const w = opts.std === undefined ? xavierUniform([fanIn, fanOut], { seed: opts.seed }) : normal([fanIn, fanOut], { seed: opts.seed, std: opts.std });
  return opts.bias === false ? { w } : { w, b: zeros([fanOut]) };
}

/** Rows of `table` [vocab, dim] picked by integer `ids` of any shape: result ids.shape ++ [dim]. */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  if (ids.dtype !== "i32") throw new AdjointError(`embedding: ids must be i32, got ${ids.dtype} [${ids.shape.join(", ")}]`);
  return t.take(table, ids, 0);
}

/** Layer-norm gain and shift, each [dim]. */
export interface LayerNormParams<T = Tensor> {
  readonly gamma: T;
  readonly beta: T;
}

/** Normalises the last axis, then scales by gamma and shifts by beta. */
export function layerNorm(p: LayerNormParams, x: Tensor, eps = 1e-5): Tensor {
  return t.layerNorm(x, p.gamma, p.beta, { axis: -1, eps });
}

/** Initial layer norm: gain 1, shift 0. */
export function layerNormInit(dim: number): LayerNormParams<HostTensor> {
  return { gamma: ones([dim]), beta: zeros([dim]) };
}

/** A two-layer perceptron: `fc` expands, `proj` projects back. */
export interface MlpParams<T = Tensor> {
  readonly fc: LinearParams<T>;
  readonly proj: LinearParams<T>;
}

/** `proj(activation(fc(x)))`, GELU by default (the transformer feed-forward block). */
export function mlp(p: MlpParams, x: Tensor, activation: (h: Tensor) => Tensor = t.gelu): Tensor {
  return linear(p.proj, activation(linear(p.fc, x)));
}
