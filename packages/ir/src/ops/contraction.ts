import { defineOp } from "./def";
import { InferError, formatType } from "../errors";
import { normalizeAxis, sameShape } from "../shape";
import { addTangents } from "./elementwise";
import type { T } from "../api";
import type { Tensor } from "../tensor";

/** Swaps the last two axes. */
const mT = (t: T, x: Tensor): Tensor => {
  const r = x.shape.length;
  return t.transpose(x, [...Array(r - 2).keys(), r - 1, r - 2]);
};

export const contractionOps = {
  matmul: defineOp({
    summary: "batched matrix product [...B,M,K] @ [...B,K,N] (batch dims equal; the tracer broadcasts)",
    attrs: {},
    arity: 2,
    class: "contraction",
    flopsPerElement: 2, // per multiply-add; cost() multiplies by K
    infer: ([a, b]) => {
      const ra = a.shape.length, rb = b.shape.length;
      if (a.dtype !== b.dtype || a.dtype === "bool") throw new InferError(`operands must share a numeric dtype, got ${formatType(a)} and ${formatType(b)}`);
      if (ra < 2 || ra !== rb || !sameShape(a.shape.slice(0, -2), b.shape.slice(0, -2)) || a.shape[ra - 1] !== b.shape[rb - 2]) {
        throw new InferError(`cannot multiply ${formatType(a)} by ${formatType(b)}: needs [...B,M,K] @ [...B,K,N]`);
      }
      return { dtype: a.dtype, shape: [...a.shape.slice(0, -1), b.shape[rb - 1]] };
    },
    linear: true, // in each argument separately (bilinear)
    jvp: (t, [a, b], [da, db]) => addTangents(t, da && t.matmul(da, b), db && t.matmul(a, db)), // d(AB) = dA B + A dB
    transpose: (t, ct, [a, b]) => {
      if (a === undefined && b === undefined) throw new InferError("matmul of two linear values is not linear");
      return [a === undefined ? t.matmul(ct, mT(t, b!)) : null, b === undefined ? t.matmul(mT(t, a!), ct) : null];
    },
  }),
};

/** Gather and its transpose, scatter-add: embeddings and indexing. */
export const indexOps = {
  gather: defineOp({
    summary: "take along an axis: out = x[..., idx, ...] (idx any shape, i32; out-of-range is an error at run time)",
    attrs: { axis: "int" },
    arity: 2,
    class: "index",
    flopsPerElement: 0,
    infer: ([x, idx], { axis }) => {
      if (idx.dtype !== "i32") throw new InferError(`indices must be i32, got ${formatType(idx)}`);
      const a = normalizeAxis(axis, x.shape.length);
      if (a !== axis) throw new InferError(`axis must be normalised, got ${axis}`);
      return { dtype: x.dtype, shape: [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)] };
    },
    linear: true, // in x
    jvp: (t, [, idx], [dx], { axis }) => (dx ? t.take(dx, idx, axis) : null),
    transpose: (t, ct, [, idx], [x], { axis }) => [t.scatterAdd(ct, idx!, axis, x.shape[axis]), null],
  }),
  scatter_add: defineOp({
    summary: "the transpose of gather: out[..., idx[j], ...] += updates[..., j, ...], out.shape[axis] = size",
    attrs: { axis: "int", size: "int" },
    arity: 2,
    class: "index",
    flopsPerElement: 1,
    infer: ([u, idx], { axis, size }) => {
      if (idx.dtype !== "i32") throw new InferError(`indices must be i32, got ${formatType(idx)}`);
      const ir = idx.shape.length;
      const rank = u.shape.length - ir + 1;
      if (axis < 0 || axis >= rank || !sameShape(u.shape.slice(axis, axis + ir), idx.shape) || size < 0) {
        throw new InferError(`updates ${formatType(u)} do not hold indices ${formatType(idx)} at axis ${axis}`);
      }
      return { dtype: u.dtype, shape: [...u.shape.slice(0, axis), size, ...u.shape.slice(axis + ir)] };
    },
    linear: true, // in the updates
    jvp: (t, [, idx], [du], { axis, size }) => (du ? t.scatterAdd(du, idx, axis, size) : null),
    transpose: (t, ct, [, idx], _, { axis }) => [t.take(ct, idx!, axis), null],
  }),
};
