/**
 * "Why does training use N× the memory of inference?", answered for the user's own model: the
 * forward-only graph and the training graph (valueAndGrad) are planned under each checkpoint
 * policy, and the values live at the training peak are sorted by what made them.
 */
import { traceWithTree, type Graph, type Spec, type ValueId } from "@adjoint/ir";
import { formatBytes, type CheckpointPolicy, type LiveValue } from "@adjoint/passes";
import type { TensorFn } from "../eager";
import { valueAndGrad } from "../transforms";
import { COMPARISON_RECOMPUTE_LIMIT, planGraph, type PlannedGraph, type PlanOptions } from "./plan";

/** Options of `explainMemory`. */
export interface ExplainMemoryOptions extends Omit<PlanOptions, "checkpoint" | "parameters" | "instruments"> {
  /** Argument indices of the trained parameters (valueAndGrad's argnums). Default [0]. */
  readonly params?: readonly number[];
  /** The budget policy's bytes (of intermediate values). Default: half of what "none" keeps live. */
  readonly budgetBytes?: number;
}

/** Memory of one planned graph. Bytes throughout. */
export interface GraphMemory {
  /** Inputs + constants + the arena's peak. */
  readonly peakBytes: number;
  readonly activationBytes: number;
  readonly inputBytes: number;
  readonly parameterBytes: number;
  /** Live intermediate bytes after each kernel. */
  readonly timeline: readonly number[];
}

/** The training graph under one checkpoint policy. */
export interface PolicyMemory extends GraphMemory {
  /** `none`, `sqrt`, `all` or `budget` */
  readonly policy: string;
  readonly label: string;
  /** The plan checkpointing chose (budgets pick one), and the flops it recomputes. */
  readonly plan: string;
  readonly recomputeFlops: number;
  readonly forwardFlops: number;
  /** peakBytes / inference peakBytes. */
  readonly ratio: number;
  readonly topLive: readonly LiveValue[];
}

/** What the values live at a peak are, by origin. */
export interface PeakShare {
  readonly kind: "forward" | "backward" | "recompute" | "tangent";
  readonly what: string;
  readonly bytes: number;
  readonly values: number;
}

/** The answer of `explainMemory`. */
export interface MemoryExplanation {
  readonly name: string;
  readonly inference: GraphMemory;
  /** One entry per policy that could be planned, "none" first. */
  readonly training: readonly PolicyMemory[];
  /** Policies that failed, with the reason (e.g. a budget below what any plan reaches). */
  readonly failed: readonly { readonly policy: string; readonly label: string; readonly error: string }[];
  /** Training ("none") peak / inference peak. */
  readonly ratio: number;
  /** The values live at the training ("none") peak, by kind, largest share first. */
  readonly atPeak: readonly PeakShare[];
  readonly peakStep: number;
  readonly steps: number;
}

const WHAT: Readonly<Record<PeakShare["kind"], string>> = {
  forward: "forward values kept for the backward pass",
  backward: "gradients and backward temporaries",
  recompute: "recomputed forward values",
  tangent: "tangents",
};

function graphMemory(p: PlannedGraph): GraphMemory {
  const m = p.memory;
  return { peakBytes: m.peakTotalBytes, activationBytes: m.peakActivationBytes, inputBytes: m.inputBytes, parameterBytes: m.parameterBytes, timeline: m.timeline };
}

