/** Core IR data types. Everything here is plain data, frozen once built. */

/** Element types. Adding `f16` means one entry here and in `DTYPE_BYTES`. */
export type DType = "f32" | "i32" | "bool";
export const DTYPES: readonly DType[] = ["f32", "i32", "bool"];
export const DTYPE_BYTES: Readonly<Record<DType, number>> = { f32: 4, i32: 4, bool: 1 };

export type Shape = readonly number[];

/** The static type of a value: element type and shape. */
export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

/** SSA value id, printed as `%12`. Unique across a graph's inputs and nodes. */
export type ValueId = number;

/** Why a node exists when it was not written by the user directly. */
export type OriginKind = "grad" | "tangent" | "recompute";

/** Where a node came from: the user's file:line, and for derived nodes the node they derive from. */
export interface SourceLoc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Set on backward, tangent and recompute nodes: the forward node they come from. */
  readonly origin?: { readonly kind: OriginKind; readonly of: ValueId };
}

export const UNKNOWN_LOC: SourceLoc = Object.freeze({ file: "unknown", line: 0, col: 0 });

/** An attribute value: numbers, lists of numbers, booleans, dtypes or strings. */
export type AttrValue = number | readonly number[] | boolean | string;

/** Facts about a node that are not part of its computation. */
export interface NodeTags {
  /**
   * An in-place write (`x.addInPlace(y)`): this node is the next version of value `writes`
   * and takes over its buffer. The IR stays functional; the in-place pass checks safety.
   */
  readonly writes?: ValueId;
  /** Inside a `checkpoint(f)` region: recomputed for the backward pass instead of saved. */
  readonly region?: number;
}

/** One SSA node. `attrs` is typed per op (see `OpAttrs`). */
export interface Node {
  readonly id: ValueId;
  readonly op: string;
  readonly args: readonly ValueId[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly type: TensorType;
  readonly loc: SourceLoc;
  readonly tags?: NodeTags;
}

/** A graph input (a function argument). */
export interface GraphInput {
  readonly id: ValueId;
  readonly name: string;
  readonly type: TensorType;
  readonly loc: SourceLoc;
}

/**
 * A static dataflow graph in SSA form. Nodes are listed in a valid topological order;
 * every arg refers to an input or an earlier node.
 */
export interface Graph {
  readonly name: string;
  readonly inputs: readonly GraphInput[];
  readonly nodes: readonly Node[];
  readonly outputs: readonly ValueId[];
}

/** A concrete tensor on the host. */
export interface HostTensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array;
}
