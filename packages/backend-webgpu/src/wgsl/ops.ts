/**
 * How each op lowers to WGSL, in one table typed over every op: adding an op to the IR
 * without an entry here is a compile error. Elementwise ops are expression snippets with the
 * exact semantics of packages/ir/src/ops/elementwise.ts (max/min propagate NaN, sign keeps
 * NaN and -0, i32 division by zero gives 0, casts round like typed-array stores); the other
 * classes say which kernel routine runs them.
 */
import type { DType, Node, OpName } from "@adjoint/ir";
import { literal } from "./literals";
import type { HelperName } from "./prelude";

/** What a snippet gets: operand expressions and dtypes, the node, and the member's own flat index. */
export interface ScalarContext {
  readonly args: readonly string[];
  readonly argTypes: readonly DType[];
  readonly node: Node;
  /** u32 expression: the row-major index of this member's element at the current point. */
  readonly ownIndex: () => string;
  readonly use: (helper: HelperName) => void;
}

type Snippet = (c: ScalarContext) => string;

/** An op's lowering: a scalar snippet, or the routine (kernel kind) that runs it. */
export type Lowering =
  | { readonly kind: "scalar"; readonly emit: Snippet }
  /** Same elements in the same flat order: a member that passes its last operand on. */
  | { readonly kind: "identity" }
  | { readonly kind: "reduce"; readonly combine: "sum" | "max" }
  | { readonly kind: "matmul" }
  | { readonly kind: "opaque" };

/** `f32 ? f : i32` — ops written once per numeric dtype. */
const byType = (f32: Snippet, i32: Snippet): Snippet => (c) => (c.argTypes[0] === "f32" ? f32(c) : i32(c));
const helper = (name: HelperName): Snippet => (c) => (c.use(name), `${name}(${c.args.join(", ")})`);
const infix = (op: string): Snippet => (c) => `(${c.args[0]} ${op} ${c.args[1]})`;
/** Comparisons; bool operands compare as 0/1, since WGSL orders no bools. */
const compare = (op: string): Snippet => (c) => {
  const [a, b] = c.argTypes[0] === "bool" && op !== "==" ? c.args.map((x) => `u32(${x})`) : c.args;
  return op === "!=" ? `!(${a} == ${b})` : `(${a} ${op} ${b})`;
};

/** `x` of dtype `from` converted as a store into `to` would convert it. */
function castExpr(x: string, from: DType, to: DType, use: (h: HelperName) => void): string {
  if (from === to) return x;
  // NaN is true, as `v !== 0` in JS; `x != 0.0` may compile to an ordered compare, false for NaN
  if (to === "bool") return from === "f32" ? `!(${x} == 0.0)` : `(${x} != 0)`;
  if (from === "bool") return to === "f32" ? `select(0.0, 1.0, ${x})` : `select(0i, 1i, ${x})`;
  if (to === "f32") return `f32(${x})`;
  use("f32_to_i32");
  return `f32_to_i32(${x})`;
}

const s = (emit: Snippet): Lowering => ({ kind: "scalar", emit });

/** The lowering of every op. */
export const WGSL_OPS: { readonly [K in OpName]: Lowering } = {
  constant: { kind: "opaque" }, // lives in the constants buffer; readers load it
  full: s((c) => literal(c.node.type.dtype, c.node.attrs.value as number)),
  iota: s((c) => {
    const shape = c.node.attrs.shape as readonly number[];
    const rank = shape.length;
    const axis = (c.node.attrs.axis as number) < 0 ? (c.node.attrs.axis as number) + rank : (c.node.attrs.axis as number);
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const i = `(((${c.ownIndex()}) / ${inner}u) % ${shape[axis]}u)`;
    return c.node.type.dtype === "f32" ? `f32(${i})` : `i32(${i})`;
  }),

  neg: s((c) => `(-${c.args[0]})`),
  abs: s((c) => `abs(${c.args[0]})`),
  sign: s(byType((c) => `select(select(${c.args[0]}, -1.0, ${c.args[0]} < 0.0), 1.0, ${c.args[0]} > 0.0)`, (c) => `sign(${c.args[0]})`)),
  exp: s(helper("exp_f32")),
  log: s(helper("log_f32")),
  sin: s((c) => (c.use("reduce_2pi"), `sin(reduce_2pi(${c.args[0]}))`)),
  cos: s((c) => (c.use("reduce_2pi"), `cos(reduce_2pi(${c.args[0]}))`)),
  tanh: s(helper("tanh_f32")),
  sigmoid: s(helper("sigmoid_f32")),
  // NaN is kept and -0 becomes +0; the NaN test keeps drivers (NVIDIA) from folding this into max(a, 0)
  relu: s(byType((c) => (c.use("relu_f32"), `relu_f32(${c.args[0]})`), (c) => `max(${c.args[0]}, 0i)`)),
  sqrt: s(helper("sqrt_f32")),
  rsqrt: (() => {
    const sqrt = helper("sqrt_f32");
    return s((c) => `(1.0 / ${sqrt(c)})`);
  })(),
  reciprocal: s((c) => `(1.0 / ${c.args[0]})`),

  add: s(infix("+")),
  sub: s(infix("-")),
  mul: s(infix("*")),
  div: s(byType(helper("div_f32"), helper("div_i32"))),
  pow: s(helper("pow_f32")),
  max: s(byType(helper("max_f32"), (c) => `max(${c.args[0]}, ${c.args[1]})`)),
  min: s(byType(helper("min_f32"), (c) => `min(${c.args[0]}, ${c.args[1]})`)),

  eq: s(compare("==")),
  ne: s(compare("!=")),
  lt: s(compare("<")),
  le: s(compare("<=")),
  gt: s(compare(">")),
  ge: s(compare(">=")),
  where: s((c) => `select(${c.args[2]}, ${c.args[1]}, ${c.args[0]})`),
  cast: s((c) => castExpr(c.args[0], c.argTypes[0], c.node.type.dtype, c.use)),
  stop_gradient: { kind: "identity" },

  reduce_sum: { kind: "reduce", combine: "sum" },
  reduce_max: { kind: "reduce", combine: "max" },

  broadcast: { kind: "opaque" },
  reshape: { kind: "identity" },
  transpose: { kind: "opaque" },
  slice: { kind: "opaque" },
  pad: { kind: "opaque" },
  concat: { kind: "opaque" },
  matmul: { kind: "matmul" },
  gather: { kind: "opaque" },
  scatter_add: { kind: "opaque" },
  custom_vjp: { kind: "identity" },
};

/** The combining expression of a reduction on `dtype`. */
export function combineExpr(combine: "sum" | "max", dtype: DType, acc: string, v: string, use: (h: HelperName) => void): string {
  if (combine === "sum") return `${acc} + ${v}`;
  if (dtype === "f32") {
    use("max_f32");
    return `max_f32(${acc}, ${v})`;
  }
  return `max(${acc}, ${v})`;
}
