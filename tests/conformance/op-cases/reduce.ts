import { t } from "@adjoint/ir";
import { f32, i32, type OpCases } from "./case";

const x23 = f32([2, 3], [1, 2, 3, 4, 5, 6]);
const x222 = f32([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]); // x[i][j][k] = 4i + 2j + k
const m23 = f32([2, 3], [1, 5, 3, 4, 2, 6]);

/** Hand-computed examples of the reductions. */
export const reduceCases: OpCases<"reduce_sum" | "reduce_max"> = {
  reduce_sum: [
    { name: "all axes", fn: (x) => t.sum(x), inputs: [x23], expected: f32([], [21]) },
    { name: "axis 0", fn: (x) => t.sum(x, 0), inputs: [x23], expected: f32([3], [5, 7, 9]) },
    { name: "axis -1", fn: (x) => t.sum(x, -1), inputs: [x23], expected: f32([2], [6, 15]) },
    { name: "keepdims", fn: (x) => t.sum(x, 1, { keepdims: true }), inputs: [x23], expected: f32([2, 1], [6, 15]) },
    { name: "outer axes of 3-D", fn: (x) => t.sum(x, [0, 2]), inputs: [x222], expected: f32([2], [10, 18]) },
    { name: "negative axes, keepdims", fn: (x) => t.sum(x, [-1, 0], { keepdims: true }), inputs: [x222], expected: f32([1, 2, 1], [10, 18]) },
    { name: "i32", fn: (x) => t.sum(x), inputs: [i32([4], [1, 2, 3, -10])], expected: i32([], [-4]) },
    { name: "empty axis gives 0", fn: (x) => t.sum(x, 1), inputs: [f32([2, 0], [])], expected: f32([2], [0, 0]) },
  ],
  reduce_max: [
    { name: "axis 0", fn: (x) => t.max(x, 0), inputs: [m23], expected: f32([3], [4, 5, 6]) },
    { name: "axis -1, keepdims", fn: (x) => t.max(x, -1, { keepdims: true }), inputs: [m23], expected: f32([2, 1], [5, 6]) },
    { name: "all axes", fn: (x) => t.max(x), inputs: [m23], expected: f32([], [6]) },
    { name: "NaN propagates", fn: (x) => t.max(x), inputs: [f32([3], [1, NaN, 3])], expected: f32([], [NaN]) },
    { name: "i32 all negative", fn: (x) => t.max(x), inputs: [i32([3], [-5, -2, -9])], expected: i32([], [-2]) },
    { name: "-Infinity", fn: (x) => t.max(x), inputs: [f32([2], [-Infinity, -Infinity])], expected: f32([], [-Infinity]) },
  ],
};