/** The bytes live at the peak step of `p`, grouped by the origin of the node that made them. */
function peakShares(p: PlannedGraph): PeakShare[] {
  const byId = new Map<ValueId, Graph["nodes"][number]>(p.plan.graph.nodes.map((n) => [n.id, n]));
  const shares = new Map<PeakShare["kind"], { bytes: number; values: number }>();
  for (const slot of p.plan.memory.buffers.values()) {
    if (slot.firstStep > p.memory.peakStep || slot.lastStep < p.memory.peakStep) continue;
    const o = byId.get(slot.value)?.loc.origin?.kind;
    const kind: PeakShare["kind"] = o === "grad" ? "backward" : o ?? "forward";
    const s = shares.get(kind) ?? { bytes: 0, values: 0 };
    s.bytes += slot.bytes;
    s.values++;
    shares.set(kind, s);
  }
  return [...shares].map(([kind, s]) => ({ kind, what: WHAT[kind], ...s })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * Plans `fn` for inference and `valueAndGrad(fn)` for training under the checkpoint policies
 * none, sqrt, all and a byte budget, and explains the difference (see `formatMemoryExplanation`).
 */
export function explainMemory(fn: TensorFn, specs: readonly Spec[], opts: ExplainMemoryOptions = {}): MemoryExplanation {
  const { params = [0], budgetBytes, ...planOpts } = opts;
  const inferenceGraph = traceWithTree(fn, specs, fn.name || "main").graph;
  const paramIds = (g: Graph) => params.map((i) => g.inputs[i]?.id).filter((id): id is ValueId => id !== undefined);
  const inference = planGraph(inferenceGraph, { ...planOpts, parameters: paramIds(inferenceGraph) });
  const train = valueAndGrad(fn, { argnums: [...params] }) as TensorFn;
  const trainingGraph = traceWithTree(train, specs, `train_${fn.name || "main"}`).graph;
  const limit = planOpts.maxRecomputeNodes ?? COMPARISON_RECOMPUTE_LIMIT;
  const plan = (policy: CheckpointPolicy) => planGraph(trainingGraph, { ...planOpts, checkpoint: policy, parameters: paramIds(trainingGraph), maxRecomputeNodes: limit });
  const none = plan("none");
  const tryPlan = (policy: CheckpointPolicy): PlannedGraph | Error => {
    try {
      return plan(policy);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  };
  const all = tryPlan("all");
  // the default budget lies halfway between keeping everything and keeping only the inputs
  const lowest = all instanceof Error ? 0 : all.checkpoint.peakBytes;
  const budget = budgetBytes ?? Math.floor((none.checkpoint.peakBytes + lowest) / 2);
  const policies: [string, string, () => PlannedGraph | Error][] = [
    ["none", "none", () => none],
    ["sqrt", "sqrt", () => tryPlan("sqrt")],
    ["all", "all", () => all],
    ["budget", `budget ${formatBytes(budget)}`, () => tryPlan({ budgetBytes: budget })],
  ];
  const inferenceMemory = graphMemory(inference);
  const training: PolicyMemory[] = [];
  const failed: MemoryExplanation["failed"][number][] = [];
  for (const [policy, label, run] of policies) {
    const p = run();
    if (p instanceof Error) {
      failed.push({ policy, label, error: p.message });
      continue;
    }
    const m = graphMemory(p);
    training.push({
      policy, label, ...m, plan: p.checkpoint.plan, recomputeFlops: p.checkpoint.recomputeFlops, forwardFlops: p.checkpoint.forwardFlops,
      ratio: m.peakBytes / inferenceMemory.peakBytes, topLive: p.memory.topLive,
    });
  }
  return {
    name: fn.name || "main", inference: inferenceMemory, training, failed,
    ratio: none.memory.peakTotalBytes / inferenceMemory.peakBytes,
    atPeak: peakShares(none), peakStep: none.memory.peakStep, steps: none.memory.steps,
  };
}

const pct = (a: number, b: number) => (b > 0 ? `${((a / b) * 100).toFixed(1)}%` : "-");

/** The explanation as text: the ratio, what is live at the training peak, each policy, and the largest values with their source lines. */
export function formatMemoryExplanation(e: MemoryExplanation): string {
  const none = e.training[0], inf = e.inference;
  const lines = [
    `training @${e.name} uses ${e.ratio.toFixed(1)}× the memory of inference (peak ${formatBytes(none.peakBytes)} vs ${formatBytes(inf.peakBytes)})`,
    `  inputs (parameters ${formatBytes(inf.parameterBytes)}, data ${formatBytes(inf.inputBytes - inf.parameterBytes)}) are held by both`,
    `  inference holds at most ${formatBytes(inf.activationBytes)} of intermediate values: each is freed once its last reader ran`,
    `  training holds ${formatBytes(none.activationBytes)} at its peak (step ${e.peakStep} of ${e.steps}):`,
    ...e.atPeak.map((s) => `    ${formatBytes(s.bytes).padStart(10)}  ${s.what} (${s.values} value${s.values === 1 ? "" : "s"})`),
    `checkpoint policies (training peak, × inference, recomputed flops):`,
    ...e.training.map((p) => `  ${p.label.padEnd(18)} ${formatBytes(p.peakBytes).padStart(10)}  ${p.ratio.toFixed(2)}×  +${pct(p.recomputeFlops, p.forwardFlops)} of a forward pass${p.plan !== p.policy ? ` (plan: ${p.plan})` : ""}`),
    ...e.failed.map((f) => `  ${f.label.padEnd(18)} not possible: ${f.error}`),
  ];
  if (none.topLive.length) {
    lines.push("largest values live at the training peak (policy none):");
    for (const v of none.topLive) lines.push(`  ${formatBytes(v.bytes).padStart(10)}  %${v.value} ${v.op} ${v.type}  ${v.loc}`);
  }
  return lines.join("\n");
}
