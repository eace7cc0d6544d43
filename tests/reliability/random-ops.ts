/**
 * One random, well-typed step of a fuzz program: every primitive op of the registry (but
 * custom_vjp, which `customStep` covers), the composites, broadcasting, movement ops,
 * matmuls, reductions, indexing and in-place methods. Steps draw every choice from `rand`,
 * so a body that restarts `rand` from the same seed traces to the same graph each time
 * (compile, interpret and the AD transforms all trace it again).
 */
import { broadcastShapes, numel, t, type Tensor } from "@adjoint/ir";
import { customVjp } from "adjoint";

/** Deterministic numbers in [-1, 1). */
export type Rand = () => number;

/** An integer in [0, n). */
export const int = (rand: Rand, n: number): number => Math.min(n - 1, Math.floor(((rand() + 1) / 2) * n));
/** One element of `xs`. */
export const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[int(rand, xs.length)];

/** What a step may use. */
export interface StepOptions {
  /** Only ops that are smooth almost everywhere away from ties (finite differences apply). */
  readonly smooth: boolean;
  /** In-place methods (`addInPlace`, `assign`, `clone`, ...). */
  readonly inplace: boolean;
  /** An i32 input holding class labels / indices in [0, 4), when the program has one. */
  readonly labels?: Tensor;
}

type Unary = (x: Tensor) => Tensor;
type Binary = (a: Tensor, b: Tensor) => Tensor;

// 1 + x² keeps log, sqrt, rsqrt, reciprocal, pow and division away from their singularities.
const onePlusSq = (x: Tensor) => t.add(t.mul(x, x), 1);

const SMOOTH_UNARY: Unary[] = [
  t.exp, t.tanh, t.sin, t.cos, t.sigmoid, t.neg, t.square, t.gelu,
  (x) => t.sqrt(onePlusSq(x)), (x) => t.rsqrt(onePlusSq(x)), (x) => t.log(onePlusSq(x)),
  (x) => t.reciprocal(onePlusSq(x)), (x) => t.pow(onePlusSq(x), 0.75)
];
const ROUGH_UNARY: Unary[] = [
  t.abs, t.relu, t.sign, (x) => t.cast(t.cast(t.mul(x, 3), "i32"), "f32"), (x) => t.cast(t.gt(x, 0), "f32"),
  (x) => t.min(x, x.ndim ? [x.ndim - 1] : undefined, { keepdims: true }), (x) => t.mul(x, t.stopGradient(t.tanh(x))),
];
const SMOOTH_BINARY: Binary[] = [t.add, t.sub, t.mul, (a, b) => t.div(a, onePlusSq(b)), (a, b) => t.pow(onePlusSq(a), t.tanh(b))];
const CMP = [t.eq, t.ne, t.lt, t.le, t.gt, t.ge];
const roughBinary = (rand: Rand): Binary[] => [t.maximum, t.minimum, (a, b) => t.where(pick(rand, CMP)(a, b), a, t.mul(b, 0.5))];

// A custom rule that is also right, so its gradient must agree with finite differences:
// d tanh x = (1 - tanh² x) dx.
const customTanh = customVjp(
  (x: Tensor) => t.tanh(x),
  (x: Tensor) => {
    const y = t.tanh(x);
    return [y, [y]];
  },
  ([y], ct) => [t.mul(ct, t.sub(1, t.mul(y, y)))],
);

/** `y` made to broadcast with `x`: itself when it does, else its mean (a scalar). */
const fit = (x: Tensor, y: Tensor) => (broadcastShapes(x.shape, y.shape) ? y : t.mean(y));
/** `y` made to broadcast to exactly x's shape (what an in-place write needs). */
const fitInto = (x: Tensor, y: Tensor) => (broadcastShapes(x.shape, y.shape)?.join(",") === x.shape.join(",") ? y : t.mean(y));

function movement(rand: Rand, x: Tensor): Tensor {
  const r = x.ndim;
  switch (int(rand, 6)) {
    case 0:
      return r < 2 ? t.reshape(x, [1, ...x.shape]) : t.transpose(x, [...Array(r).keys()].reverse());
    case 1:
      return rand() > 0.5 ? t.reshape(x, [numel(x.shape)]) : t.reshape(x, [...x.shape].reverse());
    case 2: {
      if (r === 0) return t.broadcastTo(x, [3]);
      const starts = x.shape.map((d) => int(rand, d));
      return t.slice(x, starts, x.shape.map((d, i) => starts[i] + 1 + int(rand, d - starts[i])));
    }
    case 3:
      return r === 0 ? t.pad(t.reshape(x, [1]), [1], [2], 0.5) : t.pad(x, x.shape.map(() => int(rand, 2)), x.shape.map(() => int(rand, 3)), rand());
    case 4:
      return r === 0 ? t.concat([t.reshape(x, [1]), t.reshape(t.neg(x), [1])]) : t.concat([x, t.mul(x, 0.5)], int(rand, r));
    default:
      return t.broadcastTo(x, [2, ...x.shape]);
  }
}

