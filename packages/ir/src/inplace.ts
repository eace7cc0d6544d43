/**
 * In-place tensor methods: `x.addInPlace(y)`, `subInPlace`, `mulInPlace`, `divInPlace`,
 * `x.assign(v)` and `x.clone()`.
 *
 * The IR stays functional. A write records its result as a new SSA value tagged
 * `writes = <x's current version>` (it may take over that value's buffer), and the Tensor
 * object `x` then names the new version. Every version is a distinct value, so autodiff,
 * inlining and simplification see ordinary SSA; the `inplace` pass later checks that no
 * node still reads an overwritten version after its write.
 */
import { currentBuilder, type GraphBuilder } from "./builder";
import { ShapeError, formatLoc, formatShape, formatType } from "./errors";
import { broadcastShapes, sameShape } from "./shape";
import { t, type TensorLike } from "./api";
import { Tensor } from "./tensor";
import type { AttrValue, DType, NodeTags, ValueId } from "./types";

/** The arithmetic a write can apply: `x = x op y`. */
export type InPlaceOp = "add" | "sub" | "mul" | "div";

// The user-facing method of each in-place op: errors name the method the user called.
const IN_PLACE_METHOD: Readonly<Record<InPlaceOp | "assign", string>> = {
  add: "addInPlace", sub: "subInPlace", mul: "mulInPlace", div: "divInPlace", assign: "assign",
};

const SYMBOL: Readonly<Record<InPlaceOp, string>> = { add: "+", sub: "-", mul: "*", div: "/" };

// Same promotion order as the tensor API's operand coercion: bool < i32 < f32.
const DTYPE_RANK: Readonly<Record<DType, number>> = { bool: 0, i32: 1, f32: 2 };

/**
 * Copy-on-write bookkeeping for `clone()`. A clone is a second Tensor object naming the same
 * value; neither object may then write into that value's buffer, since the other still reads
 * it. Per trace, `extraNames` counts the objects beyond the first that name each value; a
 * write through a shared value takes a fresh buffer (no `writes` tag: that write is the copy)
 * and releases its share, so the last remaining name writes in place again.
 */
const extraNames = new WeakMap<GraphBuilder, Map<ValueId, number>>();

function sharesOf(b: GraphBuilder): Map<ValueId, number> {
  let m = extraNames.get(b);
  if (!m) extraNames.set(b, (m = new Map()));
  return m;
}

/** The trace a write on `x` goes to; writes on tangents or on values of an enclosing trace are errors. */
function builderFor(x: Tensor, method: string): GraphBuilder {
  const b = x.emitter.main;
  const fail = (why: string): never => {
    const loc = b.currentLoc();
    throw new ShapeError(`${method}: ${why} (at ${formatLoc(loc)})`, method, loc);
  };
  if (x.emitter.isLinear) fail(`tensor %${x.id} is a tangent inside a differentiation rule; rules must not write in place`);
  const active = currentBuilder();
  if (active && active !== b) {
    fail(
      `tensor %${x.id} (${formatType(x.type)}) belongs to an enclosing function's trace (it was captured); ` +
        `a traced function cannot write to it. Use the functional form (t.add, t.mul, ...) instead`,
    );
  }
  return b;
}

function mismatch(b: GraphBuilder, method: string, what: string, x: Tensor): never {
  const loc = b.currentLoc();
  throw new ShapeError(
    `${method}: ${what} does not fit x (${formatType(x.type)}); an in-place write keeps x's shape and dtype ` +
      `(use the functional form to get a new tensor) (at ${formatLoc(loc)})`,
    method,
    loc,
  );
}

/** True when the plain number `c` is a value of dtype `d` without promotion. */
function numberFits(c: number, d: DType): boolean {
  return d === "f32" || (d === "i32" ? Number.isInteger(c) : c === 0 || c === 1);
}

/** `y` as a tensor of exactly x's type: numbers become a `full`, tensors are cast and broadcast. */
function operandFor(b: GraphBuilder, x: Tensor, y: TensorLike, method: string, what: (y: string) => string): Tensor {
  if (typeof y === "number") {
    if (!numberFits(y, x.dtype)) mismatch(b, method, `${what(String(y))} (a ${Number.isInteger(y) ? "number" : "fraction"})`, x);
    return b.emit("full", [], { value: y, shape: [...x.shape], dtype: x.dtype });
  }
  if (!(y instanceof Tensor)) mismatch(b, method, `operand ${String(y)} is not a tensor or a number, so it`, x);
  const shape = broadcastShapes(x.shape, y.shape);
  const dtype = DTYPE_RANK[y.dtype] > DTYPE_RANK[x.dtype] ? y.dtype : x.dtype;
  if (!shape || !sameShape(shape, x.shape) || dtype !== x.dtype) {
    const result = shape ? `${dtype}${formatShape(shape)}` : `no result (shapes do not broadcast)`;
    mismatch(b, method, `${what(formatType(y.type))} gives ${result}, which`, x);
  }
  return t.broadcastTo(t.cast(y, x.dtype), x.shape);
}

/** Emits `node` as x's next version: tagged `writes = x` unless x's value is shared with a clone. */
function emitVersion(b: GraphBuilder, x: Tensor, op: string, args: readonly Tensor[], attrs: Readonly<Record<string, AttrValue>>): Tensor {
  const shares = sharesOf(b);
  const extra = shares.get(x.id) ?? 0;
  const tags: NodeTags | undefined = extra > 0 ? undefined : { writes: x.id };
  const next = b.emit(op, args, attrs, tags);
  if (extra > 0) {
    if (extra === 1) shares.delete(x.id);
    else shares.set(x.id, extra - 1);
  }
  return next;
}

/**
 * `x = x op y`, recorded as `op x, y` tagged `writes = x`. `y` (a tensor or number) is
 * broadcast and cast to x's type; a result of another shape or dtype is an error.
 * Returns the new version; the Tensor method then points `x` at it.
 */
export function writeInPlace(x: Tensor, op: InPlaceOp, y: TensorLike): Tensor {
  const method = IN_PLACE_METHOD[op];
  const b = builderFor(x, method);
  const operand = operandFor(b, x, y, method, (ys) => `x ${SYMBOL[op]} ${ys}`);
  return emitVersion(b, x, op, [x, operand], {});
}

/**
 * `x = v` (every element), recorded as a copy of v tagged `writes = x`: a `full` for a
 * number, else a `cast` to x's dtype (a copy when the dtypes agree). `cast` is the copy op
 * because it is elementwise, so the write gets its own buffer, whereas a movement op
 * (`reshape`, `broadcast`) may be folded into a view of v by fusion.
 */
export function assignInPlace(x: Tensor, v: TensorLike): Tensor {
  const method = IN_PLACE_METHOD.assign;
  const b = builderFor(x, method);
  if (typeof v === "number") {
    if (!numberFits(v, x.dtype)) mismatch(b, method, `the value ${v}`, x);
    return emitVersion(b, x, "full", [], { value: v, shape: [...x.shape], dtype: x.dtype });
  }
  const src = operandFor(b, x, v, method, (vs) => `the value ${vs}`);
  return emitVersion(b, x, "cast", [src], { dtype: x.dtype });
}

/**
 * A second, independent name for x's current value. Values are immutable, so no node is
 * needed until one of the two is written in place: that write then goes to a fresh buffer
 * (it is the copy), and the other keeps the old version.
 */
export function cloneTensor(x: Tensor): Tensor {
  const shares = sharesOf(x.emitter.main);
  shares.set(x.id, (shares.get(x.id) ?? 0) + 1);
  return new Tensor(x.emitter, x.id, x.type);
}
