import { t } from "@adjoint/ir";
import { f32, i32, type OpCases } from "./case";

const a23 = f32([2, 3], [1, 2, 3, 4, 5, 6]);
const b32 = f32([3, 2], [7, 8, 9, 10, 11, 12]);
const a222 = f32([2, 2, 2], [1, 2, 3, 4, 1, 0, 0, 1]); // batch 1 is the identity

/** Hand-computed examples of matmul, gather and scatter_add. */
export const contractionCases: OpCases<"matmul" | "gather" | "scatter_add"> = {
  matmul: [
    { name: "[2,3] @ [3,2]", fn: t.matmul, inputs: [a23, b32], expected: f32([2, 2], [58, 64, 139, 154]) },
    {
      name: "batched",
      fn: t.matmul,
      inputs: [a222, f32([2, 2, 2], [5, 6, 7, 8, 2, 3, 4, 5])],
      expected: f32([2, 2, 2], [19, 22, 43, 50, 2, 3, 4, 5]),
    },
    {
      name: "batch broadcast",
      fn: t.matmul,
      inputs: [a222, f32([2, 2], [5, 6, 7, 8])],
      expected: f32([2, 2, 2], [19, 22, 43, 50, 5, 6, 7, 8]),
    },
    { name: "1-D @ 2-D", fn: t.matmul, inputs: [f32([3], [1, 2, 3]), b32], expected: f32([2], [58, 64]) },
    { name: "2-D @ 1-D", fn: t.matmul, inputs: [a23, f32([3], [1, 0, -1])], expected: f32([2], [-2, -2]) },
    { name: "1-D @ 1-D", fn: t.matmul, inputs: [f32([3], [1, 2, 3]), f32([3], [4, 5, 6])], expected: f32([], [32]) },
    { name: "i32", fn: t.matmul, inputs: [i32([2, 2], [1, 2, 3, 4]), i32([2, 2], [1, 1, 0, -1])], expected: i32([2, 2], [1, -1, 3, -1]) },
    { name: "K = 0 gives zeros", fn: t.matmul, inputs: [f32([2, 0], []), f32([0, 2], [])], expected: f32([2, 2], [0, 0, 0, 0]) },
  ],
  gather: [
    {
      name: "axis 0, 2-D indices",
      fn: (x, idx) => t.take(x, idx, 0),
      inputs: [f32([3, 2], [1, 2, 3, 4, 5, 6]), i32([2, 2], [2, 0, 1, 1])],
      expected: f32([2, 2, 2], [5, 6, 1, 2, 3, 4, 3, 4]),
    },
    {
      name: "axis 1, 2-D indices",
      fn: (x, idx) => t.take(x, idx, 1),
      inputs: [a23, i32([2, 1], [2, 0])],
      expected: f32([2, 2, 1], [3, 1, 6, 4]),
    },
    {
      name: "middle axis of 3-D",
      fn: (x, idx) => t.take(x, idx, 1),
      inputs: [f32([2, 3, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), i32([2], [2, 0])],
      expected: f32([2, 2, 2], [4, 5, 0, 1, 10, 11, 6, 7]),
    },
    { name: "axis -1, literal indices", fn: (x) => t.take(x, [1, 1, 0], -1), inputs: [f32([2, 2], [1, 2, 3, 4])], expected: f32([2, 3], [2, 2, 1, 4, 4, 3]) },
    { name: "i32, scalar index", fn: (x, idx) => t.take(x, idx), inputs: [i32([3], [10, 20, 30]), i32([], [2])], expected: i32([], [30]) },
  ],
  scatter_add: [
    {
      name: "axis 0, 2-D indices, repeats add",
      fn: (u, idx) => t.scatterAdd(u, idx, 0, 3),
      inputs: [f32([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), i32([2, 2], [2, 0, 1, 1])],
      expected: f32([3, 2], [3, 4, 12, 14, 1, 2]),
    },
    {
      name: "axis 1",
      fn: (u, idx) => t.scatterAdd(u, idx, 1, 3),
      inputs: [a23, i32([3], [0, 2, 0])],
      expected: f32([2, 3], [4, 0, 2, 10, 0, 5]),
    },
    { name: "size beyond the indices", fn: (u, idx) => t.scatterAdd(u, idx, 0, 5), inputs: [f32([2], [1, 2]), i32([2], [3, 3])], expected: f32([5], [0, 0, 0, 3, 0]) },
    { name: "i32", fn: (u, idx) => t.scatterAdd(u, idx, 0, 2), inputs: [i32([3], [1, 2, 3]), i32([3], [0, 0, 1])], expected: i32([2], [3, 3]) },
  ],
};
