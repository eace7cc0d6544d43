// Optimisers compiled into the training step, against hand-written float64 references of the
// published update rules (PyTorch's SGD, Adam, AdamW; clip_grad_norm_), over several steps.
import { describe, expect, it } from "vitest";
import { compileTrainer, evaluate, optim, seededRandom, spec, t, trainStep, type HostTensor, type Tensor } from "adjoint";

// loss(w, b; x, a) = ½ Σ a⊙(w − x)² + ½ Σ (b − 1)²  ⇒  ∂w = a⊙(w − x), ∂b = b − 1
const A = [0.5, 1, 2, 3, 0.25, 1.5];
function quadratic(p: { w: Tensor; b: Tensor }, x: Tensor): Tensor {
  const dw = t.sub(p.w, x);
  return t.add(t.mul(0.5, t.sum(t.mul(t.constant(A, [2, 3]), t.mul(dw, dw)))), t.mul(0.5, t.sum(t.square(t.sub(p.b, 1)))));
}
const refLoss = (w: number[], b: number[], x: number[]) =>
  0.5 * w.reduce((s, wi, i) => s + A[i] * (wi - x[i]) ** 2, 0) + 0.5 * b.reduce((s, bi) => s + (bi - 1) ** 2, 0);
const refGrads = (w: number[], b: number[], x: number[]) => [w.map((wi, i) => A[i] * (wi - x[i])), b.map((bi) => bi - 1)];

const rand = seededRandom(11);
const W0 = Array.from({ length: 6 }, () => rand());
const B0 = [0.3, -0.2, 0.8];
const batches = Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => rand()));

/** A reference optimiser: updates params (w, b) in place from grads at 1-based step k. */
type RefStep = (params: number[][], grads: number[][], k: number) => void;

function refSgd(lr: number, momentum: number, nesterov: boolean, wd: number): RefStep {
  const bufs: number[][] = [];
  return (params, grads) =>
    params.forEach((p, j) => {
      bufs[j] ??= p.map(() => 0);
      p.forEach((pi, i) => {
        const g = grads[j][i] + wd * pi;
        bufs[j][i] = momentum * bufs[j][i] + g;
        const dir = momentum === 0 ? g : nesterov ? g + momentum * bufs[j][i] : bufs[j][i];
        p[i] = pi - lr * dir;
      });
    });
}

function refAdam(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean, lrAt?: (k: number) => number): RefStep {
  const m: number[][] = [], v: number[][] = [];
  return (params, grads, k) => {
    const rate = lrAt ? lrAt(k) : lr;
    params.forEach((p, j) => {
      m[j] ??= p.map(() => 0);
      v[j] ??= p.map(() => 0);
      p.forEach((pi, i) => {
        const g = grads[j][i] + (decoupled ? 0 : wd * pi);
        const start = decoupled ? pi * (1 - rate * wd) : pi;
        m[j][i] = b1 * m[j][i] + (1 - b1) * g;
        v[j][i] = b2 * v[j][i] + (1 - b2) * g * g;
        const mHat = m[j][i] / (1 - b1 ** k), vHat = v[j][i] / (1 - b2 ** k);
        p[i] = start - (rate * mHat) / (Math.sqrt(vHat) + eps);
      });
    });
  };
}

/** Clips reference gradients in place like clip_grad_norm_; returns the norm before clipping. */
function refClip(grads: number[][], maxNorm: number): number {
  const norm = Math.sqrt(grads.flat().reduce((s, g) => s + g * g, 0));
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  grads.forEach((g) => g.forEach((_, i) => (g[i] *= scale)));
  return norm;
}

async function compare(optimiser: optim.Optimiser, ref: RefStep, clipNorm?: number): Promise<void> {
  const params = { w: { shape: [2, 3], dtype: "f32" as const, data: Float32Array.from(W0) }, b: { shape: [3], dtype: "f32" as const, data: Float32Array.from(B0) } };
  const trainer = await compileTrainer(quadratic, params, [spec([2, 3])], { optimiser, ...(clipNorm ? { clipNorm } : {}) });
  const mine = [[...W0], [...B0]];
  for (let k = 1; k <= batches.length; k++) {
    const x = batches[k - 1];
    const expectedLoss = refLoss(mine[0], mine[1], x);
    const grads = refGrads(mine[0], mine[1], x);
    const norm = clipNorm ? refClip(grads, clipNorm) : Math.sqrt(grads.flat().reduce((s, g) => s + g * g, 0));
    ref(mine, grads, k);
    const { loss, gradNorm } = await trainer.step(x);
    expect(loss).toBeCloseTo(expectedLoss, 5);
    expect(gradNorm).toBeCloseTo(norm, 5);
    const got = trainer.params();
    got.w.data.forEach((v, i) => expect(v, `step ${k} w[${i}]`).toBeCloseTo(mine[0][i], 5));
    got.b.data.forEach((v, i) => expect(v, `step ${k} b[${i}]`).toBeCloseTo(mine[1][i], 5));
  }
  expect(trainer.steps).toBe(batches.length);
  expect(Array.from(trainer.exe.carried(trainer.paths.length * (1 + optimiser.slots.length))!.data)).toEqual([batches.length]);
  trainer.dispose();
}

