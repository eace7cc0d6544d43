// nn layers against plain-TS references, the GPT loss against finite differences, and the
// seeded initialisers.
import { describe, expect, it } from "vitest";
import { evaluate, gradcheck, nn, seededRandom, type HostTensor, type Tensor } from "adjoint";

const rand = seededRandom(5);
const randArr = (n: number, scale = 1) => Array.from({ length: n }, () => rand() * scale);
const host = (shape: number[], data: number[]): HostTensor => ({ shape, dtype: "f32", data: Float32Array.from(data) });

/** y[r, o] = Σ_i x[r, i]·w[i, o] + b[o] over rows r. */
function refLinear(x: number[], w: number[], b: number[], fanIn: number, fanOut: number): number[] {
  const rows = x.length / fanIn;
  const y = new Array<number>(rows * fanOut).fill(0);
  for (let r = 0; r < rows; r++) for (let o = 0; o < fanOut; o++) {
    let s = b[o];
    for (let i = 0; i < fanIn; i++) s += x[r * fanIn + i] * w[i * fanOut + o];
    y[r * fanOut + o] = s;
  }
  return y;
}

function refLayerNorm(x: number[], dim: number, gamma: number[], beta: number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / dim; r++) {
    const row = x.slice(r * dim, (r + 1) * dim);
    const mu = row.reduce((a, v) => a + v, 0) / dim;
    const variance = row.reduce((a, v) => a + (v - mu) ** 2, 0) / dim;
    row.forEach((v, i) => out.push(((v - mu) / Math.sqrt(variance + 1e-5)) * gamma[i] + beta[i]));
  }
  return out;
}

/** Multi-head causal attention, one query at a time, written from the definition. */
function refAttention(x: number[], B: number, T: number, C: number, H: number, p: { wqkv: number[]; bqkv: number[]; wo: number[]; bo: number[] }): number[] {
  const qkv = refLinear(x, p.wqkv, p.bqkv, C, 3 * C);
  const D = C / H;
  const heads = new Array<number>(B * T * C).fill(0);
  const at = (b: number, t: number, part: number, h: number, d: number) => qkv[(b * T + t) * 3 * C + part * C + h * D + d];
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
    const scores: number[] = [];
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += at(b, i, 0, h, d) * at(b, j, 1, h, d);
      scores.push(s / Math.sqrt(D));
    }
    const m = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - m));
    const z = e.reduce((a, v) => a + v, 0);
    for (let d = 0; d < D; d++) heads[(b * T + i) * C + h * D + d] = e.reduce((acc, w, j) => acc + (w / z) * at(b, j, 2, h, d), 0);
  }
  return refLinear(heads, p.wo, p.bo, C, C);
}

const close = (got: ArrayLike<number>, want: number[], tol = 1e-5) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i] - w), `element ${i}: ${got[i]} vs ${w}`).toBeLessThan(tol * (1 + Math.abs(w))));
};

describe("nn layers", () => {
  it("linear folds leading axes into one product", () => {
    const x = randArr(2 * 3 * 4), w = randArr(4 * 5), b = randArr(5);
    const y = evaluate((xt: Tensor, wt: Tensor, bt: Tensor) => nn.linear({ w: wt, b: bt }, xt), [host([2, 3, 4], x), host([4, 5], w), host([5], b)]) as HostTensor;
    expect(y.shape).toEqual([2, 3, 5]);
    close(y.data, refLinear(x, w, b, 4, 5));
  });

  it("linear names the mismatched shapes", () => {
    expect(() => evaluate((xt: Tensor, wt: Tensor) => nn.linear({ w: wt }, xt), [host([2, 3], randArr(6)), host([4, 5], randArr(20))])).toThrow(/linear: input \[2, 3\] does not match weight \[4, 5\]/);
  });

  it("layerNorm normalises the last axis, then scales and shifts", () => {
    const x = randArr(3 * 6, 3), g = randArr(6), bt = randArr(6);
    const y = evaluate((xt: Tensor, gt: Tensor, btt: Tensor) => nn.layerNorm({ gamma: gt, beta: btt }, xt), [host([3, 6], x), host([6], g), host([6], bt)]) as HostTensor;
    close(y.data, refLayerNorm(x, 6, g, bt), 1e-4);
  });

  it("embedding picks rows and rejects float ids", () => {
    const table = randArr(5 * 3);
    const y = evaluate((tb: Tensor, ids: Tensor) => nn.embedding(tb, ids), [host([5, 3], table), { shape: [2], dtype: "i32", data: Int32Array.from([4, 1]) }]) as HostTensor;
    close(y.data, [...table.slice(12, 15), ...table.slice(3, 6)]);
    expect(() => evaluate((tb: Tensor, ids: Tensor) => nn.embedding(tb, ids), [host([5, 3], table), host([2], [1, 2])])).toThrow(/embedding: ids must be i32/);
  });

  it("causal self-attention matches the definition, head by head", () => {
    const [B, T, C, H] = [2, 4, 6, 2];
    const p = { wqkv: randArr(C * 3 * C, 0.7), bqkv: randArr(3 * C, 0.1), wo: randArr(C * C, 0.7), bo: randArr(C, 0.1) };
    const x = randArr(B * T * C);
    const attn = (xt: Tensor, a: Tensor, b: Tensor, c: Tensor, d: Tensor) => nn.causalSelfAttention({ qkv: { w: a, b }, proj: { w: c, b: d } }, xt, { heads: H });
    const y = evaluate(attn, [host([B, T, C], x), host([C, 3 * C], p.wqkv), host([3 * C], p.bqkv), host([C, C], p.wo), host([C], p.bo)]) as HostTensor;
    close(y.data, refAttention(x, B, T, C, H, p), 1e-4);
  });

  it("attention rejects a width the heads do not divide", () => {
    const attn = (xt: Tensor, a: Tensor, c: Tensor) => nn.causalSelfAttention({ qkv: { w: a }, proj: { w: c } }, xt, { heads: 4 });
    expect(() => evaluate(attn, [host([1, 2, 6], randArr(12)), host([6, 18], randArr(108)), host([6, 6], randArr(36))])).toThrow(/dim 6 is not divisible by 4 heads/);
  });
});

