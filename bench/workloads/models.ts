/**
 * Workloads W1–W5 as Adjoint functions, written op for op like the peers' models
 * (/work/shared/bench/peers/jaxjs.mjs), so losses and gradients agree across libraries.
 * Arguments: the differentiated params in order, then the other inputs.
 */
import { t, type Tensor } from "@adjoint/ir";
import { W1, W2, W3 } from "./data";

/** W1: -Σ(logSoftmax(MLP(x)) · y) / 128. */
export function lossW1(...args: Tensor[]): Tensor {
  const [W1_, b1, W2_, b2, W3_, b3, x, y] = args;
  let h = t.relu(t.add(t.matmul(x, W1_), b1));
  h = t.relu(t.add(t.matmul(h, W2_), b2));
  const logits = t.add(t.matmul(h, W3_), b3);
  return t.mul(t.sum(t.mul(t.logSoftmax(logits, -1), y)), -1 / W1.batch);
}

/** W2: Σ x after 64 layers of x ← tanh(x @ W_i). */
export function lossW2(...args: Tensor[]): Tensor {
  let x = args[W2.layers];
  for (let i = 0; i < W2.layers; i++) x = t.tanh(t.matmul(x, args[i]));
  return t.sum(x);
}

/** LayerNorm over the last axis with primitive ops. */
function layerNorm(x: Tensor, g: Tensor, b: Tensor): Tensor {
  const xc = t.sub(x, t.mean(x, -1, { keepdims: true }));
  const v = t.mean(t.mul(xc, xc), -1, { keepdims: true });
  return t.add(t.mul(t.mul(xc, t.reciprocal(t.sqrt(t.add(v, 1e-5)))), g), b);
}

/** GELU, tanh approximation, with primitive ops. */
function geluTanh(x: Tensor): Tensor {
  const x3 = t.mul(t.mul(x, x), x);
  const inner = t.mul(t.add(x, t.mul(x3, 0.044715)), 0.7978845608028654);
  return t.mul(t.mul(x, 0.5), t.add(t.tanh(inner), 1));
}

/** Number of W3 params (wte, wpe, 12 per block, lnf_g, lnf_b, w_lm). */
export const W3_PARAMS = 2 + 12 * W3.blocks + 3;

/** W3 (gather embedding) and W3oh (one-hot matmul embedding): a 2-block GPT's mean cross-entropy. */
export function lossW3(oneHot: boolean): (...args: Tensor[]) => Tensor {
  return (...args) => {
    const { batch: B, seq: T, dModel: C, heads: H, blocks } = W3;
    const D = C / H;
    const [wte, wpe] = args;
    const [tokens, targets, mask] = args.slice(W3_PARAMS);
    const emb = oneHot ? t.matmul(tokens, wte) : t.take(wte, tokens, 0);
    let h = t.reshape(t.add(t.reshape(emb, [B, T, C]), wpe), [B * T, C]);
    const heads = (a: Tensor) => t.reshape(t.transpose(t.reshape(a, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D]);
    for (let l = 0; l < blocks; l++) {
      const [ln1g, ln1b, wqkv, bqkv, wo, bo, ln2g, ln2b, wfc, bfc, wproj, bproj] = args.slice(2 + 12 * l, 14 + 12 * l);
      const qkv = t.add(t.matmul(layerNorm(h, ln1g, ln1b), wqkv), bqkv);
      const [q, k, v] = [0, 1, 2].map((i) => heads(t.slice(qkv, [0, i * C], [B * T, (i + 1) * C])));
      const s = t.add(t.mul(t.matmul(q, t.transpose(k, [0, 2, 1])), 1 / Math.sqrt(D)), mask);
      const o = t.reshape(t.transpose(t.reshape(t.matmul(t.softmax(s, -1), v), [B, H, T, D]), [0, 2, 1, 3]), [B * T, C]);
      h = t.add(h, t.add(t.matmul(o, wo), bo));
      const f = geluTanh(t.add(t.matmul(layerNorm(h, ln2g, ln2b), wfc), bfc));
      h = t.add(h, t.add(t.matmul(f, wproj), bproj));
    }
    const [lnfg, lnfb, wlm] = args.slice(2 + 12 * blocks, W3_PARAMS);
    const logits = t.matmul(layerNorm(h, lnfg, lnfb), wlm);
    return t.mul(t.sum(t.mul(t.logSoftmax(logits, -1), targets)), -1 / (B * T));
  };
}

/** W4: Σ sin(x)·cos(x) + exp(-x·x). */
export const lossW4 = (x: Tensor): Tensor => t.sum(t.add(t.mul(t.sin(x), t.cos(x)), t.exp(t.neg(t.mul(x, x)))));

/** W5: C = A @ B. */
export const matmulW5 = (a: Tensor, b: Tensor): Tensor => t.matmul(a, b);