function reduction(rand: Rand, x: Tensor, smooth: boolean): Tensor {
  if (x.ndim === 0) return t.mul(x, 1.5);
  const axes = [...Array(x.ndim).keys()].filter(() => rand() > 0.4);
  const opts = { keepdims: rand() > 0.5 };
  const ops = smooth ? [t.sum, t.mean] : [t.sum, t.mean, t.max];
  return pick(rand, ops)(x, axes.length ? axes : [x.ndim - 1], opts);
}

function contraction(rand: Rand, x: Tensor, y: Tensor): Tensor {
  if (x.ndim === 0) return t.mul(x, y.ndim === 0 ? y : t.sum(y));
  if (x.ndim === 1) return t.matmul(x, t.reshape(t.concat([x, x], 0), [x.shape[0], 2]));
  // [..., m, k] @ [..., k, m]: the transpose always fits; a batched product when rank > 2
  const perm = [...Array(x.ndim).keys()];
  [perm[x.ndim - 1], perm[x.ndim - 2]] = [perm[x.ndim - 2], perm[x.ndim - 1]];
  const xt = t.transpose(x, perm);
  return rand() > 0.5 ? t.matmul(x, xt) : t.matmul(xt, t.tanh(x));
}

function indexing(rand: Rand, x: Tensor, labels: Tensor | undefined): Tensor {
  if (x.ndim === 0 || x.shape[0] === 0) return t.sin(x);
  const n = x.shape[0];
  const idx = labels && n >= 4 ? labels : t.constant([int(rand, n), 0, n - 1], [3], "i32");
  const taken = t.take(x, idx, 0);
  return rand() > 0.5 ? taken : t.scatterAdd(taken, idx, 0, n);
}

function composite(rand: Rand, x: Tensor, labels: Tensor | undefined): Tensor {
  if (x.ndim === 0) return t.sigmoid(x);
  switch (int(rand, 5)) {
    case 0:
      return t.softmax(x, int(rand, x.ndim));
    case 1:
      return t.logSoftmax(x);
    case 2:
      return t.layerNorm(x, t.full([x.shape[x.ndim - 1]], 1.5), undefined, { axis: -1 });
    case 3:
      return t.logSumExp(x, -1);
    default: {
      if (!labels || x.ndim !== 2 || x.shape[0] !== labels.shape[0] || x.shape[1] < 4) return t.add(t.iota(x.shape, int(rand, x.ndim), "f32"), x);
      return t.crossEntropy(x, labels);
    }
  }
}

/** Up to three in-place writes on a copy or on `x` itself; returns the written tensor. */
function inPlace(rand: Rand, x: Tensor, y: Tensor): Tensor {
  const target = rand() > 0.5 ? x.clone() : t.mul(x, 1.25);
  const steps = [
    () => target.addInPlace(fitInto(target, y)), () => target.subInPlace(0.5), () => target.mulInPlace(fitInto(target, y)),
    () => target.divInPlace(2), () => target.assign(t.cos(target)), () => x.addInPlace(1),
  ];
  for (let i = 0, n = 1 + int(rand, 3); i < n; i++) pick(rand, steps)();
  return target;
}

/** One random step over the pool; its result is an f32 tensor. */
export function randomStep(rand: Rand, pool: readonly Tensor[], opts: StepOptions): Tensor {
  const x = pick(rand, pool);
  const y = pick(rand, pool);
  switch (int(rand, opts.inplace ? 12 : 11)) {
    case 0: case 1:
      return pick(rand, SMOOTH_UNARY)(x);
    case 2:
      return opts.smooth ? customTanh(x) : pick(rand, ROUGH_UNARY)(x);
    case 3: case 4:
      return pick(rand, SMOOTH_BINARY)(x, fit(x, y));
    case 5:
      if (opts.smooth) return t.add(x, t.mul(fit(x, y), t.full([], rand())));
      return pick(rand, roughBinary(rand))(x, fit(x, y));
    case 6:
      return reduction(rand, x, opts.smooth);
    case 7:
      return movement(rand, x);
    case 8:
      return contraction(rand, x, y);
    case 9:
      return rand() > 0.5 || x.ndim === 0 ? indexing(rand, x, opts.labels) : t.add(x, t.iota(x.shape, int(rand, x.ndim), "f32"));
    case 10:
      return composite(rand, x, opts.labels);
    default:
      return inPlace(rand, x, y);
  }
}
