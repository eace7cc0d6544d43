import { InferError, formatType } from "../errors";
import { sameShape } from "../shape";
import type { DType, TensorType } from "../types";

/** Inference shared by elementwise ops: operands must agree exactly (the tracer broadcasts first). */
export function sameTypes(args: readonly TensorType[], allowed?: readonly DType[]): TensorType {
  const [first] = args;
  for (const a of args) {
    if (!sameShape(a.shape, first.shape) || a.dtype !== first.dtype) {
      throw new InferError(`operands must have the same type, got ${args.map(formatType).join(" and ")}`);
    }
  }
  if (allowed && !allowed.includes(first.dtype)) {
    throw new InferError(`expects ${allowed.join(" or ")} operands, got ${formatType(first)}`);
  }
  return first;
}

export const floatOnly = (args: readonly TensorType[]) => sameTypes(args, ["f32"]);
export const numeric = (args: readonly TensorType[]) => sameTypes(args, ["f32", "i32"]);

/** Comparisons: same-typed numeric operands, boolean result. */
export function comparison(args: readonly TensorType[]): TensorType {
  const t = sameTypes(args);
  return { dtype: "bool", shape: t.shape };
}
