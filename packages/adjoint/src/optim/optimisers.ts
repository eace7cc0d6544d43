import { AdjointError, t, type Shape, type Tensor } from "@adjoint/ir";

/** A learning rate: a constant, or a function of the 1-based step count (an f32 scalar tensor). */
export type LearningRate = number | ((step: Tensor) => Tensor);

/** Which parameters get weight decay, by path (e.g. "blocks.0.mlp.fc.w") and shape. Default: all. */
export type DecayFilter = (path: string, shape: Shape) => boolean;

/**
 * An optimiser as a graph transform: `update` is traced into the training step, so the update
 * runs on the backend in the same executable as forward and backward.
 */
export interface Optimiser {
  readonly name: string;
  /** Per-parameter state, each starting as zeros of the parameter's shape (e.g. ["m", "v"]). */
  readonly slots: readonly string[];
  /** The new parameter and state for update number `step` (1-based, an f32 scalar tensor). */
  update(param: Tensor, grad: Tensor, state: readonly Tensor[], step: Tensor, path: string): { param: Tensor; state: Tensor[] };
}

const rate = (lr: LearningRate, step: Tensor): Tensor | number => (typeof lr === "number" ? lr : lr(step));

function positive(what: string, value: number, allowZero = false): void {
  if (!(allowZero ? value >= 0 : value > 0) || !Number.isFinite(value)) throw new AdjointError(`${what} must be ${allowZero ? "≥ 0" : "> 0"} and finite, got ${value}`);
}

function unit(what: string, value: number): void {
  if (!(value >= 0 && value < 1)) throw new AdjointError(`${what} must be in [0, 1), got ${value}`);
}

/** Options of `sgd` (PyTorch's `torch.optim.SGD` without dampening). */
export interface SgdOptions {
  readonly lr: LearningRate;
  /** Heavy-ball momentum: buf ← μ·buf + g; the step uses buf. Default 0 (no state). */
  readonly momentum?: number;
  /** Nesterov momentum: the step uses g + μ·buf. */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient: g ← g + λ·p. */
  readonly weightDecay?: number;
  readonly decay?: DecayFilter;
}

/** Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay. */
export function sgd(opts: SgdOptions): Optimiser {
  const momentum = opts.momentum ?? 0, wd = opts.weightDecay ?? 0;
  if (typeof opts.lr === "number") positive("sgd: lr", opts.lr);
  unit("sgd: momentum", momentum);
  positive("sgd: weightDecay", wd, true);
  if (opts.nesterov && momentum === 0) throw new AdjointError("sgd: nesterov needs momentum > 0");
  return {
    name: `sgd(momentum=${momentum}${opts.nesterov ? ", nesterov" : ""}${wd ? `, weightDecay=${wd}` : ""})`,
    slots: momentum ? ["momentum"] : [],
    update(p, g, state, step, path) {
      const grad = wd && (opts.decay?.(path, p.shape) ?? true) ? t.add(g, t.mul(wd, p)) : g;
      const lr = rate(opts.lr, step);
      if (!momentum) return { param: t.sub(p, t.mul(lr, grad)), state: [] };
      const buf = t.add(t.mul(momentum, state[0]), grad);
      const dir = opts.nesterov ? t.add(grad, t.mul(momentum, buf)) : buf;
      return { param: t.sub(p, t.mul(lr, dir)), state: [buf] };
    },
  };
}

/** Options of `adam` and `adamw`. */
export interface AdamOptions {
  readonly lr: LearningRate;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay p ← p·(1 − lr·λ). */
  readonly weightDecay?: number;
  readonly decay?: DecayFilter;
}

function adamFamily(kind: "adam" | "adamw", opts: AdamOptions): Optimiser {
  const b1 = opts.beta1 ?? 0.9, b2 = opts.beta2 ?? 0.999, eps = opts.eps ?? 1e-8;
  const wd = opts.weightDecay ?? (kind === "adamw" ? 0.01 : 0);
  if (typeof opts.lr === "number") positive(`${kind}: lr`, opts.lr);
  unit(`${kind}: beta1`, b1);
  unit(`${kind}: beta2`, b2);
  positive(`${kind}: eps`, eps);
  positive(`${kind}: weightDecay`, wd, true);
  return {
    name: `${kind}(beta1=${b1}, beta2=${b2}, eps=${eps}, weightDecay=${wd})`,
    slots: ["m", "v"],
    update(p, g, [m0, v0], step, path) {
      const lr = rate(opts.lr, step);
      const decays = wd > 0 && (opts.decay?.(path, p.shape) ?? true);
      const grad = decays && kind === "adam" ? t.add(g, t.mul(wd, p)) : g;
      const start = decays && kind === "adamw" ? t.mul(p, t.sub(1, t.mul(lr, wd))) : p;
      const m = t.add(t.mul(b1, m0), t.mul(1 - b1, grad));
      const v = t.add(t.mul(b2, v0), t.mul(1 - b2, t.square(grad)));
      // bias correction 1 − βᵗ, written exp(t·ln β) so any backend with exp computes it
      const c1 = t.sub(1, t.exp(t.mul(step, Math.log(b1 || Number.MIN_VALUE))));
      const c2 = t.sub(1, t.exp(t.mul(step, Math.log(b2 || Number.MIN_VALUE))));
      const mHat = t.div(m, c1), vHat = t.div(v, c2);
      return { param: t.sub(start, t.mul(lr, t.div(mHat, t.add(t.sqrt(vHat), eps)))), state: [m, v] };
    },
  };
}

/** Adam (Kingma & Ba) with bias correction; `weightDecay` is an L2 term in the gradient (PyTorch's Adam). */
export function adam(opts: AdamOptions): Optimiser {
  return adamFamily("adam", opts);
}

/** AdamW (Loshchilov & Hutter): Adam with decoupled weight decay (default λ = 0.01, as in PyTorch). */
export function adamw(opts: AdamOptions): Optimiser {
  return adamFamily("adamw", opts);
}

/**
 * Linear warm-up to `peak` over `warmup` steps, then cosine decay to `floor` at step `total`
 * (held there after). A `LearningRate` function, traced into the step.
 */
export function warmupCosine(opts: { peak: number; warmup: number; total: number; floor?: number }): (step: Tensor) => Tensor {
  const { peak, warmup, total } = opts;
  const floor = opts.floor ?? 0;
  if (!(warmup >= 0 && total > warmup)) throw new AdjointError(`warmupCosine: need 0 ≤ warmup < total, got warmup ${warmup}, total ${total}`);
  return (step) => {
    const ramp = t.mul(peak, t.div(step, Math.max(warmup, 1)));
    const progress = t.minimum(t.div(t.sub(step, warmup), total - warmup), 1);
    const cosine = t.add(floor, t.mul((peak - floor) / 2, t.add(1, t.cos(t.mul(Math.PI, progress)))));
    return t.where(t.le(step, warmup), ramp, cosine);
  };
}
