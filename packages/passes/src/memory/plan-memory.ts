/**
 * Static memory planning: every intermediate value gets an offset in one arena, and values
 * whose live ranges do not intersect share space. Three placements compete: best-fit sweeps
 * forwards and backwards in time (always), and greedy-by-size (when the number of
 * intersecting live ranges is affordable); the smallest arena wins.
 */
import { AdjointError, type Graph } from "@adjoint/ir";
import type { ArenaSlot, Kernel, MemoryPlan } from "../plan/types";
import { computeLiveness, type Liveness } from "./liveness";
import { placeBySize, type Placement } from "./place-by-size";
import { placeBySweep } from "./place-by-sweep";
import { valueTable, type ValueTable } from "./values";

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
}

/** Which placement produced a plan, for reports and benchmarks. */
export type PlacementMethod = "greedy-by-size" | "sweep" | "reverse-sweep";

/**
 * Plans the arena for `kernels` run in the given order. O(S + L) for liveness over S steps
 * and L loads, O(N·F) for the sweeps (N buffers, F free blocks), and O(K log K) for
 * greedy-by-size within its budget of K intersecting pairs.
 */
export function planMemory(graph: Graph, kernels: readonly Kernel[], options: PlanMemoryOptions = {}): MemoryPlan {
  return planMemoryDetailed(graph, kernels, options).plan;
}

/** `planMemory`, also returning the liveness it computed and the placement it chose. */
export function planMemoryDetailed(
  graph: Graph,
  kernels: readonly Kernel[],
  options: PlanMemoryOptions = {},
  table: ValueTable = valueTable(graph),
): { plan: MemoryPlan; liveness: Liveness; method: PlacementMethod } {
  const alignment = options.alignment ?? 256;
  if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) {
    throw new AdjointError(`planMemory: alignment must be a power of two, got ${alignment}`);
  }
  const liveness = computeLiveness(graph, kernels, table);
  const place = (m: PlacementMethod, budget: number): Placement | undefined =>
    m === "greedy-by-size" ? placeBySize(liveness, alignment, budget) : placeBySweep(liveness, alignment, m === "reverse-sweep");
  let method: PlacementMethod = options.method ?? "sweep";
  let placement = place(method, Infinity)!;
  if (!options.method) {
    // the sweeps always run (cheap); greedy-by-size, within its budget, when they miss the bound
    const consider = (m: PlacementMethod) => {
      const p = place(m, options.pairBudget ?? 1_000_000);
      if (p && p.arenaBytes < placement.arenaBytes) (placement = p), (method = m);
    };
    consider("reverse-sweep");
    if (placement.arenaBytes > liveness.lowerBound) consider("greedy-by-size");
  }

  const buffers = new Map<number, ArenaSlot>();
  liveness.values.forEach((value, i) => {
    buffers.set(value, {
      value,
      offset: placement.offsets[i],
      bytes: liveness.bytes[i],
      firstStep: liveness.first[i],
      lastStep: liveness.last[i],
    });
  });
  let inputBytes = 0;
  for (const input of graph.inputs) inputBytes += table.bytes[input.id];
  const plan: MemoryPlan = {
    buffers,
    arenaBytes: placement.arenaBytes,
    lowerBound: liveness.lowerBound,
    timeline: liveness.timeline,
    inputBytes,
    alignment,
  };
  return { plan, liveness, method };
}
