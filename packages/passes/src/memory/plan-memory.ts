/**
 * Static memory planning: every intermediate value gets an offset in one arena, and values
 * whose live ranges do not intersect share space. Three placements compete: best-fit sweeps
 * forwards and backwards in time (always), and greedy-by-size (when the number of
 * intersecting live ranges is affordable); the smallest arena wins.
 *
 * With `inplace`, a kernel's store may also take the slot of a value dying at that kernel
 * (see kernel-reuse.ts): the two share one buffer, so their slots overlap at that one step,
 * by design. The plan without handovers competes too, so turning it on never grows the arena.
 */
import { AdjointError, type Graph } from "@adjoint/ir";
import type { ArenaSlot, Kernel, MemoryPlan } from "../plan/types";
import { computeLiveness, type Liveness } from "./liveness";
import { placeBySize, type Placement } from "./place-by-size";
import { placeBySweep } from "./place-by-sweep";
import { valueTable, type ValueTable } from "./values";
import { kernelReuse, type KernelReuse } from "./kernel-reuse";
import { mergeReuse } from "./merge-reuse";

/** Options of `planMemory`. */
export interface PlanMemoryOptions {
  /** Every offset is a multiple of this (bytes; a power of two). Default 256, WebGPU's minimum storage-buffer offset alignment. */
  readonly alignment?: number;
  /**
   * Greedy-by-size runs only when at most this many pairs of buffers have intersecting live
   * ranges (its cost is O(K log K) in that count: ~0.3 s for a million pairs on a 2-core
   * machine, where the sweeps take milliseconds). Default 1,000,000.
   */
  readonly pairBudget?: number;
  /** Use only this placement (greedy-by-size then ignores the budget). Default: the best of all. */
  readonly method?: PlacementMethod;
  /**
   * Let a store take the slot of a value that dies at its kernel (kernel-reuse.ts). Only for
   * backends whose kernels read each point's loads before writing that point
   * (`BackendCapabilities.inplace`). Default false.
   */
  readonly inplace?: boolean;
}

/** A memory plan that may hand slots over in place; `reuse` lists the handovers it applied. */
export interface ReusingMemoryPlan extends MemoryPlan {
  /** Handovers applied (empty when `inplace` was off or the plan without them was smaller). */
  readonly reuse: KernelReuse;
  /** The lower bound without handovers (equals `lowerBound` when none are applied). */
  readonly lowerBoundWithoutReuse: number;
}

/** Which placement produced a plan, for reports and benchmarks. */
export type PlacementMethod = "greedy-by-size" | "sweep" | "reverse-sweep";

/**
 * Plans the arena for `kernels` run in the given order. O(S + L) for liveness over S steps
 * and L loads, O(N·F) for the sweeps (N buffers, F free blocks), and O(K log K) for
 * greedy-by-size within its budget of K intersecting pairs.
 */
export function planMemory(graph: Graph, kernels: readonly Kernel[], options: PlanMemoryOptions = {}): ReusingMemoryPlan {
  return planMemoryDetailed(graph, kernels, options).plan;
}

/** `planMemory`, also returning the liveness it computed and the placement it chose. */
export function planMemoryDetailed(
  graph: Graph,
  kernels: readonly Kernel[],
  options: PlanMemoryOptions = {},
  table: ValueTable = valueTable(graph),
): { plan: ReusingMemoryPlan; liveness: Liveness; method: PlacementMethod } {
  const alignment = options.alignment ?? 256;
  if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) {
    throw new AdjointError(`planMemory: alignment must be a power of two, got ${alignment}`);
  }
  const liveness = computeLiveness(graph, kernels, table);
  const plain = placeBest(liveness, alignment, options);
  let chosen = { ...plain, live: liveness, bufferOf: undefined as Int32Array | undefined, reuse: NO_REUSE };
  if (options.inplace) {
    const lastOf = new Map<number, number>();
    liveness.values.forEach((v, i) => lastOf.set(v, liveness.last[i]));
    const reuse = kernelReuse(kernels, table, (v) => lastOf.get(v) ?? -1);
    if (reuse.pairs.length > 0) {
      const merged = mergeReuse(liveness, reuse.pairs);
      const placed = placeBest(merged.live, alignment, options);
      if (placed.placement.arenaBytes <= plain.placement.arenaBytes) chosen = { ...placed, live: merged.live, bufferOf: merged.bufferOf, reuse };
    }
  }

  const { placement, method, bufferOf } = chosen;
  const buffers = new Map<number, ArenaSlot>();
  liveness.values.forEach((value, i) => {
    buffers.set(value, {
      value,
      offset: placement.offsets[bufferOf ? bufferOf[i] : i],
      bytes: liveness.bytes[i],
      firstStep: liveness.first[i],
      lastStep: liveness.last[i],
    });
  });
  let inputBytes = 0;
  for (const input of graph.inputs) inputBytes += table.bytes[input.id];
  const plan: ReusingMemoryPlan = {
    buffers,
    arenaBytes: placement.arenaBytes,
    lowerBound: chosen.live.lowerBound,
    timeline: chosen.live.timeline,
    inputBytes,
    alignment,
    reuse: chosen.reuse,
    lowerBoundWithoutReuse: liveness.lowerBound,
  };
  return { plan, liveness, method };
}

const NO_REUSE: KernelReuse = { pairs: [], bytesSaved: 0 };

/** The smallest of the placements `options` allows for `live`. */
function placeBest(live: Liveness, alignment: number, options: PlanMemoryOptions): { placement: Placement; method: PlacementMethod } {
  const place = (m: PlacementMethod, budget: number): Placement | undefined =>
    m === "greedy-by-size" ? placeBySize(live, alignment, budget) : placeBySweep(live, alignment, m === "reverse-sweep");
  let method: PlacementMethod = options.method ?? "sweep";
  let placement = place(method, Infinity)!;
  if (!options.method) {
    // the sweeps always run (cheap); greedy-by-size, within its budget, when they miss the bound
    const consider = (m: PlacementMethod) => {
      const p = place(m, options.pairBudget ?? 1_000_000);
      if (p && p.arenaBytes < placement.arenaBytes) (placement = p), (method = m);
    };
    consider("reverse-sweep");
    if (placement.arenaBytes > live.lowerBound) consider("greedy-by-size");
  }
  return { placement, method };
}
