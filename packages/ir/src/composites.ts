import type { Tensor } from "./tensor";
import type { ReduceOptions } from "./api";
import { asAxes, axisOf, t } from "./api";
import type { DType } from "./types";

/** User-level ops built from primitives; autodiff goes through their parts. */
export const composites = {
  square: (x: Tensor): Tensor => t.mul(x, x),
  mean(x: Tensor, axes?: number | readonly number[], opts?: ReduceOptions): Tensor {
    asAxes(x, axes, "mean");
    const s = t.sum(x.dtype === "f32" ? x : t.cast(x, "f32"), axes, opts);
    return t.div(s, x.size / Math.max(1, s.size));
  },
  min(x: Tensor, axes?: number | readonly number[], opts?: ReduceOptions): Tensor {
    asAxes(x, axes, "min");
    return t.neg(t.max(t.neg(x), axes, opts));
  },
  /** GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  gelu(x: Tensor): Tensor {
    const inner = t.mul(Math.sqrt(2 / Math.PI), t.add(x, t.mul(0.044715, t.mul(x, t.mul(x, x)))));
    return t.mul(t.mul(0.5, x), t.add(1, t.tanh(inner)));
  },
  /** log Σ exp along an axis, shifted by the (gradient-stopped) max for stability. */
  logSumExp(x: Tensor, axis = -1, opts?: ReduceOptions): Tensor {
    axisOf(x, axis, "logSumExp");
    const m = t.stopGradient(t.max(x, axis, { keepdims: true }));
    const out = t.add(t.log(t.sum(t.exp(t.sub(x, m)), axis, { keepdims: true })), m);
    return opts?.keepdims ? out : t.reshape(out, x.shape.filter((_, i) => i !== (axis < 0 ? axis + x.ndim : axis)));
  },
  softmax(x: Tensor, axis = -1): Tensor {
    axisOf(x, axis, "softmax");
    const e = t.exp(t.sub(x, t.stopGradient(t.max(x, axis, { keepdims: true }))));
    return t.div(e, t.sum(e, axis, { keepdims: true }));
  },
  /** Shifted first, so large logits keep their precision: s - log Σ e^s with s = x - max x. */
  logSoftmax(x: Tensor, axis = -1): Tensor {
    axisOf(x, axis, "logSoftmax");
    const s = t.sub(x, t.stopGradient(t.max(x, axis, { keepdims: true })));
    return t.sub(s, t.log(t.sum(t.exp(s), axis, { keepdims: true })));
  },
  /** Normalises over `axis` to zero mean and unit variance, then scales and shifts. */
  layerNorm(x: Tensor, gamma?: Tensor, beta?: Tensor, opts: { axis?: number; eps?: number } = {}): Tensor {
    const axis = opts.axis ?? -1;
    axisOf(x, axis, "layerNorm");
    const mu = t.mean(x, axis, { keepdims: true });
    const xc = t.sub(x, mu);
    const variance = t.mean(t.mul(xc, xc), axis, { keepdims: true });
    let y = t.mul(xc, t.rsqrt(t.add(variance, opts.eps ?? 1e-5)));
    if (gamma) y = t.mul(y, gamma);
    if (beta) y = t.add(y, beta);
    return y;
  },
  /** `depth`-wide one-hot encoding of integer indices along a new last axis. */
  oneHot(indices: Tensor, depth: number, dtype: DType = "f32"): Tensor {
    const classes = t.iota([...indices.shape, depth], indices.ndim, "i32");
    return t.cast(t.eq(t.reshape(indices, [...indices.shape, 1]), classes), dtype);
  },
  /** Cross-entropy of logits [..., C] against integer labels [...]: one loss per row, not reduced. */
  crossEntropy(logits: Tensor, labels: Tensor): Tensor {
    const logp = t.logSoftmax(logits, -1);
    return t.neg(t.sum(t.mul(logp, t.oneHot(labels, logits.shape[logits.ndim - 1], logits.dtype)), -1));
  },
  expandDims: (x: Tensor, axis: number): Tensor => {
    const a = axis < 0 ? axis + x.ndim + 1 : axis;
    return t.reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
  },
  squeeze: (x: Tensor, axes?: readonly number[]): Tensor =>
    t.reshape(x, x.shape.filter((d, i) => (axes ? !axes.map((a) => (a < 0 ? a + x.ndim : a)).includes(i) : d !== 1))),
};
