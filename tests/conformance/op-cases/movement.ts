import { t } from "@adjoint/ir";
import { bool, f32, i32, type OpCases } from "./case";

const x23 = f32([2, 3], [1, 2, 3, 4, 5, 6]);
const x222 = f32([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]); // x[i][j][k] = 4i + 2j + k
const x34 = f32([3, 4], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

type Movement = "broadcast" | "reshape" | "transpose" | "slice" | "pad" | "concat";

/** Hand-computed examples of the movement ops. */
export const movementCases: OpCases<Movement> = {
  broadcast: [
    { name: "[3] → [2,3]", fn: (x) => t.broadcastTo(x, [2, 3]), inputs: [f32([3], [1, 2, 3])], expected: f32([2, 3], [1, 2, 3, 1, 2, 3]) },
    { name: "[2,1] → [2,3]", fn: (x) => t.broadcastTo(x, [2, 3]), inputs: [f32([2, 1], [1, 2])], expected: f32([2, 3], [1, 1, 1, 2, 2, 2]) },
    { name: "scalar → [2,2]", fn: (x) => t.broadcastTo(x, [2, 2]), inputs: [f32([], [7])], expected: f32([2, 2], [7, 7, 7, 7]) },
    {
      name: "[1,3] → [2,2,3]",
      fn: (x) => t.broadcastTo(x, [2, 2, 3]),
      inputs: [f32([1, 3], [1, 2, 3])],
      expected: f32([2, 2, 3], [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]),
    },
    { name: "bool", fn: (x) => t.broadcastTo(x, [2, 2]), inputs: [bool([2, 1], [1, 0])], expected: bool([2, 2], [1, 1, 0, 0]) },
  ],
  reshape: [
    { name: "[2,3] → [3,2]", fn: (x) => t.reshape(x, [3, 2]), inputs: [x23], expected: f32([3, 2], [1, 2, 3, 4, 5, 6]) },
    { name: "-1", fn: (x) => t.reshape(x, [-1]), inputs: [x23], expected: f32([6], [1, 2, 3, 4, 5, 6]) },
    { name: "i32", fn: (x) => t.reshape(x, [2, 2]), inputs: [i32([4], [1, 2, 3, 4])], expected: i32([2, 2], [1, 2, 3, 4]) },
  ],
  transpose: [
    { name: "2-D", fn: (x) => t.transpose(x), inputs: [x23], expected: f32([3, 2], [1, 4, 2, 5, 3, 6]) },
    { name: "swap outer axes", fn: (x) => t.transpose(x, [1, 0, 2]), inputs: [x222], expected: f32([2, 2, 2], [0, 1, 4, 5, 2, 3, 6, 7]) },
    { name: "rotate axes", fn: (x) => t.transpose(x, [2, 0, 1]), inputs: [x222], expected: f32([2, 2, 2], [0, 2, 4, 6, 1, 3, 5, 7]) },
    { name: "negative perm", fn: (x) => t.transpose(x, [-1, 0, 1]), inputs: [x222], expected: f32([2, 2, 2], [0, 2, 4, 6, 1, 3, 5, 7]) },
  ],
  slice: [
    { name: "inner box", fn: (x) => t.slice(x, [1, 1], [3, 3]), inputs: [x34], expected: f32([2, 2], [5, 6, 9, 10]) },
    { name: "negative start", fn: (x) => t.slice(x, [0, -2], []), inputs: [x34], expected: f32([3, 2], [2, 3, 6, 7, 10, 11]) },
    { name: "negative end", fn: (x) => t.slice(x, [0, 0], [3, -1]), inputs: [x34], expected: f32([3, 3], [0, 1, 2, 4, 5, 6, 8, 9, 10]) },
    { name: "empty", fn: (x) => t.slice(x, [1], [1]), inputs: [x34], expected: f32([0, 4], []) },
  ],
  pad: [
    {
      name: "2-D with a value",
      fn: (x) => t.pad(x, [1, 0], [0, 1], 9),
      inputs: [f32([2, 2], [1, 2, 3, 4])],
      expected: f32([3, 3], [9, 9, 9, 1, 2, 9, 3, 4, 9]),
    },
    { name: "i32 zeros", fn: (x) => t.pad(x, [2], [1]), inputs: [i32([2], [5, 6])], expected: i32([5], [0, 0, 5, 6, 0]) },
    { name: "bool", fn: (x) => t.pad(x, [1], [1], 1), inputs: [bool([1], [0])], expected: bool([3], [1, 0, 1]) },
  ],
  concat: [
    {
      name: "axis 1",
      fn: (a, b) => t.concat([a, b], 1),
      inputs: [f32([2, 1], [1, 2]), f32([2, 2], [3, 4, 5, 6])],
      expected: f32([2, 3], [1, 3, 4, 2, 5, 6]),
    },
    {
      name: "three along axis 0",
      fn: (a, b, c) => t.concat([a, b, c], 0),
      inputs: [f32([1, 2], [1, 2]), f32([1, 2], [3, 4]), f32([1, 2], [5, 6])],
      expected: f32([3, 2], [1, 2, 3, 4, 5, 6]),
    },
    {
      name: "axis -1, i32 promoted",
      fn: (a, b) => t.concat([a, b], -1),
      inputs: [i32([1], [7]), f32([2], [0.5, 1.5])],
      expected: f32([3], [7, 0.5, 1.5]),
    },
  ],
};
