/**
 * The benchmark data of /work/shared/bench/peers/common.mjs, ported exactly: the same
 * mulberry32 generator, one seed per tensor, values drawn row-major and rounded to f32, so
 * Adjoint sees byte-identical inputs to every peer.
 */

/** mulberry32: a tiny deterministic 32-bit PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values ~ U(lo, hi) from seed. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** n integers in [0, max) from seed. */
export function randint(n: number, max: number, seed: number): Int32Array {
  const r = mulberry32(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * max) % max;
  return out;
}

/** Row-per-label one-hot matrix. */
export function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]] = 1;
  return out;
}

/** A named tensor of a workload. */
export interface Named {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

/** A workload's data: differentiated params (in order), other inputs, matmul FLOPs per step. */
export interface WorkloadData {
  readonly params: readonly Named[];
  readonly inputs: readonly Named[];
  readonly flops: number;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const param = (name: string, shape: readonly number[], seed: number, s: number): Named => ({ name, shape, data: uniform(prod(shape), seed, -s, s) });
const fill = (name: string, shape: readonly number[], v: number): Named => ({ name, shape, data: new Float32Array(prod(shape)).fill(v) });

/** W1: MLP 784-1024-1024-10 on a batch of 128. */
export const W1 = { batch: 128, sizes: [784, 1024, 1024, 10] } as const;
export function makeW1(): WorkloadData {
  const { batch, sizes } = W1;
  const params: Named[] = [];
  for (let l = 0; l < 3; l++) {
    const [fi, fo] = [sizes[l], sizes[l + 1]];
    params.push(param(`W${l + 1}`, [fi, fo], 1000 + 2 * l, Math.sqrt(6 / fi)));
    params.push({ name: `b${l + 1}`, shape: [fo], data: uniform(fo, 1001 + 2 * l, -0.1, 0.1) });
  }
  const x = { name: "x", shape: [batch, 784], data: uniform(batch * 784, 11, 0, 1) };
  const y = { name: "y", shape: [batch, 10], data: oneHot(randint(batch, 10, 12), 10) };
  const mm = sizes.slice(0, 3).map((fi, l) => 2 * batch * fi * sizes[l + 1]);
  return { params, inputs: [x, y], flops: mm.reduce((a, b) => a + b) * 2 + mm[1] + mm[2] };
}

/** W2: 64 layers of tanh(x @ W), width 256, batch 32. */
export const W2 = { layers: 64, width: 256, batch: 32 } as const;
export function makeW2(): WorkloadData {
  const { layers, width, batch } = W2;
  const params = Array.from({ length: layers }, (_, i) => param(`W${i}`, [width, width], 2000 + i, Math.sqrt(3 / width)));
  const x = { name: "x", shape: [batch, width], data: uniform(batch * width, 21, -1, 1) };
  return { params, inputs: [x], flops: layers * 2 * batch * width * width * 3 - 2 * batch * width * width };
}

/** W3: a 2-block GPT (C=128, 4 heads, T=64, B=8, V=256). */
export const W3 = { blocks: 2, heads: 4, dModel: 128, seq: 64, batch: 8, vocab: 256, mlp: 4 } as const;
export function makeW3(oneHotTokens = false): WorkloadData {
  const { blocks, dModel: C, seq: T, batch: B, vocab: V, mlp, heads: H } = W3;
  const s = 0.02 * Math.sqrt(3);
  let seed = 3000;
  const params: Named[] = [];
  const P = (name: string, shape: number[]) => params.push(param(name, shape, seed++, s));
  const Z = (name: string, shape: number[]) => (params.push(fill(name, shape, 0)), seed++);
  const O = (name: string, shape: number[]) => (params.push(fill(name, shape, 1)), seed++);
  P("wte", [V, C]);
  P("wpe", [T, C]);
  for (let l = 0; l < blocks; l++) {
    O(`h${l}.ln1_g`, [C]); Z(`h${l}.ln1_b`, [C]);
    P(`h${l}.w_qkv`, [C, 3 * C]); Z(`h${l}.b_qkv`, [3 * C]);
    P(`h${l}.w_o`, [C, C]); Z(`h${l}.b_o`, [C]);
    O(`h${l}.ln2_g`, [C]); Z(`h${l}.ln2_b`, [C]);
    P(`h${l}.w_fc`, [C, mlp * C]); Z(`h${l}.b_fc`, [mlp * C]);
    P(`h${l}.w_proj`, [mlp * C, C]); Z(`h${l}.b_proj`, [C]);
  }
  O("lnf_g", [C]); Z("lnf_b", [C]);
  P("w_lm", [C, V]);
  const toks = randint(B * (T + 1), V, 31);
  const inp = new Int32Array(B * T), tgt = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      inp[b * T + t] = toks[b * (T + 1) + t];
      tgt[b * T + t] = toks[b * (T + 1) + t + 1];
    }
  }
  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) mask[i * T + j] = j <= i ? 0 : -1e9;
  const D = C / H;
  const perBlockFwd = 2 * B * T * C * 3 * C + 2 * (2 * B * H * T * T * D) + 2 * B * T * C * C + 2 * (2 * B * T * C * mlp * C);
  const fwd = blocks * perBlockFwd + 2 * B * T * C * V;
  const tokens: Named = oneHotTokens ? { name: "tokens_oh", shape: [B * T, V], data: oneHot(inp, V) } : { name: "tokens", shape: [B * T], data: inp };
  const inputs = [tokens, { name: "targets", shape: [B * T, V], data: oneHot(tgt, V) }, { name: "mask", shape: [T, T], data: mask }];
  return { params, inputs, flops: 3 * fwd + (oneHotTokens ? 2 * (2 * B * T * V * C) : 0) };
}

/** W4: 2^20 elements of sin·cos + exp(-x²). */
export const W4 = { n: 1 << 20 } as const;
export const makeW4 = (): WorkloadData => ({ params: [{ name: "x", shape: [W4.n], data: uniform(W4.n, 41, -3, 3) }], inputs: [], flops: 0 });

/** W5: a 1024³ matmul, forward only. */
export const W5 = { n: 1024 } as const;
export function makeW5(): WorkloadData {
  const n = W5.n;
  return { params: [], inputs: [{ name: "a", shape: [n, n], data: uniform(n * n, 51, -1, 1) }, { name: "b", shape: [n, n], data: uniform(n * n, 52, -1, 1) }], flops: 2 * n ** 3 };
}
