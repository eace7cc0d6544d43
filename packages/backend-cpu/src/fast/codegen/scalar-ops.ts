import type { DType, OpName } from "@adjoint/ir";

/** Ops that are not elementwise; every other op must have a snippet below. */
type NonElementwiseOp =
  | "constant" | "full" | "iota"
  | "reduce_sum" | "reduce_max"
  | "broadcast" | "reshape" | "transpose" | "slice" | "pad" | "concat"
  | "matmul" | "gather" | "scatter_add" | "custom_vjp";

/** The elementwise ops. A new op lands here by default, so forgetting its snippet is a compile error. */
export type ElementwiseOpName = Exclude<OpName, NonElementwiseOp>;

/**
 * A JavaScript expression computing one elementwise op in doubles from operand expressions
 * (plain identifiers, so repeating one costs nothing). The result is rounded to the node's
 * dtype by `storeRounding`, exactly as the interpreter's typed-array store rounds it.
 */
export type Snippet = (args: readonly string[]) => string;

const call = (fn: string): Snippet => ([a]) => `${fn}(${a})`;
const infix = (op: string): Snippet => ([a, b]) => `(${a} ${op} ${b})`;
const compare = (op: string): Snippet => ([a, b]) => `(${a} ${op} ${b} ? 1 : 0)`;

/**
 * Each op's scalar semantics, restated from packages/ir/src/ops/elementwise.ts as source text
 * (a test checks every snippet against the op's `scalar` on special values: NaN, ±0, ±Inf).
 */
export const scalarSnippets: { readonly [K in ElementwiseOpName]: Snippet } = {
  neg: ([a]) => `(-${a})`,
  abs: call("Math.abs"),
  sign: ([a]) => `(${a} > 0 ? 1 : ${a} < 0 ? -1 : ${a})`, // keeps NaN and -0
  exp: call("Math.exp"),
  log: call("Math.log"),
  sin: call("Math.sin"),
  cos: call("Math.cos"),
  tanh: call("Math.tanh"),
  sigmoid: ([a]) => `(${a} >= 0 ? 1 / (1 + Math.exp(-${a})) : Math.exp(${a}) / (1 + Math.exp(${a})))`,
  relu: ([a]) => `(${a} > 0 ? ${a} : ${a} === 0 || ${a} < 0 ? 0 : ${a})`, // -0 → +0, NaN stays
  sqrt: call("Math.sqrt"),
  rsqrt: ([a]) => `(1 / Math.sqrt(${a}))`,
  reciprocal: ([a]) => `(1 / ${a})`,
  add: infix("+"),
  sub: infix("-"),
  mul: infix("*"),
  div: infix("/"),
  pow: ([a, b]) => `Math.pow(${a}, ${b})`,
  max: ([a, b]) => `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} > ${b} ? ${a} : ${b})`,
  min: ([a, b]) => `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} < ${b} ? ${a} : ${b})`,
  eq: compare("==="),
  ne: compare("!=="),
  lt: compare("<"),
  le: compare("<="),
  gt: compare(">"),
  ge: compare(">="),
  where: ([c, a, b]) => `(${c} ? ${a} : ${b})`,
  cast: ([a]) => a, // the store rounding converts
  stop_gradient: ([a]) => a,
};

/** True for the ops in `scalarSnippets`. */
export const isElementwiseOp = (op: string): op is ElementwiseOpName => Object.hasOwn(scalarSnippets, op);

/** Ops whose result is already exactly 0 or 1, so a bool store needs no test. */
const ZERO_ONE = new Set<string>(["eq", "ne", "lt", "le", "gt", "ge"]);

/**
 * Wraps a double expression in the rounding its dtype's typed-array store applies:
 * f32 → Math.fround, i32 → ToInt32 (`| 0`), bool → `v !== 0` (NaN is true).
 */
export function storeRounding(expr: string, dtype: DType, op?: string): string {
  switch (dtype) {
    case "f32":
      return `Math.fround(${expr})`;
    case "i32":
      return `(${expr} | 0)`;
    case "bool":
      return op !== undefined && ZERO_ONE.has(op) ? expr : `(${expr} !== 0 ? 1 : 0)`;
  }
}