describe("GPT", () => {
  const cfg: nn.GptConfig = { vocab: 5, context: 3, dim: 4, heads: 2, layers: 2, mlpRatio: 2 };
  it("loss gradient passes gradcheck at a tiny size (every parameter)", () => {
    // GPT-2's 0.02 init makes gradients tiny; larger random weights exercise every path
    const template = nn.gptInit(cfg, 3);
    const leaves = nn.flattenParams(template).map((l, i) => nn.normal(l.value.shape, { seed: 100 + i, std: 0.5 }));
    const params = nn.unflattenParams(template, leaves);
    const tokens: HostTensor = { shape: [2, 3], dtype: "i32", data: Int32Array.from([0, 3, 1, 4, 4, 2]) };
    const targets: HostTensor = { shape: [2, 3], dtype: "i32", data: Int32Array.from([3, 1, 2, 4, 2, 0]) };
    const loss = (...args: Tensor[]) => nn.gptLoss(nn.unflattenParams(params, args.slice(0, leaves.length)), args[leaves.length], args[leaves.length + 1], cfg);
    const r = gradcheck(loss, [...leaves, tokens, targets], { argnums: leaves.map((_, i) => i) });
    expect(r.ok, r.message).toBe(true);
    expect(r.checked).toBe(nn.countParams(template));
  });

  it("logits at a position do not depend on later tokens", () => {
    const params = nn.gptInit(cfg, 4);
    const leaves = nn.flattenParams(params).map((l) => l.value);
    const logits = (...args: Tensor[]) => nn.gptLogits(nn.unflattenParams(params, args.slice(0, leaves.length)), args[leaves.length], cfg);
    const run = (ids: number[]) => (evaluate(logits, [...leaves, { shape: [1, 3], dtype: "i32", data: Int32Array.from(ids) }]) as HostTensor).data;
    const a = run([1, 2, 3]), b = run([1, 2, 0]);
    expect(Array.from(a.slice(0, 10))).toEqual(Array.from(b.slice(0, 10)));
    expect(Array.from(a.slice(10))).not.toEqual(Array.from(b.slice(10)));
  });

  it("refuses a sequence longer than the context", () => {
    const params = nn.gptInit(cfg, 4);
    const leaves = nn.flattenParams(params).map((l) => l.value);
    const logits = (...args: Tensor[]) => nn.gptLogits(nn.unflattenParams(params, args.slice(0, leaves.length)), args[leaves.length], cfg);
    expect(() => evaluate(logits, [...leaves, { shape: [1, 4], dtype: "i32", data: new Int32Array(4) }])).toThrow(/tokens must be \[batch, time ≤ 3\], got \[1, 4\]/);
  });
});

describe("initialisers and parameter trees", () => {
  it("are reproducible from the seed and differ across seeds", () => {
    expect(Array.from(nn.normal([8], { seed: 1 }).data)).toEqual(Array.from(nn.normal([8], { seed: 1 }).data));
    expect(Array.from(nn.normal([8], { seed: 1 }).data)).not.toEqual(Array.from(nn.normal([8], { seed: 2 }).data));
    const s = nn.seeds(42);
    expect(s("a")).toBe(nn.seeds(42)("a"));
    expect(new Set(["a", "b", "wte", "wpe"].map(s)).size).toBe(4);
  });

  it("normal has the requested moments; uniform and xavier stay in their bounds", () => {
    const x = Array.from(nn.normal([20000], { seed: 9, mean: 1, std: 2 }).data);
    const mean = x.reduce((a, v) => a + v, 0) / x.length;
    const sd = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length);
    expect(Math.abs(mean - 1)).toBeLessThan(0.05);
    expect(Math.abs(sd - 2)).toBeLessThan(0.05);
    const u = Array.from(nn.uniform([5000], { seed: 3, low: -2, high: 3 }).data);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    const bound = Math.sqrt(6 / (30 + 20));
    const xav = Array.from(nn.xavierUniform([30, 20], { seed: 4 }).data);
    expect(Math.max(...xav.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...xav.map(Math.abs))).toBeGreaterThan(0.9 * bound);
  });

  it("flatten lists leaves with paths in a fixed order; unflatten rebuilds the structure", () => {
    const tree = { b: nn.zeros([2]), layers: [{ w: nn.ones([2, 2]) }, { w: nn.ones([1]), skip: undefined }], a: nn.ones([3]) };
    const flat = nn.flattenParams(tree);
    expect(flat.map((l) => l.path)).toEqual(["b", "layers.0.w", "layers.1.w", "a"]);
    const rebuilt = nn.unflattenParams(tree, [1, 2, 3, 4]);
    expect(rebuilt).toEqual({ b: 1, layers: [{ w: 2 }, { w: 3, skip: undefined }], a: 4 });
    expect(() => nn.unflattenParams(tree, [1, 2])).toThrow(/more leaves than the 2 given/);
    expect(nn.countParams(tree)).toBe(2 + 4 + 1 + 3);
  });
});
