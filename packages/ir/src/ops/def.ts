import type { AttrSchema, AttrsOf } from "../attrs";
import type { T } from "../api";
import type { Tensor } from "../tensor";
import type { TensorType } from "../types";

/** What kind of computation an op is; passes (fusion, cost) key off this. */
export type OpClass = "source" | "elementwise" | "reduction" | "movement" | "contraction" | "index";

/** Estimated work of one node. */
export interface Cost {
  readonly flops: number;
  readonly bytes: number;
}

/**
 * Forward-mode rule: the output tangent given input tangents (`null` is a symbolic zero).
 * Written with the tensor API, so a rule is itself traced into IR ops.
 */
export type JvpRule<A> = (
  t: T,
  primals: readonly Tensor[],
  tangents: readonly (Tensor | null)[],
  attrs: A,
  out: Tensor,
) => Tensor | null;

/**
 * Transpose rule of a linear op: given the output cotangent, the cotangent of each linear
 * argument. `args[i]` is `undefined` exactly when argument i is the linear one(s);
 * the others are ordinary (non-linear) values the rule may read. Return `null` for
 * arguments that are not linear.
 */
export type TransposeRule<A> = (
  t: T,
  ct: Tensor,
  args: readonly (Tensor | undefined)[],
  argTypes: readonly TensorType[],
  attrs: A,
) => readonly (Tensor | null)[];

/**
 * A direct reverse-mode rule, for ops where JVP-then-transpose is awkward (custom rules):
 * the cotangent of each argument (`null` for none) given the output cotangent.
 */
export type VjpRule<A> = (
  t: T,
  primals: readonly Tensor[],
  ct: Tensor,
  attrs: A,
  out: Tensor,
) => readonly (Tensor | null)[];

interface OpDefCommon<S extends AttrSchema> {
  /** One line, shown by `--help`-style listings and in docs. */
  readonly summary: string;
  readonly attrs: S;
  /** Number of operands, or "variadic" (at least one). */
  readonly arity: number | "variadic";
  readonly class: OpClass;
  /** Result type from operand types and attributes; throws `InferError` with a bare reason. */
  readonly infer: (args: readonly TensorType[], attrs: AttrsOf<S>) => TensorType;
  /**
   * False for ops whose result is not a function of operands and attributes alone (random
   * numbers, writes): CSE and constant folding leave them alone. Default: pure.
   */
  readonly pure?: boolean;
  /** Flops per output element (elementwise / movement) or per input element (reduction). */
  readonly flopsPerElement: number;
  readonly jvp: JvpRule<AttrsOf<S>>;
  /** Optional: used by reverse mode instead of transposing the JVP. */
  readonly vjp?: VjpRule<AttrsOf<S>>;
}

/** Linear ops (in some argument) carry a transpose rule; reverse mode is JVP followed by transpose. */
type Linearity<S extends AttrSchema> =
  | { readonly linear: true; readonly transpose: TransposeRule<AttrsOf<S>> }
  | { readonly linear?: false };

/** Elementwise ops carry their scalar reference semantics. */
type Semantics =
  | { readonly class: "elementwise"; readonly scalar: (...xs: number[]) => number }
  | { readonly class: Exclude<OpClass, "elementwise"> };

/** The single definition of an op. */
export type OpDef<S extends AttrSchema = AttrSchema> = OpDefCommon<S> & Linearity<S> & Semantics;

/** Identity helper that keeps the literal attribute schema type of a definition. */
export function defineOp<const S extends AttrSchema>(def: OpDef<S>): OpDef<S> {
  return def;
}
