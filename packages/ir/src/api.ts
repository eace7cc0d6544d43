import { currentBuilder, type Emitter } from "./builder";
import { ShapeError, TraceError, formatLoc, formatShape, formatType } from "./errors";
import { broadcastShapes, normalizeAxes, normalizeAxis, numel, sameShape } from "./shape";
import { Tensor } from "./tensor";
import { composites } from "./composites";
import { InferError } from "./errors";
import type { AttrValue, DType, Shape } from "./types";

/** A tensor or a plain number (a constant of the other operand's dtype). */
export type TensorLike = Tensor | number;
export interface ReduceOptions {
  readonly keepdims?: boolean;
}

const isTensor = (x: unknown): x is Tensor => x instanceof Tensor;

function emitterFor(op: string, args: readonly Tensor[]): Emitter {
  // A linear (tangent) operand routes the op onto the reverse-mode tape.
  const linear = args.find((a) => a.emitter.isLinear);
  if (linear) return linear.emitter;
  if (args.length) return innermost(args);
  const b = currentBuilder();
  if (!b) throw new TraceError(`${op}: no active trace; call tensor ops inside a function given to trace(), grad() or compile()`, op);
  return b;
}

/**
 * The trace an op on `args` belongs to: the innermost one among its operands, so a closure
 * mixing an enclosing trace's values with its own records into its own (capturing the outer ones).
 */
function innermost(args: readonly Tensor[]): Emitter {
  let best = args[0].emitter;
  let bestDepth = -1;
  for (const a of args) {
    let depth = 0;
    for (let b = a.emitter.main.parent; b; b = b.parent) depth++;
    if (depth > bestDepth) (best = a.emitter), (bestDepth = depth);
  }
  return best;
}

/** Records one primitive op application. */
export function emit(op: string, args: readonly Tensor[], attrs: Readonly<Record<string, AttrValue>> = {}): Tensor {
  return emitterFor(op, args).emit(op, args, attrs);
}

/** A clear error for bad arguments caught by the API before a node exists. */
function fail(op: string, message: string, like?: Tensor): never {
  const b = like?.emitter.main ?? currentBuilder();
  const loc = b?.currentLoc();
  throw new ShapeError(`${op}: ${message} (at ${formatLoc(loc)})`, op, loc);
}

const DTYPE_RANK: Record<DType, number> = { bool: 0, i32: 1, f32: 2 };

/** Promotes operands to a common dtype and broadcast shape (NumPy rules); numbers become constants. */
function coerce(op: string, xs: readonly TensorLike[]): Tensor[] {
  const tensors = xs.filter(isTensor);
  const b = tensors[0]?.emitter.main ?? currentBuilder();
  if (!b) throw new TraceError(`${op}: no active trace; call tensor ops inside a function given to trace(), grad() or compile()`, op);
  let dtype: DType = tensors.length ? tensors[0].dtype : "f32";
  for (const x of tensors) if (DTYPE_RANK[x.dtype] > DTYPE_RANK[dtype]) dtype = x.dtype;
  if (xs.some((x) => typeof x === "number" && !Number.isInteger(x))) dtype = "f32";
  else if (dtype === "bool" && xs.some((x) => typeof x === "number")) dtype = "i32";
  let shape: Shape = [];
  for (const x of tensors) {
    const s = broadcastShapes(shape, x.shape);
    if (!s) fail(op, `cannot broadcast ${tensors.map((y) => formatType(y.type)).join(" with ")}`, x);
    shape = s;
  }
  return xs.map((x) =>
    isTensor(x) ? broadcastTo(cast(x, dtype), shape) : b.emit("full", [], { value: x, shape: [...shape], dtype }),
  );
}

const binary = (op: string) => (a: TensorLike, b: TensorLike): Tensor => emit(op, coerce(op, [a, b]));
/** Float-only unary ops promote integer inputs to f32, as NumPy does. */
const unaryFloat = (op: string) => (x: Tensor): Tensor => emit(op, [x.dtype === "f32" ? x : cast(x, "f32")]);
const unary = (op: string) => (x: Tensor): Tensor => emit(op, [x]);

