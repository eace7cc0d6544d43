import { defineOp } from "./def";
import { InferError } from "../errors";
import { checkShape, normalizeAxis, numel } from "../shape";

/** Ops with no operands: their type comes entirely from attributes. */
export const sourceOps = {
  constant: defineOp({
    summary: "a literal tensor (row-major values)",
    attrs: { value: "floats", shape: "ints", dtype: "dtype" },
    arity: 0,
    class: "source",
    flopsPerElement: 0,
    infer: (_, { value, shape, dtype }) => {
      checkShape(shape);
      if (value.length !== numel(shape)) {
        throw new InferError(`has ${value.length} values but shape [${shape.join(",")}] holds ${numel(shape)}`);
      }
      return { dtype, shape };
    },
    jvp: () => null, // constants have zero tangent
  }),
  full: defineOp({
    summary: "a tensor filled with one value",
    attrs: { value: "float", shape: "ints", dtype: "dtype" },
    arity: 0,
    class: "source",
    flopsPerElement: 0,
    infer: (_, { shape, dtype }) => (checkShape(shape), { dtype, shape }),
    jvp: () => null,
  }),
  iota: defineOp({
    summary: "0, 1, 2, ... along one axis, broadcast over the others",
    attrs: { axis: "int", shape: "ints", dtype: "dtype" },
    arity: 0,
    class: "source",
    flopsPerElement: 0,
    infer: (_, { axis, shape, dtype }) => {
      checkShape(shape);
      if (dtype === "bool") throw new InferError("iota cannot produce bool");
      normalizeAxis(axis, shape.length);
      return { dtype, shape };
    },
    jvp: () => null,
  }),
};