describe("optimisers match reference implementations over several steps", () => {
  it("sgd", () => compare(optim.sgd({ lr: 0.1 }), refSgd(0.1, 0, false, 0)));
  it("sgd with momentum", () => compare(optim.sgd({ lr: 0.05, momentum: 0.9 }), refSgd(0.05, 0.9, false, 0)));
  it("sgd with nesterov momentum and weight decay", () => compare(optim.sgd({ lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.1 }), refSgd(0.05, 0.8, true, 0.1)));
  it("adam with bias correction", () => compare(optim.adam({ lr: 0.1 }), refAdam(0.1, 0.9, 0.999, 1e-8, 0, false)));
  it("adam with L2 weight decay and other betas", () => compare(optim.adam({ lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.2 }), refAdam(0.05, 0.8, 0.95, 1e-6, 0.2, false)));
  it("adamw decouples weight decay", () => compare(optim.adamw({ lr: 0.1, weightDecay: 0.3 }), refAdam(0.1, 0.9, 0.999, 1e-8, 0.3, true)));
  it("adamw with a learning-rate schedule of the step count", () => {
    const sched = optim.warmupCosine({ peak: 0.2, warmup: 2, total: 5, floor: 0.02 });
    const lrAt = (k: number) => (k <= 2 ? (0.2 * k) / 2 : 0.02 + 0.09 * (1 + Math.cos(Math.PI * Math.min((k - 2) / 3, 1))));
    return compare(optim.adamw({ lr: sched, weightDecay: 0.1 }), refAdam(0, 0.9, 0.999, 1e-8, 0.1, true, lrAt));
  });
  it("sgd with momentum and gradients clipped by global norm", () => compare(optim.sgd({ lr: 0.1, momentum: 0.9 }), refSgd(0.1, 0.9, false, 0), 0.5));
  it("adam with gradients clipped by global norm", () => compare(optim.adam({ lr: 0.05 }), refAdam(0.05, 0.9, 0.999, 1e-8, 0, false), 0.3));
});

describe("gradient clipping", () => {
  it("scales to maxNorm when above it and leaves gradients alone below it", () => {
    const g1 = [3, 4], g2 = [12];
    const clip = (maxNorm: number) => (a: Tensor, b: Tensor) => {
      const r = optim.clipByGlobalNorm([a, b], maxNorm);
      return [...r.grads, r.norm];
    };
    const [a, b, norm] = evaluate(clip(6.5), [g1, g2]) as HostTensor[];
    expect(norm.data[0]).toBeCloseTo(13, 5);
    const s = 6.5 / (13 + 1e-6);
    expect(a.data[0]).toBeCloseTo(3 * s, 5);
    expect(a.data[1]).toBeCloseTo(4 * s, 5);
    expect(b.data[0]).toBeCloseTo(12 * s, 5);
    const [a2, b2] = evaluate(clip(20), [g1, g2]) as HostTensor[];
    expect(Array.from(a2.data)).toEqual(g1);
    expect(Array.from(b2.data)).toEqual(g2);
  });

  it("rejects a non-positive maxNorm", () => {
    expect(() => evaluate((a: Tensor) => optim.clipByGlobalNorm([a], 0).norm, [[1]])).toThrow(/maxNorm must be > 0, got 0/);
  });
});

describe("optimiser and trainer errors", () => {
  it("names bad hyper-parameters", () => {
    expect(() => optim.adam({ lr: 0.1, beta2: 1 })).toThrow(/adam: beta2 must be in \[0, 1\), got 1/);
    expect(() => optim.sgd({ lr: -1 })).toThrow(/sgd: lr must be > 0/);
    expect(() => optim.sgd({ lr: 0.1, nesterov: true })).toThrow(/nesterov needs momentum/);
  });

  it("names a parameter that is not f32, or not a tensor", () => {
    const loss = (p: { w: Tensor }) => t.sum(p.w);
    const ints: HostTensor = { shape: [2], dtype: "i32", data: new Int32Array(2) };
    expect(() => trainStep(loss, { w: ints }, [], { optimiser: optim.sgd({ lr: 0.1 }) })).toThrow(/parameter 'w' is i32; parameters must be f32/);
    const notATensor = { w: 3 } as unknown as { w: HostTensor };
    expect(() => trainStep(loss, notATensor, [], { optimiser: optim.sgd({ lr: 0.1 }) })).toThrow(/parameters: 'w' is 3, not a tensor/);
  });

  it("checks the batch arity of a step", async () => {
    const params = { w: { shape: [2, 3], dtype: "f32" as const, data: new Float32Array(6) }, b: { shape: [3], dtype: "f32" as const, data: new Float32Array(3) } };
    const trainer = await compileTrainer(quadratic, params, [spec([2, 3])], { optimiser: optim.sgd({ lr: 0.1 }) });
    await expect(trainer.step()).rejects.toThrow(/expected 1 batch arguments, got 0/);
    trainer.dispose();
  });
});
