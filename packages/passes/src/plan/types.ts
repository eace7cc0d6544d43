/**
 * The data that flows from the optimiser to a backend: kernels (fused groups of nodes with
 * a small loop-nest description), their schedule, and a static memory plan.
 *
 *   Graph ──fuse──▶ KernelGraph ──schedule──▶ ──plan-memory──▶ Plan ──backend.lower──▶ Executable
 */
import type { Graph, Shape, ValueId } from "@adjoint/ir";

/**
 * How a kernel reads a materialised value. For a point `i` of the kernel's loop (domain
 * dims first, then reduce dims), the element read is `offset + Σ_d strides[d] * i[d]`.
 * Broadcasts are 0-strides; transposes, reshapes of contiguous data and slices fold into
 * strides and offset, so those movement nodes cost no kernel of their own.
 */
export interface Access {
  /** The materialised value read: a graph input, a constant, or another kernel's store. */
  readonly source: ValueId;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** What loop a kernel is and which members play which part. */
export type KernelLoop =
  /** One point per element of `domain`; every member is computed at every point. */
  | { readonly kind: "elementwise"; readonly domain: Shape }
  /**
   * Points of `domain` (the kept dims, in output order) times `reduce` (the reduced dims).
   * `prologue` members are computed per full point, `reducer` (reduce_sum / reduce_max)
   * folds them over `reduce`, and `epilogue` members run once per domain point. A stored
   * prologue member is written at every full point, at its own row-major index (the
   * reducer's input layout); horizontal fusion uses this to store per-point results (a
   * gradient) beside the reduction.
   */
  | {
      readonly kind: "reduce";
      readonly domain: Shape;
      readonly reduce: Shape;
      readonly prologue: readonly ValueId[];
      readonly reducer: ValueId;
      readonly epilogue: readonly ValueId[];
    }
  /**
   * `out[b, m, n] = Σ_k A[b, m, k] B[b, k, n]` over loop dims (...batch, m, n, k): the
   * accesses of `a` and `b` are strides over those dims (so transposed operands cost
   * nothing); `epilogue` members run per output point (bias, activation, residual).
   */
  | {
      readonly kind: "matmul";
      readonly batch: Shape;
      readonly m: number;
      readonly n: number;
      readonly k: number;
      readonly node: ValueId;
      readonly a: Access;
      readonly b: Access;
      readonly epilogue: readonly ValueId[];
    }
  /** A single node the backend runs with a dedicated routine (gather, scatter_add, concat, pad, ...). */
  | { readonly kind: "opaque"; readonly node: ValueId };

/** A group of nodes run as one dispatch. */
export interface Kernel {
  readonly id: number;
  readonly loop: KernelLoop;
  /** Member nodes computed in this kernel, in topological order. */
  readonly nodes: readonly ValueId[];
  /**
   * Values that members read from memory, keyed by the value id a member refers to. The key
   * may be a folded movement node (e.g. a broadcast) whose access reads its operand.
   */
  readonly loads: ReadonlyMap<ValueId, Access>;
  /** Values this kernel writes to memory: used by later kernels or graph outputs. */
  readonly stores: readonly ValueId[];
}

/** The fused form of a graph. `kernels` is in a valid dependency order. */
export interface KernelGraph {
  readonly graph: Graph;
  readonly kernels: readonly Kernel[];
}

/** One materialised value in the arena. */
export interface ArenaSlot {
  readonly value: ValueId;
  /** Byte offset in the arena (aligned). */
  readonly offset: number;
  readonly bytes: number;
  /** Steps (indices into the schedule) from the producing step to the last reading step. */
  readonly firstStep: number;
  readonly lastStep: number;
}

/** A static memory plan for a schedule. */
export interface MemoryPlan {
  /** Intermediate values (kernel stores that are not graph inputs), with arena offsets. */
  readonly buffers: ReadonlyMap<ValueId, ArenaSlot>;
  /** Size of the arena: the planned peak of intermediate bytes. */
  readonly arenaBytes: number;
  /** Largest sum of simultaneously live bytes at any step: no plan can do better. */
  readonly lowerBound: number;
  /** Live intermediate bytes after each step (for a memory-over-time plot). */
  readonly timeline: readonly number[];
  readonly inputBytes: number;
  readonly alignment: number;
}

/** Everything a backend needs to lower: kernels in schedule order and where values live. */
export interface Plan {
  readonly graph: Graph;
  /** Kernels in execution order. */
  readonly kernels: readonly Kernel[];
  readonly memory: MemoryPlan;
}
