/**
 * Kernel fusion: groups the nodes of a graph into kernels (docs/fusion.md).
 *
 *   group (one topological pass) ─▶ split (maxBuffers) ─▶ recompute (cost rule) ─▶ build
 *     ─▶ merge horizontally (elementwise work sharing a reduction's prologue joins it)
 */
import { AdjointError, type Graph, type ValueId } from "@adjoint/ir";
import type { KernelGraph } from "../plan/types";
import { buildKernels } from "./build";
import { fuseContext } from "./context";
import { groupNodes } from "./group";
import { mergeHorizontally } from "./horizontal";
import { recomputeCheapValues } from "./recompute";
import { splitGroups } from "./split";

/** Options of `fuseKernels`. */
export interface FuseOptions {
  /** Group nodes into fused kernels (default true); false: one kernel per node. */
  readonly fuse?: boolean;
  /** Most buffers (distinct load sources + stores) one kernel may use; default unlimited (WebGPU: 8). */
  readonly maxBuffers?: number;
  /** Values that must be stored (checkpointed values), besides the graph outputs. */
  readonly materialize?: ReadonlySet<ValueId>;
}

/**
 * Groups `graph` into kernels: elementwise chains, reductions with their prologue and
 * epilogue, matmuls with an elementwise epilogue; movement ops fold into strided loads.
 * Graph outputs and `materialize` values are always stored. Near-linear and iterative.
 */
export function fuseKernels(graph: Graph, opts: FuseOptions = {}): KernelGraph {
  const maxBuffers = opts.maxBuffers ?? Infinity;
  if (!(maxBuffers === Infinity || (Number.isInteger(maxBuffers) && maxBuffers >= 1))) {
    throw new AdjointError(`fuseKernels: maxBuffers must be a positive integer or Infinity, got ${maxBuffers}`);
  }
  const ctx = fuseContext(graph, opts.fuse ?? true, maxBuffers, opts.materialize ?? new Set());
  const grouping = groupNodes(ctx);
  const chunking = splitGroups(ctx, grouping);
  if (ctx.fused) recomputeCheapValues(ctx, grouping, chunking);
  return { graph, kernels: mergeHorizontally(ctx, buildKernels(ctx, grouping, chunking)) };
}
