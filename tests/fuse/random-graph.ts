/**
 * Seeded random graphs for the fusion fuzzer: chains of elementwise ops with broadcasting,
 * reductions over random axes, movement ops, matmuls, indexing and literals, optionally
 * differentiated (valueAndGrad), with random `materialize` sets and buffer limits.
 */
import { broadcastShapes, numel, spec, t, trace, type Graph, type HostTensor, type Tensor, type ValueId } from "@adjoint/ir";
import { valueAndGrad } from "adjoint";
import { seeded } from "../conformance/patterns";
import { randomInputs } from "./helpers";

/** One fuzz case: a graph, inputs and fusion options. */
export interface RandomCase {
  readonly seed: number;
  readonly graph: Graph;
  readonly inputs: HostTensor[];
  readonly materialize: Set<ValueId>;
  readonly maxBuffers: number;
}

type Rand = () => number;
const int = (rand: Rand, n: number) => Math.min(n - 1, Math.floor(((rand() + 1) / 2) * n));
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[int(rand, xs.length)];

function randomShape(rand: Rand): number[] {
  return Array.from({ length: int(rand, 4) }, () => (rand() > 0.97 ? 0 : 1 + int(rand, 4)));
}

const unary: ((x: Tensor) => Tensor)[] = [
  t.exp, t.tanh, t.neg, t.abs, t.sin, t.cos, t.sigmoid, t.relu,
  (x) => t.sqrt(t.abs(x)), (x) => t.log(t.add(t.abs(x), 1)), (x) => t.mul(x, x), t.gelu,
];
const binary: ((a: Tensor, b: Tensor) => Tensor)[] = [t.add, t.sub, t.mul, t.maximum, t.minimum, (a, b) => t.div(a, t.add(t.abs(b), 1))];

/** One random op over the pool (f32 tensors), returning its f32 result. */
function randomOp(rand: Rand, pool: Tensor[]): Tensor {
  const x = pick(rand, pool);
  const r = x.ndim;
  switch (int(rand, 14)) {
    case 0: case 1: case 2:
      return pick(rand, unary)(x);
    case 3: case 4: {
      const y = pick(rand, pool);
      return broadcastShapes(x.shape, y.shape) ? pick(rand, binary)(x, y) : pick(rand, binary)(x, t.full(x.shape, rand() * 3));
    }
    case 5: {
      if (r === 0) return t.mul(x, 2);
      const axes = [...Array(r).keys()].filter(() => rand() > 0.3);
      const keepdims = rand() > 0.5;
      return pick(rand, [t.sum, t.max, t.mean])(x, axes.length ? axes : [r - 1], { keepdims });
    }
    case 6:
      return r < 2 ? t.exp(x) : t.transpose(x, [...Array(r).keys()].sort(() => rand()));
    case 7:
      return rand() > 0.5 ? t.reshape(x, [...x.shape].reverse()) : t.reshape(x, [numel(x.shape)]);
    case 8: {
      const starts = x.shape.map((d) => int(rand, d + 1));
      return t.slice(x, starts, x.shape.map((d, i) => starts[i] + int(rand, d - starts[i] + 1)));
    }
    case 9:
      return t.broadcastTo(x, [2, ...x.shape.map((d) => (d === 1 ? 3 : d))]);
    case 10:
      if (r !== 2) return t.tanh(x);
      return rand() > 0.5 ? t.matmul(x, t.transpose(x)) : t.add(t.matmul(t.transpose(x), x), 1);
    case 11:
      if (r === 0) return t.sigmoid(x);
      return pick(rand, [
        () => t.concat([x, t.neg(x)], int(rand, r)),
        () => t.pad(x, x.shape.map(() => int(rand, 2)), x.shape.map(() => int(rand, 2)), 0.5),
        () => (x.shape[0] ? t.take(x, [int(rand, x.shape[0]), 0], 0) : x),
      ])();
    case 12:
      return t.where(t.gt(x, rand()), x, t.mul(x, -0.5));
    default:
      return pick(rand, [
        () => (r ? t.add(x, t.iota(x.shape, int(rand, r), "f32")) : t.add(x, 1)),
        () => t.cast(t.cast(t.mul(x, 3), "i32"), "f32"),
        () => t.mul(x, t.full(x.shape, 1.5)),
      ])();
  }
}

/** The random case for `seed`. */
export function randomCase(seed: number): RandomCase {
  const rand = seeded(seed * 7919 + 1);
  const shapes = Array.from({ length: 1 + int(rand, 3) }, () => randomShape(rand));
  const steps = 3 + int(rand, 12);
  const fn = (...xs: Tensor[]): Tensor[] => {
    const pool = [...xs];
    for (let i = 0; i < steps; i++) pool.push(randomOp(rand, pool));
    const outs = [pool[pool.length - 1], ...pool.slice(xs.length).filter(() => rand() > 0.85)];
    return outs;
  };
  const differentiate = rand() > 0.6;
  const traced = differentiate
    ? trace(valueAndGrad((...xs: Tensor[]) => fn(...xs).reduce((acc: Tensor, y) => t.add(acc, t.sum(t.mul(y, t.tanh(y)))), t.full([], 0)), { argnums: shapes.map((_, i) => i) }), shapes.map((s) => spec(s)))
    : trace(fn, shapes.map((s) => spec(s)));
  const materialize = new Set(traced.nodes.filter(() => rand() > 0.93).map((n) => n.id));
  const maxBuffers = pick(rand, [Infinity, Infinity, 3, 4, 6, 8]);
  return { seed, graph: traced, inputs: randomInputs(traced, seed), materialize, maxBuffers };
}
