import { AdjointError, t, type Tensor } from "@adjoint/ir";
import { linear, type LinearParams } from "./layers";

/** Self-attention parameters: `qkv` maps dim → 3·dim (queries, keys, values), `proj` maps dim → dim. */
export interface AttentionParams<T = Tensor> {
  readonly qkv: LinearParams<T>;
  readonly proj: LinearParams<T>;
}

/** [B, T, C] → [B, heads, T, C / heads]. */
function splitHeads(x: Tensor, heads: number): Tensor {
  const [b, n, c] = x.shape;
  return t.transpose(t.reshape(x, [b, n, heads, c / heads]), [0, 2, 1, 3]);
}

/** Lower-triangular [T, T] mask: position i may attend to positions j ≤ i. */
export function causalMask(n: number): Tensor {
  return t.ge(t.iota([n, n], 0), t.iota([n, n], 1));
}

/**
 * Multi-head causal self-attention on x [B, T, C]: softmax(q kᵀ / √d + mask) v per head, heads
 * concatenated and projected. Masked scores are set to -1e9 (not -inf), so a row is never all -inf.
 */
export function causalSelfAttention(p: AttentionParams, x: Tensor, opts: { heads: number }): Tensor {
  if (x.ndim !== 3) throw new AdjointError(`causalSelfAttention: expected x [batch, time, dim], got [${x.shape.join(", ")}]`);
  const [b, n, c] = x.shape;
  const heads = opts.heads;
  if (c % heads !== 0) throw new AdjointError(`causalSelfAttention: dim ${c} is not divisible by ${heads} heads`);
  const qkv = linear(p.qkv, x);
  const q = splitHeads(t.slice(qkv, [0, 0, 0], [b, n, c]), heads);
  const k = splitHeads(t.slice(qkv, [0, 0, c], [b, n, 2 * c]), heads);
  const v = splitHeads(t.slice(qkv, [0, 0, 2 * c], [b, n, 3 * c]), heads);
  const scores = t.mul(t.matmul(q, t.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(c / heads));
  const weights = t.softmax(t.where(causalMask(n), scores, -1e9), -1);
  const out = t.reshape(t.transpose(t.matmul(weights, v), [0, 2, 1, 3]), [b, n, c]);
  return linear(p.proj, out);
}