/** Resolves reduction axes for `op` (a primitive or composite name), or throws a ShapeError naming it. */
export function asAxes(x: Tensor, axes: number | readonly number[] | undefined, op: string): number[] {
  const list = axes === undefined ? [...x.shape.keys()] : typeof axes === "number" ? [axes] : [...axes];
  try {
    return normalizeAxes(list, x.ndim);
  } catch (e) {
    if (e instanceof InferError) fail(op, `${e.message} of ${formatType(x.type)}`, x);
    throw e;
  }
}

/** Resolves one axis for `op` (a primitive or composite name), or throws a ShapeError naming it. */
export function axisOf(x: Tensor, axis: number, op: string): number {
  try {
    return normalizeAxis(axis, x.ndim);
  } catch (e) {
    if (e instanceof InferError) fail(op, `${e.message} of ${formatType(x.type)}`, x);
    throw e;
  }
}

function reduce(op: string, x: Tensor, axes: number | readonly number[] | undefined, opts?: ReduceOptions): Tensor {
  const list = asAxes(x, axes, op);
  const keepdims = opts?.keepdims ?? false;
  if (list.length === 0) return x;
  return emit(op, [x], { axes: list, keepdims });
}

export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : emit("cast", [x], { dtype });
}

export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return sameShape(x.shape, shape) ? x : emit("broadcast", [x], { shape: [...shape] });
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const holes = shape.filter((d) => d === -1).length;
  let resolved = [...shape];
  if (holes > 1) fail("reshape", `at most one -1 in ${formatShape(shape)}`, x);
  if (holes === 1) {
    const known = numel(shape.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) fail("reshape", `cannot reshape ${formatType(x.type)} to ${formatShape(shape)}`, x);
    resolved = shape.map((d) => (d === -1 ? x.size / known : d));
  }
  return sameShape(x.shape, resolved) ? x : emit("reshape", [x], { shape: resolved });
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => (a < 0 ? a + x.ndim : a)) : [...x.shape.keys()].reverse();
  return p.every((a, i) => a === i) && p.length === x.ndim ? x : emit("transpose", [x], { perm: p });
}

/** `x[starts:ends]` per axis; missing trailing axes are taken whole, negative bounds count from the end. */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[]): Tensor {
  if (starts.length > x.ndim || ends.length > x.ndim) fail("slice", `too many bounds for ${formatType(x.type)}`, x);
  const s = x.shape.map((d, i) => (starts[i] === undefined ? 0 : starts[i] < 0 ? starts[i] + d : starts[i]));
  const e = x.shape.map((d, i) => (ends[i] === undefined ? d : ends[i] < 0 ? ends[i] + d : ends[i]));
  return emit("slice", [x], { starts: s, ends: e });
}

export function pad(x: Tensor, lo: readonly number[], hi: readonly number[], value = 0): Tensor {
  return emit("pad", [x], { lo: [...lo], hi: [...hi], value });
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) fail("concat", "needs at least one tensor");
  const dtype = xs.reduce<DType>((d, x) => (DTYPE_RANK[x.dtype] > DTYPE_RANK[d] ? x.dtype : d), xs[0].dtype);
  return xs.length === 1 ? xs[0] : emit("concat", xs.map((x) => cast(x, dtype)), { axis: axisOf(xs[0], axis, "concat") });
}

function asIndices(indices: Tensor | readonly number[], like: Tensor, op: string): Tensor {
  if (isTensor(indices)) {
    if (indices.dtype !== "i32") fail(op, `indices must be i32, got ${formatType(indices.type)}`, indices);
    return indices;
  }
  return like.emitter.main.emit("constant", [], { value: [...indices], shape: [indices.length], dtype: "i32" });
}

