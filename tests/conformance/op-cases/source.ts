import { t } from "@adjoint/ir";
import { bool, f32, i32, type OpCases } from "./case";

/** Hand-computed examples of the source ops. */
export const sourceCases: OpCases<"constant" | "full" | "iota"> = {
  constant: [
    { name: "f32 rows", fn: () => t.constant([1, 2.5, -3, 0.25, 0, 6], [2, 3]), inputs: [], expected: f32([2, 3], [1, 2.5, -3, 0.25, 0, 6]) },
    { name: "scalar", fn: () => t.constant(4), inputs: [], expected: f32([], [4]) },
    { name: "i32 truncates toward zero", fn: () => t.constant([1.7, -1.7, 3], [3], "i32"), inputs: [], expected: i32([3], [1, -1, 3]) },
    { name: "bool is v !== 0", fn: () => t.constant([0, 2, -0.5, 1], [2, 2], "bool"), inputs: [], expected: bool([2, 2], [0, 1, 1, 1]) },
  ],
  full: [
    { name: "f32", fn: () => t.full([2, 2], 3.5), inputs: [], expected: f32([2, 2], [3.5, 3.5, 3.5, 3.5]) },
    { name: "i32 truncates", fn: () => t.full([3], -2.9, "i32"), inputs: [], expected: i32([3], [-2, -2, -2]) },
    { name: "bool 0.5 is true", fn: () => t.full([2], 0.5, "bool"), inputs: [], expected: bool([2], [1, 1]) },
    { name: "empty", fn: () => t.zeros([2, 0]), inputs: [], expected: f32([2, 0], []) },
  ],
  iota: [
    { name: "along the last axis", fn: () => t.iota([2, 3], 1), inputs: [], expected: i32([2, 3], [0, 1, 2, 0, 1, 2]) },
    { name: "along the first axis", fn: () => t.iota([2, 3], 0), inputs: [], expected: i32([2, 3], [0, 0, 0, 1, 1, 1]) },
    { name: "negative axis, f32", fn: () => t.iota([2, 3], -2, "f32"), inputs: [], expected: f32([2, 3], [0, 0, 0, 1, 1, 1]) },
    { name: "middle axis of 3-D", fn: () => t.iota([2, 2, 2], 1), inputs: [], expected: i32([2, 2, 2], [0, 0, 1, 1, 0, 0, 1, 1]) },
  ],
};
