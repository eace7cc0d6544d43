/**
 * The compile pipeline up to the memory plan, without lowering: `compile` runs it with the
 * backend's capabilities, and the diagnostics and the HTML report run it for any policy with no
 * backend or device (the graph after every pass, the checkpoint report, kernels, the memory
 * timeline). One routine, so their figures agree with a compiled report.
 */
import { traceWithTree, type Graph, type Spec, type ValueId } from "@adjoint/ir";
import {
  checkpointPass, dce, fuseKernels, inplaceSafety, memoryReport, placeCheckpointsWithReport, planMemory, residualValues, runPasses, scheduleKernels,
  simplifyPipeline, withOptions,
  type AnyPass, type CheckpointPolicy, type CheckpointReport, type DumpOptions, type MemoryReport, type PassInstrument, type PassRecord, type Plan,
  type Schedule, type ScheduleStrategy,
} from "@adjoint/passes";
import type { TensorFn } from "../eager";
import type { StageRecord } from "../report";

/** How to plan: the `compile` options that shape the plan, and the backend capabilities that matter. */
export interface PlanOptions {
  readonly checkpoint?: CheckpointPolicy;
  readonly inplace?: "error" | "copy";
  /** Fuse nodes into kernels (default true, as the cpu and webgpu backends do). */
  readonly fuse?: boolean;
  readonly maxBuffersPerKernel?: number;
  /** Arena alignment in bytes (default 16). */
  readonly alignment?: number;
  /**
   * Let a kernel's store take the arena slot of a value that dies in it (default true, as the
   * cpu and webgpu backends allow: `BackendCapabilities.inplace`).
   */
  readonly inplaceReuse?: boolean;
  readonly schedule?: ScheduleStrategy;
  /** Refuse checkpoint plans with more recompute nodes (see `CheckpointOptions`). */
  readonly maxRecomputeNodes?: number;
  readonly verify?: boolean;
  /** More pass instruments (e.g. one that keeps the graph after each pass). */
  readonly instruments?: readonly PassInstrument[];
  /** Input ids counted as parameters in the memory report (default: every f32 input). */
  readonly parameters?: Iterable<ValueId>;
  /** Write the IR before and after each changing pass into a folder. */
  readonly dump?: DumpOptions;
  /** Receives the time of the fuse, schedule and plan-memory stages. */
  readonly stages?: StageRecord[];
}

/** A planned graph and everything learned on the way. */
export interface PlannedGraph {
  /** The graph the pipeline was given. */
  readonly input: Graph;
  readonly records: readonly PassRecord[];
  /** What checkpointing chose (plan "none" when the graph has no backward pass to checkpoint). */
  readonly checkpoint: CheckpointReport;
  readonly plan: Plan;
  readonly schedule: Schedule;
  readonly memory: MemoryReport;
}

/**
 * Recompute nodes allowed to a policy planned only for comparison (reports, explanations);
 * compile's own limit is 4M, but "all" is quadratic in depth and such plans take minutes.
 */
export const COMPARISON_RECOMPUTE_LIMIT = 250_000;

/** Simplify, checkpoint, in-place check, dce, fuse, schedule and plan memory, as `compile` does. */
export function planGraph(graph: Graph, opts: PlanOptions = {}): PlannedGraph {
  const policy = opts.checkpoint ?? "none";
  const fuse = opts.fuse !== false, maxBuffers = opts.maxBuffersPerKernel ?? Infinity, alignment = opts.alignment ?? 16;
  const inplace = opts.inplaceReuse !== false;
  // a budget with `peak: "planned"` is measured as this plan will be made: same fusion, limits, reuse
  const checkpointOpts = { plan: { fuse, maxBuffers, alignment, inplace }, ...(opts.maxRecomputeNodes === undefined ? {} : { maxRecomputeNodes: opts.maxRecomputeNodes }) };
  let checkpoint: CheckpointReport | undefined;
  // the checkpoint pass itself, keeping the report it computes anyway
  const checkpointing: AnyPass = {
    ...(checkpointPass(policy, checkpointOpts) as AnyPass),
    run: (g) => {
      const r = placeCheckpointsWithReport(g, policy, checkpointOpts);
      checkpoint = r.report;
      return r.graph;
    },
  };
  const pipeline: AnyPass[] = [...simplifyPipeline, checkpointing, withOptions(inplaceSafety, { mode: opts.inplace ?? "error" }) as AnyPass, dce];
  const { graph: g, records } = runPasses(graph, pipeline, { verify: opts.verify, dump: opts.dump, instruments: opts.instruments ?? [] });
  const stage = <R>(name: string, fn: () => R): R => {
    const t0 = performance.now();
    const r = fn();
    opts.stages?.push({ name, ms: performance.now() - t0 });
    return r;
  };
  const kernelGraph = stage("fuse", () => fuseKernels(g, { fuse, maxBuffers, materialize: residualValues(g) }));
  const schedule = stage("schedule", () => scheduleKernels(kernelGraph, { strategy: opts.schedule ?? "best" }));
  const memoryPlan = stage("plan-memory", () => planMemory(g, schedule.kernels, { alignment, inplace }));
  const plan: Plan = { graph: g, kernels: schedule.kernels, memory: memoryPlan };
  const memory = memoryReport(g, memoryPlan, plan.kernels, { top: 8, ...(opts.parameters ? { parameters: opts.parameters } : {}) });
  return { input: graph, records, checkpoint: checkpoint!, plan, schedule, memory };
}

/** Traces `fn` for `specs` and plans it (see `planGraph`). */
export function planFunction(fn: TensorFn, specs: readonly Spec[], opts: PlanOptions = {}): PlannedGraph {
  return planGraph(traceWithTree(fn, specs, fn.name || "main").graph, opts);
}

/** Whether a graph has backward (grad) nodes: only then do checkpoint policies differ. */
export const hasBackward = (g: Graph): boolean => g.nodes.some((n) => n.loc.origin?.kind === "grad");
