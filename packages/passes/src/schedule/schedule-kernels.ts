/**
 * The schedule pass: a topological order of kernels chosen for a low peak of live bytes.
 * Several cheap strategies each propose an order; the one whose peak is lowest wins (the
 * given order on ties), so scheduling never makes the peak worse than the given order.
 */
import { AdjointError } from "@adjoint/ir";
import type { Kernel, KernelGraph } from "../plan/types";
import { isRecomputeKernel, valueTable, type ValueTable } from "../memory/values";
import { kernelDependencies, peakOfOrder, type KernelDeps } from "./dependencies";
import { greedyOrder } from "./greedy";
import { lazyOrder } from "./lazy";

/**
 * - `naive`: the given order.
 * - `greedy`: list scheduling by bytes freed − bytes allocated.
 * - `lazy`: the given order, with recompute kernels and kernels that read no arena value
 *   pulled in only when a consumer needs them.
 * - `lazy-all`: like `lazy`, also deferring every kernel that frees nothing where it stands.
 * - `best` (default): all of the above; the lowest peak wins.
 */
export type ScheduleStrategy = "naive" | "greedy" | "lazy" | "lazy-all" | "best";

/** Options of `scheduleKernels`. */
export interface ScheduleOptions {
  readonly strategy?: ScheduleStrategy;
}

/** An order of kernels and the peak live bytes it reaches (the lower bound of any memory plan for it). */
export interface Schedule {
  readonly kernels: readonly Kernel[];
  /** Peak live bytes of the given order. */
  readonly naivePeak: number;
  /** Peak live bytes of the returned order. */
  readonly peak: number;
  /** The strategy whose order was returned. */
  readonly strategy: Exclude<ScheduleStrategy, "best">;
  /** Peak of every strategy tried, for reports. */
  readonly tried: Readonly<Partial<Record<Exclude<ScheduleStrategy, "best">, number>>>;
}

const STRATEGIES = ["naive", "greedy", "lazy", "lazy-all"] as const;
type Concrete = (typeof STRATEGIES)[number];

/** Orders of each concrete strategy, as indices into the given kernel list. */
function orderFor(strategy: Concrete, kernels: readonly Kernel[], deps: KernelDeps, table: ValueTable): number[] {
  switch (strategy) {
    case "naive":
      return kernels.map((_, i) => i);
    case "greedy":
      return greedyOrder(deps, table);
    case "lazy":
      return lazyOrder(deps, (i) => readsNoArenaValue(deps, i) || isRecomputeKernel(kernels[i], table));
    case "lazy-all": {
      const freesSomething = lastReaders(deps, table);
      return lazyOrder(deps, (i) => !freesSomething[i] || isRecomputeKernel(kernels[i], table));
    }
  }
}

const readsNoArenaValue = (deps: KernelDeps, i: number) => deps.readStart[i] === deps.readStart[i + 1];

/** 1 for each kernel that, in the given order, is the last reader of some non-output value. */
function lastReaders(deps: KernelDeps, table: ValueTable): Uint8Array {
  const lastReader = new Int32Array(table.bytes.length).fill(-1);
  for (let i = 0; i < deps.count; i++) for (let e = deps.readStart[i]; e < deps.readStart[i + 1]; e++) lastReader[deps.readValues[e]] = i;
  const frees = new Uint8Array(deps.count);
  lastReader.forEach((k, v) => k >= 0 && !table.isOutput[v] && (frees[k] = 1));
  return frees;
}

/**
 * Orders the kernels of `kg` for a low memory peak without breaking a dependency. Each
 * strategy costs O((kernels + loads) · log kernels) at most, and so does measuring its peak.
 */
export function scheduleKernels(kg: KernelGraph, options: ScheduleOptions = {}): Schedule {
  const strategy = options.strategy ?? "best";
  if (strategy !== "best" && !(STRATEGIES as readonly string[]).includes(strategy)) {
    throw new AdjointError(`scheduleKernels: unknown strategy "${strategy}"; use ${[...STRATEGIES, "best"].join(", ")}`);
  }
  const table = valueTable(kg.graph);
  const deps = kernelDependencies(kg.kernels, table);
  const naivePeak = peakOfOrder(deps, kg.kernels.map((_, i) => i), table);
  const candidates = strategy === "best" ? STRATEGIES : (["naive", strategy] as const);
  let best: { kernels: readonly Kernel[]; peak: number; strategy: Concrete } = { kernels: kg.kernels, peak: naivePeak, strategy: "naive" };
  const tried: Partial<Record<Concrete, number>> = { naive: naivePeak };
  for (const s of candidates) {
    if (s === "naive") continue;
    const order = orderFor(s, kg.kernels, deps, table);
    if (order.length !== kg.kernels.length) throw new AdjointError(`scheduleKernels: the ${s} order lost kernels (a dependency cycle?)`);
    const peak = peakOfOrder(deps, order, table);
    const kernels = order.map((i) => kg.kernels[i]);
    tried[s] = peak;
    // a strategy asked for by name is returned even if it is worse; `best` keeps the lowest
    if (strategy !== "best" || peak < best.peak) best = { kernels, peak, strategy: s };
  }
  return { ...best, naivePeak, tried };
}
