import { AdjointError, opDef, type HostTensor, type OpName } from "@adjoint/ir";
import { writeValues, type Storage } from "../storage";
import type { Kernel, KernelTable } from "./kernel";

type Scalar = (...xs: number[]) => number;

/** The op's own scalar reference semantics: the interpreter never restates what an op computes. */
function scalarOf(op: OpName): Scalar {
  const def = opDef(op);
  if (def.class !== "elementwise") throw new AdjointError(`${op} is a ${def.class} op, not elementwise`, op);
  return def.scalar;
}

/**
 * Applies `f` to operands of one shape. `infer` makes elementwise operands agree exactly
 * (the tracer inserts explicit `broadcast` nodes), so no broadcasting path is needed here.
 * Loops are unrolled by arity to avoid a spread per element.
 */
function mapInto(f: Scalar, dst: Storage, args: readonly HostTensor[]): void {
  const n = dst.length;
  const [a, b, c] = args.map((x) => x.data);
  switch (args.length) {
    case 1:
      for (let i = 0; i < n; i++) dst[i] = f(a[i]);
      return;
    case 2:
      for (let i = 0; i < n; i++) dst[i] = f(a[i], b[i]);
      return;
    case 3:
      for (let i = 0; i < n; i++) dst[i] = f(a[i], b[i], c[i]);
      return;
    default:
      throw new AdjointError(`elementwise kernels take 1 to 3 operands, got ${args.length}`);
  }
}

/** The kernel of an elementwise op: its `scalar` per element, rounded by the store into `out`. */
function elementwise<K extends OpName>(op: K): Kernel<K> {
  const f = scalarOf(op);
  return (out, args) => {
    if (out.dtype !== "bool") return mapInto(f, out.data, args);
    // A Uint8Array store wraps (256 → 0); bool must be `v !== 0`, so compute in doubles first.
    const wide = new Float64Array(out.data.length);
    mapInto(f, wide, args);
    writeValues(out.data, "bool", wide);
  };
}

type ElementwiseOp =
  | "neg" | "abs" | "sign" | "exp" | "log" | "sin" | "cos" | "tanh" | "sigmoid" | "relu" | "sqrt" | "rsqrt"
  | "reciprocal" | "add" | "sub" | "mul" | "div" | "pow" | "max" | "min"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "where" | "cast" | "stop_gradient";

/** Kernels of every elementwise op; `cast` needs nothing more, since its store converts the dtype. */
export const elementwiseKernels: KernelTable<ElementwiseOp> = {
  neg: elementwise("neg"),
  abs: elementwise("abs"),
  sign: elementwise("sign"),
  exp: elementwise("exp"),
  log: elementwise("log"),
  sin: elementwise("sin"),
  cos: elementwise("cos"),
  tanh: elementwise("tanh"),
  sigmoid: elementwise("sigmoid"),
  relu: elementwise("relu"),
  sqrt: elementwise("sqrt"),
  rsqrt: elementwise("rsqrt"),
  reciprocal: elementwise("reciprocal"),
  add: elementwise("add"),
  sub: elementwise("sub"),
  mul: elementwise("mul"),
  div: elementwise("div"),
  pow: elementwise("pow"),
  max: elementwise("max"),
  min: elementwise("min"),
  eq: elementwise("eq"),
  ne: elementwise("ne"),
  lt: elementwise("lt"),
  le: elementwise("le"),
  gt: elementwise("gt"),
  ge: elementwise("ge"),
  where: elementwise("where"),
  cast: elementwise("cast"),
  stop_gradient: elementwise("stop_gradient"),
};
