import { t, type HostTensor, type Tensor } from "@adjoint/ir";
import { bool, f32, i32, type OpCase, type OpCases } from "./case";

const { PI } = Math;

const unary = (name: string, fn: (x: Tensor) => Tensor, x: HostTensor, expected: HostTensor): OpCase =>
  ({ name, fn, inputs: [x], expected });
const binary = (name: string, fn: (x: Tensor, y: Tensor) => Tensor, x: HostTensor, y: HostTensor, expected: HostTensor): OpCase =>
  ({ name, fn, inputs: [x, y], expected });

// Shared comparison operands: x = [1, 2, 3, NaN], y = [2, 2, 2, NaN]
const cx = f32([4], [1, 2, 3, NaN]);
const cy = f32([4], [2, 2, 2, NaN]);
const ix = i32([3], [-1, 5, 7]);
const iy = i32([3], [5, 5, 5]);

type Elementwise =
  | "neg" | "abs" | "sign" | "exp" | "log" | "sin" | "cos" | "tanh" | "sigmoid" | "relu" | "sqrt" | "rsqrt"
  | "reciprocal" | "add" | "sub" | "mul" | "div" | "pow" | "max" | "min"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "where" | "cast" | "stop_gradient";

/** Hand-computed examples of the elementwise ops (broadcasting goes through the tracer). */
export const elementwiseCases: OpCases<Elementwise> = {
  neg: [
    unary("f32", t.neg, f32([3], [1, -2.5, 0]), f32([3], [-1, 2.5, -0])),
    unary("i32", t.neg, i32([2], [3, -4]), i32([2], [-3, 4])),
  ],
  abs: [
    unary("f32", t.abs, f32([3], [-1.5, 2, 0]), f32([3], [1.5, 2, 0])),
    unary("i32", t.abs, i32([2], [-3, 3]), i32([2], [3, 3])),
  ],
  sign: [
    unary("f32 keeps NaN", t.sign, f32([4], [-2, 0, 3.5, NaN]), f32([4], [-1, 0, 1, NaN])),
    unary("i32", t.sign, i32([3], [-5, 0, 7]), i32([3], [-1, 0, 1])),
  ],
  exp: [unary("f32", t.exp, f32([3], [0, 1, -1]), f32([3], [1, 2.718281828459045, 0.36787944117144233]))],
  log: [unary("f32", t.log, f32([4], [1, 0, 4, -1]), f32([4], [0, -Infinity, 1.3862943611198906, NaN]))],
  sin: [unary("f32", t.sin, f32([3], [0, PI / 2, PI / 6]), f32([3], [0, 1, 0.5]))],
  cos: [unary("f32", t.cos, f32([3], [0, PI / 3, PI]), f32([3], [1, 0.5, -1]))],
  tanh: [unary("f32", t.tanh, f32([4], [0, 1, -1, 100]), f32([4], [0, 0.7615941559557649, -0.7615941559557649, 1]))],
  sigmoid: [
    unary("f32, both tails", t.sigmoid, f32([5], [0, 2, -2, 100, -20]), f32([5], [0.5, 0.8807970779778823, 0.11920292202211755, 1, 2.0611536181902037e-9])),
    unary("i32 is promoted to f32", t.sigmoid, i32([1], [0]), f32([1], [0.5])),
  ],
  relu: [
    unary("f32", t.relu, f32([4], [-1, 0, 2.5, NaN]), f32([4], [0, 0, 2.5, NaN])),
    unary("i32", t.relu, i32([2], [-3, 4]), i32([2], [0, 4])),
  ],
  sqrt: [unary("f32", t.sqrt, f32([4], [4, 2, 0, -1]), f32([4], [2, 1.4142135623730951, 0, NaN]))],
  rsqrt: [unary("f32", t.rsqrt, f32([3], [4, 0.25, 0]), f32([3], [0.5, 2, Infinity]))],
  reciprocal: [unary("f32", t.reciprocal, f32([3], [2, -4, 0]), f32([3], [0.5, -0.25, Infinity]))],
  add: [
    binary("broadcast [2,3] + [3]", t.add, f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3], [10, 20, 30]), f32([2, 3], [11, 22, 33, 14, 25, 36])),
    binary("i32", t.add, ix, iy, i32([3], [4, 10, 12])),
    { name: "plain number", fn: (x) => t.add(x, 0.5), inputs: [f32([2], [1, 2])], expected: f32([2], [1.5, 2.5]) },
  ],
  sub: [
    binary("broadcast [2,1] - [3]", t.sub, f32([2, 1], [1, 2]), f32([3], [1, 2, 3]), f32([2, 3], [0, -1, -2, 1, 0, -1])),
    binary("i32", t.sub, ix, iy, i32([3], [-6, 0, 2])),
  ],
  mul: [
    binary("broadcast [2,2] * [2,1]", t.mul, f32([2, 2], [1, 2, 3, 4]), f32([2, 1], [2, 3]), f32([2, 2], [2, 4, 9, 12])),
    binary("i32", t.mul, ix, iy, i32([3], [-5, 25, 35])),
  ],
  div: [
    binary("f32", t.div, f32([3], [1, -3, 1]), f32([3], [2, 2, 0]), f32([3], [0.5, -1.5, Infinity])),
    binary("i32 truncates toward zero", t.div, i32([4], [7, -7, 7, -7]), i32([4], [2, 2, -2, -2]), i32([4], [3, -3, -3, 3])),
  ],
  pow: [binary("f32", t.pow, f32([4], [2, 4, 9, -8]), f32([4], [3, 0.5, -1, 1 / 3]), f32([4], [8, 2, 1 / 9, NaN]))],
  max: [
    binary("NaN propagates", t.maximum, f32([4], [1, 5, NaN, 2]), f32([4], [3, 2, 1, NaN]), f32([4], [3, 5, NaN, NaN])),
    binary("i32", t.maximum, ix, iy, i32([3], [5, 5, 7])),
  ],
  min: [
    binary("NaN propagates", t.minimum, f32([4], [1, 5, NaN, 2]), f32([4], [3, 2, 1, NaN]), f32([4], [1, 2, NaN, NaN])),
    binary("i32", t.minimum, ix, iy, i32([3], [-1, 5, 5])),
  ],
  eq: [binary("f32, NaN unequal", t.eq, cx, cy, bool([4], [0, 1, 0, 0])), binary("i32", t.eq, ix, iy, bool([3], [0, 1, 0]))],
  ne: [binary("f32, NaN unequal", t.ne, cx, cy, bool([4], [1, 0, 1, 1])), binary("i32", t.ne, ix, iy, bool([3], [1, 0, 1]))],
  lt: [binary("f32", t.lt, cx, cy, bool([4], [1, 0, 0, 0])), binary("i32", t.lt, ix, iy, bool([3], [1, 0, 0]))],
  le: [binary("f32", t.le, cx, cy, bool([4], [1, 1, 0, 0])), binary("i32", t.le, ix, iy, bool([3], [1, 1, 0]))],
  gt: [binary("f32", t.gt, cx, cy, bool([4], [0, 0, 1, 0])), binary("i32", t.gt, ix, iy, bool([3], [0, 0, 1]))],
  ge: [
    binary("f32", t.ge, cx, cy, bool([4], [0, 1, 1, 0])),
    { name: "broadcast number", fn: (x) => t.ge(x, 2), inputs: [i32([2, 2], [1, 2, 3, 0])], expected: bool([2, 2], [0, 1, 1, 0]) },
  ],
  where: [
    {
      name: "bool input",
      fn: (c, a, b) => t.where(c, a, b),
      inputs: [bool([3], [1, 0, 1]), f32([3], [1, 2, 3]), f32([3], [10, 20, 30])],
      expected: f32([3], [1, 20, 3]),
    },
    { name: "from a comparison, broadcast 0", fn: (x) => t.where(t.gt(x, 0), x, 0), inputs: [f32([2, 2], [-1, 2, 3, -4])], expected: f32([2, 2], [0, 2, 3, 0]) },
    {
      name: "bool values, cond broadcast [2,1]",
      fn: (c, a, b) => t.where(c, a, b),
      inputs: [bool([2, 1], [1, 0]), bool([2, 2], [1, 0, 1, 0]), bool([2, 2], [0, 0, 1, 1])],
      expected: bool([2, 2], [1, 0, 1, 1]),
    },
  ],
  cast: [
    unary("f32 → i32 truncates toward zero", (x) => t.cast(x, "i32"), f32([5], [1.7, -1.7, 2.5, -0.5, 3]), i32([5], [1, -1, 2, 0, 3])),
    unary("f32 → bool is v !== 0 (NaN true)", (x) => t.cast(x, "bool"), f32([6], [0, -0, 0.5, NaN, -3, 256]), bool([6], [0, 0, 1, 1, 1, 1])),
    unary("i32 → f32 rounds to f32", (x) => t.cast(x, "f32"), i32([2], [16777217, -3]), f32([2], [16777216, -3])),
    unary("i32 → bool", (x) => t.cast(x, "bool"), i32([3], [0, 5, -1]), bool([3], [0, 1, 1])),
    unary("bool → f32", (x) => t.cast(x, "f32"), bool([2], [1, 0]), f32([2], [1, 0])),
    unary("bool → i32", (x) => t.cast(x, "i32"), bool([2], [0, 1]), i32([2], [0, 1])),
  ],
  stop_gradient: [
    unary("identity", t.stopGradient, f32([2], [1, -2]), f32([2], [1, -2])),
    unary("bool", t.stopGradient, bool([2], [1, 0]), bool([2], [1, 0])),
  ],
};
