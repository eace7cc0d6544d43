import { AdjointError, t, type HostTensor, type Tensor } from "@adjoint/ir";
import { causalSelfAttention, type AttentionParams } from "./attention";
import { normal, seeds, zeros } from "./init";
import { embedding, layerNorm, layerNormInit, linear, mlp, type LayerNormParams, type LinearParams, type MlpParams } from "./layers";

/** Sizes of a GPT-style decoder. */
export interface GptConfig {
  /** Distinct tokens (characters for a character-level model). */
  readonly vocab: number;
  /** Longest sequence (positions with a learned embedding). */
  readonly context: number;
  readonly dim: number;
  readonly heads: number;
  readonly layers: number;
  /** Hidden width of the feed-forward block as a multiple of `dim` (default 4). */
  readonly mlpRatio?: number;
}

/** One pre-LN transformer block. */
export interface GptBlockParams<T = Tensor> {
  readonly ln1: LayerNormParams<T>;
  readonly attn: AttentionParams<T>;
  readonly ln2: LayerNormParams<T>;
  readonly mlp: MlpParams<T>;
}

/** A GPT: token and position embeddings, blocks, a final layer norm and an output head. */
export interface GptParams<T = Tensor> {
  readonly wte: T;
  readonly wpe: T;
  readonly blocks: readonly GptBlockParams<T>[];
  readonly lnf: LayerNormParams<T>;
  readonly head: LinearParams<T>;
}

/**
 * GPT-2's initialisation: weights N(0, 0.02²), the two projections that write into the residual
 * stream scaled by 1/√(2·layers) so its variance does not grow with depth; zero biases.
 */
export function gptInit(cfg: GptConfig, seed: number): GptParams<HostTensor> {
  const { vocab, context, dim, layers } = cfg;
  const hidden = dim * (cfg.mlpRatio ?? 4);
  const seed_ = seeds(seed);
  const w = (name: string, shape: number[], std = 0.02) => normal(shape, { seed: seed_(name), std });
  const lin = (name: string, fanIn: number, fanOut: number, std = 0.02): LinearParams<HostTensor> => ({ w: w(name, [fanIn, fanOut], std), b: zeros([fanOut]) });
  const residualStd = 0.02 / Math.sqrt(2 * layers);
  const blocks = Array.from({ length: layers }, (_, i): GptBlockParams<HostTensor> => ({
    ln1: layerNormInit(dim),
    attn: { qkv: lin(`blocks.${i}.attn.qkv`, dim, 3 * dim), proj: lin(`blocks.${i}.attn.proj`, dim, dim, residualStd) },
    ln2: layerNormInit(dim),
    mlp: { fc: lin(`blocks.${i}.mlp.fc`, dim, hidden), proj: lin(`blocks.${i}.mlp.proj`, hidden, dim, residualStd) },
  }));
  return { wte: w("wte", [vocab, dim]), wpe: w("wpe", [context, dim]), blocks, lnf: layerNormInit(dim), head: lin("head", dim, vocab) };
}

/** x + attn(ln1(x)), then x + mlp(ln2(x)): the pre-LN residual block. */
export function gptBlock(p: GptBlockParams, x: Tensor, cfg: Pick<GptConfig, "heads">): Tensor {
  const h = t.add(x, causalSelfAttention(p.attn, layerNorm(p.ln1, x), { heads: cfg.heads }));
  return t.add(h, mlp(p.mlp, layerNorm(p.ln2, h)));
}

/** Next-token logits [B, T, vocab] for integer tokens [B, T] (T ≤ context). */
export function gptLogits(p: GptParams, tokens: Tensor, cfg: GptConfig): Tensor {
  if (tokens.ndim !== 2 || tokens.shape[1] > cfg.context) {
    throw new AdjointError(`gptLogits: tokens must be [batch, time ≤ ${cfg.context}], got [${tokens.shape.join(", ")}]`);
  }
  const n = tokens.shape[1];
  const positions = n === cfg.context ? p.wpe : t.slice(p.wpe, [0, 0], [n, cfg.dim]);
  let x = t.add(embedding(p.wte, tokens), positions);
  for (const block of p.blocks) x = gptBlock(block, x, cfg);
  return linear(p.head, layerNorm(p.lnf, x));
}

/** Mean next-token cross-entropy of `targets` [B, T] (natural log; ln(vocab) for a uniform guess). */
export function gptLoss(p: GptParams, tokens: Tensor, targets: Tensor, cfg: GptConfig): Tensor {
  return t.mean(t.crossEntropy(gptLogits(p, tokens, cfg), targets));
}
