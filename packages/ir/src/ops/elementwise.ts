import { defineOp } from "./def";
import { comparison, floatOnly, numeric, sameTypes } from "./infer";
import { InferError, formatType } from "../errors";
import { sameShape } from "../shape";
import type { T } from "../api";
import type { Tensor } from "../tensor";

/** Tangent `dx * factor`, or a symbolic zero when `dx` is zero. */
const scale = (t: T, dx: Tensor | null, factor: () => Tensor): Tensor | null => (dx ? t.mul(dx, factor()) : null);
/** Sum of two tangents where either may be a symbolic zero. */
export const addTangents = (t: T, a: Tensor | null, b: Tensor | null): Tensor | null => (a && b ? t.add(a, b) : (a ?? b));

const unaryFloat = { attrs: {}, arity: 1, class: "elementwise", infer: floatOnly } as const;
const binaryNumeric = { attrs: {}, arity: 2, class: "elementwise", infer: numeric } as const;
const compare = {
  attrs: {},
  arity: 2,
  class: "elementwise",
  infer: comparison,
  flopsPerElement: 1,
  jvp: () => null, // boolean result: no tangent
} as const;

export const elementwiseOps = {
  neg: defineOp({
    ...binaryNumeric, arity: 1, summary: "negation", flopsPerElement: 1,
    scalar: (a) => -a,
    linear: true,
    jvp: (t, _, [dx]) => (dx ? t.neg(dx) : null), // d(-x) = -dx
    transpose: (t, ct) => [t.neg(ct)],
  }),
  abs: defineOp({
    ...binaryNumeric, arity: 1, summary: "absolute value", flopsPerElement: 1,
    scalar: Math.abs,
    jvp: (t, [x], [dx]) => scale(t, dx, () => t.sign(x)), // d|x| = sign(x) dx, 0 at x = 0
  }),
  sign: defineOp({
    ...binaryNumeric, arity: 1, summary: "-1, 0 or 1", flopsPerElement: 1,
    scalar: (a) => (a > 0 ? 1 : a < 0 ? -1 : a), // keeps NaN and -0
    jvp: () => null, // piecewise constant
  }),
  exp: defineOp({
    ...unaryFloat, summary: "e^x", flopsPerElement: 4,
    scalar: Math.exp,
    jvp: (t, _, [dx], __, y) => scale(t, dx, () => y), // d e^x = e^x dx
  }),
  log: defineOp({
    ...unaryFloat, summary: "natural logarithm", flopsPerElement: 4,
    scalar: Math.log,
    jvp: (t, [x], [dx]) => (dx ? t.div(dx, x) : null), // d log x = dx / x
  }),
  sin: defineOp({
    ...unaryFloat, summary: "sine", flopsPerElement: 4,
    scalar: Math.sin,
    jvp: (t, [x], [dx]) => scale(t, dx, () => t.cos(x)), // d sin x = cos x dx
  }),
  cos: defineOp({
    ...unaryFloat, summary: "cosine", flopsPerElement: 4,
    scalar: Math.cos,
    jvp: (t, [x], [dx]) => scale(t, dx, () => t.neg(t.sin(x))), // d cos x = -sin x dx
  }),
  tanh: defineOp({
    ...unaryFloat, summary: "hyperbolic tangent", flopsPerElement: 6,
    scalar: Math.tanh,
    jvp: (t, _, [dx], __, y) => scale(t, dx, () => t.sub(1, t.mul(y, y))), // d tanh x = (1 - tanh² x) dx
  }),
  sigmoid: defineOp({
    ...unaryFloat, summary: "logistic sigmoid 1/(1+e^-x)", flopsPerElement: 6,
    scalar: (a) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))),
    jvp: (t, _, [dx], __, y) => scale(t, dx, () => t.mul(y, t.sub(1, y))), // dσ = σ(1-σ) dx
  }),
  relu: defineOp({
    ...binaryNumeric, arity: 1, summary: "max(x, 0)", flopsPerElement: 1,
    scalar: (a) => (a > 0 ? a : a === 0 || a < 0 ? 0 : a),
    jvp: (t, [x], [dx]) => scale(t, dx, () => t.cast(t.gt(x, 0), x.dtype)), // d relu = [x > 0] dx (0 at x = 0)
  }),
  sqrt: defineOp({
    ...unaryFloat, summary: "square root", flopsPerElement: 2,
    scalar: Math.sqrt,
    jvp: (t, _, [dx], __, y) => (dx ? t.div(dx, t.mul(2, y)) : null), // d√x = dx / (2√x)
  }),
  rsqrt: defineOp({
    ...unaryFloat, summary: "1/sqrt(x)", flopsPerElement: 2,
    scalar: (a) => 1 / Math.sqrt(a),
    jvp: (t, [x], [dx], __, y) => scale(t, dx, () => t.mul(-0.5, t.div(y, x))), // d x^-½ = -½ x^-3/2 dx
  }),
  reciprocal: defineOp({
    ...unaryFloat, summary: "1/x", flopsPerElement: 1,
    scalar: (a) => 1 / a,
    jvp: (t, _, [dx], __, y) => scale(t, dx, () => t.neg(t.mul(y, y))), // d(1/x) = -x^-2 dx
  }),

  add: defineOp({
    ...binaryNumeric, summary: "a + b", flopsPerElement: 1,
    scalar: (a, b) => a + b,
    linear: true,
    jvp: (t, _, [da, db]) => addTangents(t, da, db), // d(a+b) = da + db
    transpose: (_, ct, args) => args.map((a) => (a === undefined ? ct : null)),
  }),
  sub: defineOp({
    ...binaryNumeric, summary: "a - b", flopsPerElement: 1,
    scalar: (a, b) => a - b,
    linear: true,
    jvp: (t, _, [da, db]) => addTangents(t, da, db && t.neg(db)), // d(a-b) = da - db
    transpose: (t, ct, [a, b]) => [a === undefined ? ct : null, b === undefined ? t.neg(ct) : null],
  }),
  mul: defineOp({
    ...binaryNumeric, summary: "a * b", flopsPerElement: 1,
    scalar: (a, b) => a * b,
    linear: true, // in each argument separately (bilinear)
    jvp: (t, [a, b], [da, db]) => addTangents(t, da && t.mul(da, b), db && t.mul(a, db)), // d(ab) = da b + a db
    transpose: (t, ct, [a, b]) => {
      if (a === undefined && b === undefined) throw new InferError("mul of two linear values is not linear");
      return [a === undefined ? t.mul(ct, b!) : null, b === undefined ? t.mul(a!, ct) : null];
    },
  }),
  div: defineOp({
    ...binaryNumeric, summary: "a / b (integer division truncates toward zero)", flopsPerElement: 1,
    scalar: (a, b) => a / b,
    linear: true, // in the numerator
    // d(a/b) = da/b - (a/b) db/b
    jvp: (t, [, b], [da, db], _, y) => addTangents(t, da && t.div(da, b), db && t.neg(t.mul(db, t.div(y, b)))),
    transpose: (t, ct, [a, b]) => {
      if (b === undefined) throw new InferError("div is linear in its numerator only");
      return [a === undefined ? t.div(ct, b) : null, null];
    },
  }),
  pow: defineOp({
    ...unaryFloat, arity: 2, summary: "a ** b", flopsPerElement: 8,
    scalar: Math.pow,
    // d(a^b) = b a^(b-1) da + log(a) a^b db; the db term is taken as 0 where a <= 0
    jvp: (t, [a, b], [da, db], _, y) =>
      addTangents(
        t,
        da && t.mul(da, t.mul(b, t.pow(a, t.sub(b, 1)))),
        db && t.mul(db, t.where(t.gt(a, 0), t.mul(t.log(t.maximum(a, 1e-30)), y), 0)),
      ),
  }),
  max: defineOp({
    ...binaryNumeric, summary: "elementwise maximum (NaN-propagating)", flopsPerElement: 1,
    scalar: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
    // ties split the tangent evenly: d max(a,b) = [a>b] da + [a<b] db + ½[a=b](da+db)
    jvp: (t, [a, b], [da, db]) => {
      const wa = t.add(t.cast(t.gt(a, b), a.dtype), t.mul(0.5, t.cast(t.eq(a, b), a.dtype)));
      return addTangents(t, da && t.mul(da, wa), db && t.mul(db, t.sub(1, wa)));
    },
  }),
  min: defineOp({
    ...binaryNumeric, summary: "elementwise minimum (NaN-propagating)", flopsPerElement: 1,
    scalar: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
    // ties split the tangent evenly, as for max
    jvp: (t, [a, b], [da, db]) => {
      const wa = t.add(t.cast(t.lt(a, b), a.dtype), t.mul(0.5, t.cast(t.eq(a, b), a.dtype)));
      return addTangents(t, da && t.mul(da, wa), db && t.mul(db, t.sub(1, wa)));
    },
  }),

  eq: defineOp({ ...compare, summary: "a == b", scalar: (a, b) => +(a === b) }),
  ne: defineOp({ ...compare, summary: "a != b", scalar: (a, b) => +(a !== b) }),
  lt: defineOp({ ...compare, summary: "a < b", scalar: (a, b) => +(a < b) }),
  le: defineOp({ ...compare, summary: "a <= b", scalar: (a, b) => +(a <= b) }),
  gt: defineOp({ ...compare, summary: "a > b", scalar: (a, b) => +(a > b) }),
  ge: defineOp({ ...compare, summary: "a >= b", scalar: (a, b) => +(a >= b) }),

  where: defineOp({
    summary: "cond ? a : b, elementwise",
    attrs: {},
    arity: 3,
    class: "elementwise",
    flopsPerElement: 1,
    infer: ([c, a, b]) => {
      if (c.dtype !== "bool") throw new InferError(`condition must be bool, got ${formatType(c)}`);
      if (!sameShape(c.shape, a.shape)) throw new InferError(`condition ${formatType(c)} and values ${formatType(a)} differ in shape`);
      return sameTypes([a, b]);
    },
    scalar: (c, a, b) => (c ? a : b),
    linear: true, // in the two branches
    jvp: (t, [c, a], [, da, db]) => (da || db ? t.where(c, da ?? t.zerosLike(a), db ?? t.zerosLike(a)) : null),
    transpose: (t, ct, [c, a, b]) => [
      null,
      a === undefined ? t.where(c!, ct, 0) : null,
      b === undefined ? t.where(c!, 0, ct) : null,
    ],
  }),
  cast: defineOp({
    summary: "convert element type",
    attrs: { dtype: "dtype" },
    arity: 1,
    class: "elementwise",
    flopsPerElement: 1,
    infer: ([x], { dtype }) => ({ dtype, shape: x.shape }),
    scalar: (a) => a, // rounding/truncation happens when the value is stored in its dtype
    linear: true,
    // only float → float carries a tangent; integers and booleans have none
    jvp: (t, [x], [dx], { dtype }) => (dx && dtype === "f32" && x.dtype === "f32" ? dx : null),
    transpose: (_, ct) => [ct],
  }),
  stop_gradient: defineOp({
    summary: "identity whose derivative is zero",
    attrs: {},
    arity: 1,
    class: "elementwise",
    flopsPerElement: 0,
    infer: ([x]) => x,
    scalar: (a) => a,
    jvp: () => null,
  }),
};
