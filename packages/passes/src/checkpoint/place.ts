/** The checkpoint pass: policy in, joint graph with recompute nodes out. */
import { AdjointError, type Graph } from "@adjoint/ir";
import type { Pass } from "../pass";
import { fitBudget, measure, type Candidate, type PeakOf } from "./budget";
import { plannedPeak, type PlannedPeakOptions } from "./planned-peak";
import { analyzeJoint } from "./joint";
import { liveBytesPeak } from "./live-bytes";
import { recomputeAllEstimate, recomputeAllPlan, revolvePlan, revolvePlanner, saveAllPlan, sqrtPlan } from "./plans";
import { forwardStages } from "./stages";

/**
 * Which forward values the backward pass keeps: all, ~√N segments, only inputs, what a byte
 * budget allows, or Revolve's schedule with a given number of snapshot slots (the inputs'
 * slot included), which recomputes t(N, s) stages of an N-stage chain.
 */
export type CheckpointPolicy = "none" | "sqrt" | "all" | BudgetPolicy | { readonly revolveSlots: number };

/**
 * A byte budget. `peak` says what must fit: `"live"` (default) the node-order live bytes of
 * intermediates (`liveBytesPeak`); `"planned"` the arena of the fused, scheduled, planned
 * graph, the peak a compiled executable reports (graph outputs included), with the compile
 * settings in `CheckpointOptions.plan`.
 */
export interface BudgetPolicy {
  readonly budgetBytes: number;
  readonly peak?: "live" | "planned";
}

/** Settings of `placeCheckpoints`. */
export interface CheckpointOptions {
  /** Refuse plans that add more recompute nodes than this (default 4,000,000): `"all"` is quadratic. */
  readonly maxRecomputeNodes?: number;
  /** Fusion and planning settings for budgets with `peak: "planned"` (the backend's, in `compile`). */
  readonly plan?: PlannedPeakOptions;
}

/** What checkpointing did to a graph. */
export interface CheckpointReport {
  /** The plan used: `none`, `sqrt`, `all`, `revolve`, `revolve-carry` or `greedy` (budgets pick among them). */
  readonly plan: string;
  /** Revolve's snapshot slots, the inputs' slot included (for the Revolve plans). */
  readonly slots?: number;
  /** Forward stages found (the chain the plans work on). */
  readonly stages: number;
  readonly recomputeNodes: number;
  readonly recomputeFlops: number;
  /** Flops of one forward pass, for `recomputeFlops / forwardFlops`. */
  readonly forwardFlops: number;
  /** Peak of the result, and of the graph as given, by `peakMeasure`. */
  readonly peakBytes: number;
  readonly peakBytesBefore: number;
  /** `live`: `liveBytesPeak`; `planned`: the planned arena (budgets with `peak: "planned"`). */
  readonly peakMeasure: "live" | "planned";
}

/** Planned budgets skip the save-set search above this many nodes (each of its steps plans every neighbour). */
const PLANNED_GREEDY_MAX_NODES = 300;

const DEFAULT_MAX_RECOMPUTE_NODES = 4_000_000;

/**
 * Decides which forward values of the joint graph `g` the backward pass keeps and which it
 * recomputes, inserting recompute nodes (origin `recompute of %N`) just before their first
 * backward reader. `"none"` gives `g` itself back unless `checkpoint(f)` regions ask for
 * recomputation. Gradients are unchanged bit for bit: clones run the same ops on the same values.
 */
export function placeCheckpoints(g: Graph, policy: CheckpointPolicy, opts: CheckpointOptions = {}): Graph {
  return placeCheckpointsWithReport(g, policy, opts).graph;
}

/** `placeCheckpoints`, plus the report of what it chose and what it costs. */
export function placeCheckpointsWithReport(g: Graph, policy: CheckpointPolicy, opts: CheckpointOptions = {}): { graph: Graph; report: CheckpointReport } {
  const info = analyzeJoint(g);
  const planned = typeof policy === "object" && policy !== null && "budgetBytes" in policy && policy.peak === "planned";
  if (typeof policy === "object" && policy !== null && "budgetBytes" in policy && policy.peak !== undefined && policy.peak !== "live" && !planned) {
    throw new AdjointError(`checkpoint: budget peak must be "live" or "planned", got ${JSON.stringify(policy.peak)}`);
  }
  const peakOf: PeakOf = planned ? (x) => plannedPeak(x, opts.plan) : liveBytesPeak;
  const peakBytesBefore = peakOf(g);
  const base = { stages: 0, forwardFlops: info.forwardFlops, peakBytesBefore, peakMeasure: planned ? ("planned" as const) : ("live" as const) };
  const unchanged = { graph: g, report: { ...base, plan: "none", recomputeNodes: 0, recomputeFlops: 0, peakBytes: peakBytesBefore } };
  const hasBackward = info.backward.some((b) => b === 1);
  if (!hasBackward || (policy === "none" && !info.hasRegions)) return unchanged;
  const chain = forwardStages(info);
  const limit = opts.maxRecomputeNodes ?? DEFAULT_MAX_RECOMPUTE_NODES;
  let chosen: Candidate | undefined;
  if (policy === "none") chosen = measure(info, chain, saveAllPlan(info), "none", limit);
  else if (policy === "sqrt") chosen = measure(info, chain, sqrtPlan(info, chain).plan, "sqrt", limit);
  else if (policy === "all") chosen = recomputeAllEstimate(chain) > 4 * limit ? undefined : measure(info, chain, recomputeAllPlan(info), "all", limit);
  else if (typeof policy === "object" && policy !== null && "budgetBytes" in policy) chosen = fitBudget(info, chain, policy.budgetBytes, limit, peakOf, planned ? PLANNED_GREEDY_MAX_NODES : undefined);
  else if (typeof policy === "object" && policy !== null && "revolveSlots" in policy) {
    const s = policy.revolveSlots;
    if (!Number.isInteger(s) || s < 1) throw new AdjointError(`checkpoint: revolveSlots must be an integer ≥ 1 (one slot holds the inputs), got ${s}`);
    chosen = measure(info, chain, revolvePlan(info, chain, revolvePlanner(chain), s), "revolve", limit, s);
  }
  else throw new AdjointError(`checkpoint: unknown policy ${JSON.stringify(policy)}; use "none", "sqrt", "all", { budgetBytes } or { revolveSlots }`);
  if (!chosen) {
    throw new AdjointError(`checkpoint: policy ${JSON.stringify(policy)} would add more than ${limit} recompute nodes to @${g.name} (${chain.count} stages); use "sqrt" or a budget, or raise maxRecomputeNodes`);
  }
  const { result } = chosen;
  const graph = chosen.kind === "none" && result.recomputeNodes === 0 ? g : result.graph;
  return {
    graph,
    report: {
      ...base,
      stages: chain.count,
      plan: chosen.kind,
      ...(chosen.slots !== undefined ? { slots: chosen.slots } : {}),
      recomputeNodes: result.recomputeNodes,
      recomputeFlops: result.recomputeFlops,
      peakBytes: chosen.peak,
    },
  };
}

/** The checkpoint pass for the pass manager, bound to `policy` (options given with `withOptions` win). */
export function checkpointPass(policy: CheckpointPolicy = "none", opts: CheckpointOptions = {}): Pass<CheckpointPolicy> {
  return {
    name: "checkpoint",
    summary: "keep or recompute each forward value the backward pass reads (none, sqrt, all, or a byte budget)",
    options: policy,
    run: (g, ctx) => placeCheckpoints(g, ctx.options ?? policy, opts),
  };
}