/** `x` indexed along `axis` by integer `indices` of any shape (embedding lookup). */
export function take(x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor {
  return emit("gather", [x, asIndices(indices, x, "take")], { axis: axisOf(x, axis, "take") });
}

/** The transpose of `take`: adds `updates` into a zero tensor whose `axis` has length `size`. */
export function scatterAdd(updates: Tensor, indices: Tensor, axis: number, size: number): Tensor {
  return emit("scatter_add", [updates, indices], { axis, size });
}

/** Batched matrix product with NumPy `matmul` semantics (1-D operands, broadcast batch dims). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) fail("matmul", `operands must be at least 1-D, got ${formatType(a.type)} and ${formatType(b.type)}`, a);
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const k1 = a2.shape[a2.ndim - 1], k2 = b2.shape[b2.ndim - 2];
  if (k1 !== k2) fail("matmul", `cannot multiply ${formatType(a.type)} by ${formatType(b.type)}: inner dimensions ${k1} and ${k2} differ`, a);
  const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  if (!batch) fail("matmul", `batch dimensions of ${formatType(a.type)} and ${formatType(b.type)} do not broadcast`, a);
  const dtype = DTYPE_RANK[a.dtype] >= DTYPE_RANK[b.dtype] ? a.dtype : b.dtype;
  const ab = broadcastTo(cast(a2, dtype), [...batch, ...a2.shape.slice(-2)]);
  const bb = broadcastTo(cast(b2, dtype), [...batch, ...b2.shape.slice(-2)]);
  let out = emit("matmul", [ab, bb]);
  if (a.ndim === 1) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.ndim - 1]]);
  if (b.ndim === 1) out = reshape(out, out.shape.slice(0, -1));
  return out;
}

export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (cond.dtype !== "bool") fail("where", `condition must be bool, got ${formatType(cond.type)}; compare first (x.gt(0))`, cond);
  const [x, y] = coerce("where", [a, b]);
  const shape = broadcastShapes(cond.shape, x.shape);
  if (!shape) fail("where", `cannot broadcast condition ${formatType(cond.type)} with ${formatType(x.type)}`, cond);
  return emit("where", [broadcastTo(cond, shape), broadcastTo(x, shape), broadcastTo(y, shape)]);
}

function creator(op: string): { emit: (attrs: Record<string, AttrValue>) => Tensor } {
  return { emit: (attrs) => emitterFor(op, []).main.emit(op, [], attrs) };
}

/** A literal tensor from row-major values. */
export function constant(values: ArrayLike<number> | number, shape?: readonly number[], dtype: DType = "f32"): Tensor {
  const value = typeof values === "number" ? [values] : Array.from(values);
  return creator("constant").emit({ value, shape: [...(shape ?? (typeof values === "number" ? [] : [value.length]))], dtype });
}

export function full(shape: readonly number[], value: number, dtype: DType = "f32"): Tensor {
  return creator("full").emit({ value, shape: [...shape], dtype });
}

export function iota(shape: readonly number[], axis = 0, dtype: DType = "i32"): Tensor {
  return creator("iota").emit({ axis: axis < 0 ? axis + shape.length : axis, shape: [...shape], dtype });
}

/** The tensor API: primitives plus composites. Rules in op definitions are written with it too. */
export const t = {
  add: binary("add"), sub: binary("sub"), mul: binary("mul"), div: binary("div"), pow: (a: TensorLike, b: TensorLike) => emit("pow", coerce("pow", [a, b]).map((x) => cast(x, "f32"))),
  maximum: binary("max"), minimum: binary("min"),
  eq: binary("eq"), ne: binary("ne"), lt: binary("lt"), le: binary("le"), gt: binary("gt"), ge: binary("ge"),
  neg: unary("neg"), abs: unary("abs"), sign: unary("sign"), relu: unary("relu"),
  exp: unaryFloat("exp"), log: unaryFloat("log"), sin: unaryFloat("sin"), cos: unaryFloat("cos"),
  tanh: unaryFloat("tanh"), sigmoid: unaryFloat("sigmoid"), sqrt: unaryFloat("sqrt"), rsqrt: unaryFloat("rsqrt"),
  reciprocal: unaryFloat("reciprocal"),
  stopGradient: unary("stop_gradient"),
  sum: (x: Tensor, axes?: number | readonly number[], opts?: ReduceOptions) => reduce("reduce_sum", x, axes, opts),
  max: (x: Tensor, axes?: number | readonly number[], opts?: ReduceOptions) => reduce("reduce_max", x, axes, opts),
  cast, broadcastTo, reshape, transpose, permute: transpose, slice, pad, concat, take, scatterAdd, matmul, where,
  constant, full, iota,
  zeros: (shape: readonly number[], dtype: DType = "f32") => full(shape, 0, dtype),
  ones: (shape: readonly number[], dtype: DType = "f32") => full(shape, 1, dtype),
  zerosLike: (x: Tensor) => x.emitter.main.emit("full", [], { value: 0, shape: [...x.shape], dtype: x.dtype }),
  onesLike: (x: Tensor) => x.emitter.main.emit("full", [], { value: 1, shape: [...x.shape], dtype: x.dtype }),
  ...composites,
};

/** The type of the tensor API namespace (what op rules receive). */
export type T = typeof t;
