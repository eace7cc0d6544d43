import { defineOp } from "./def";
import { normalizeAxes } from "../shape";
import { InferError, formatType } from "../errors";
import type { TensorType } from "../types";

type ReduceAttrs = { readonly axes: readonly number[]; readonly keepdims: boolean };

/** Result type of reducing `axes` (which must be given normalised and sorted). */
function inferReduce([x]: readonly TensorType[], { axes, keepdims }: ReduceAttrs): TensorType {
  if (x.dtype === "bool") throw new InferError(`cannot reduce ${formatType(x)}; cast it first`);
  const norm = normalizeAxes(axes, x.shape.length);
  if (norm.some((a, i) => a !== axes[i])) {
    throw new InferError(`axes must be normalised and sorted, got [${axes.join(",")}]`);
  }
  const shape = keepdims ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !norm.includes(i));
  return { dtype: x.dtype, shape };
}

export const reduceOps = {
  reduce_sum: defineOp({
    summary: "sum over axes",
    attrs: { axes: "ints", keepdims: "bool" },
    arity: 1,
    class: "reduction",
    flopsPerElement: 1,
    infer: inferReduce,
    linear: true,
    jvp: (t, _, [dx], { axes, keepdims }) => (dx ? t.sum(dx, axes, { keepdims }) : null), // linear
    // the cotangent is copied back along the reduced axes
    transpose: (t, ct, _, [x], { axes, keepdims }) => {
      const kept = keepdims ? ct : t.reshape(ct, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
      return [t.broadcastTo(kept, x.shape)];
    },
  }),
  reduce_max: defineOp({
    summary: "maximum over axes (NaN-propagating)",
    attrs: { axes: "ints", keepdims: "bool" },
    arity: 1,
    class: "reduction",
    flopsPerElement: 1,
    infer: inferReduce,
    // the tangent flows from the maximal elements, split evenly between ties:
    // d max = Σ [x = max] dx / #[x = max]
    jvp: (t, [x], [dx], { axes }, y) => {
      if (!dx) return null;
      const yk = t.reshape(y, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
      const mask = t.cast(t.eq(x, yk), x.dtype);
      const count = t.sum(mask, axes, { keepdims: true });
      return t.reshape(t.sum(t.mul(dx, t.div(mask, count)), axes, { keepdims: true }), y.shape);
    },
  }),
};
