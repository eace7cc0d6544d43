/**
 * What the HTML report shows, gathered in one run of the pipeline: the IR after each pass with
 * what changed, the final graph with its kernels, and the memory timeline of each checkpoint
 * policy (the pipeline planned again per policy).
 */
import { printGraph, traceWithTree, type Graph, type Spec, type ValueId } from "@adjoint/ir";
import { formatBytes, printKernels, type CheckpointPolicy, type PassInstrument, type PassRecord } from "@adjoint/passes";
import type { TensorFn } from "../eager";
import { COMPARISON_RECOMPUTE_LIMIT, hasBackward, planGraph, type PlannedGraph, type PlanOptions } from "../diagnostics/plan";

/** One pass as the report shows it. */
export interface PassView {
  readonly name: string;
  readonly summary: string;
  readonly record: PassRecord;
  /** The printed IR after the pass (capped), and per line whether the pass added or rewrote that node. */
  readonly ir?: readonly { readonly text: string; readonly mark?: "added" | "rewritten" }[];
  /** Lines left out of `ir` by the cap. */
  readonly omitted: number;
  /** Ids of the nodes the pass removed. */
  readonly removed: readonly ValueId[];
}

/** One checkpoint policy's memory, for the plot. */
export interface PolicySeries {
  readonly label: string;
  readonly timeline: readonly number[];
  readonly peakBytes: number;
  readonly activationBytes: number;
  readonly recomputeFlops: number;
  readonly forwardFlops: number;
  readonly plan: string;
}

/** Everything `renderReport` draws. */
export interface ReportData {
  readonly title: string;
  readonly inputIr: PassView["ir"];
  readonly inputOmitted: number;
  readonly passes: readonly PassView[];
  /** The planned graph under the chosen policy. */
  readonly planned: PlannedGraph;
  readonly kernelsText: string;
  readonly series: readonly PolicySeries[];
  /** Policies that could not be planned, with why. */
  readonly failedPolicies: readonly { readonly label: string; readonly error: string }[];
  readonly backward: boolean;
  readonly policyLabel: string;
}

/** Options of the HTML report. */
export interface HtmlReportOptions extends PlanOptions {
  /** Page title (default: the function's name). */
  readonly title?: string;
  /** Policies plotted (default none, sqrt, all, plus `checkpoint` when it is a budget). */
  readonly policies?: readonly CheckpointPolicy[];
  /** Printed IR lines kept per pass (default 1500). */
  readonly maxIrLines?: number;
  /** Node rows drawn in the graph before kernels collapse to one row each (default 400). */
  readonly maxGraphNodes?: number;
  /** Kernels drawn at most (default 300); the rest are counted in a note. */
  readonly maxGraphKernels?: number;
}

/** `"sqrt"`, `budget 1.5 MiB`, ... */
export function policyLabel(p: CheckpointPolicy): string {
  if (typeof p === "string") return p;
  if ("budgetBytes" in p) return `budget ${formatBytes(p.budgetBytes)}`;
  return `revolve ${p.revolveSlots} slots`;
}

/** The IR lines of `g`, each marked when its node is new in `g` or rewritten since `before`. */
function irLines(g: Graph, before: Graph | undefined, cap: number): { ir: PassView["ir"]; omitted: number; removed: ValueId[] } {
  const old = new Map<ValueId, unknown>(before ? before.nodes.map((n) => [n.id, n]) : []);
  const now = new Map<ValueId, unknown>(g.nodes.map((n) => [n.id, n]));
  const lines = printGraph(g).split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const kept = lines.slice(0, cap);
  const ir = kept.map((text) => {
    const m = before && /^\s+%(\d+) =/.exec(text);
    if (!m) return { text };
    const id = Number(m[1]);
    if (!old.has(id)) return { text, mark: "added" as const };
    return old.get(id) !== now.get(id) ? { text, mark: "rewritten" as const } : { text };
  });
  const removed = before ? before.nodes.filter((n) => !now.has(n.id)).map((n) => n.id) : [];
  return { ir, omitted: lines.length - kept.length, removed };
}

/** Runs the pipeline once with a recording instrument, then once more per other plotted policy. */
export function collectReport(fn: TensorFn, specs: readonly Spec[], opts: HtmlReportOptions = {}): ReportData {
  const graph = traceWithTree(fn, specs, fn.name || "main").graph;
  return collectReportForGraph(graph, opts);
}

/** `collectReport` for an already traced graph. */
export function collectReportForGraph(graph: Graph, opts: HtmlReportOptions = {}): ReportData {
  const cap = opts.maxIrLines ?? 1500;
  const passes: PassView[] = [];
  const recorder: PassInstrument = {
    afterPass(pass, before, after, record) {
      const view = after === before ? { ir: undefined, omitted: 0, removed: [] } : irLines(after, before, cap);
      passes.push({ name: pass.name, summary: pass.summary, record, ...view });
    },
  };
  const chosen = opts.checkpoint ?? "none";
  const planned = planGraph(graph, { ...opts, instruments: [...(opts.instruments ?? []), recorder] });
  const input = irLines(graph, undefined, cap);
  const backward = hasBackward(graph);
  const wanted: CheckpointPolicy[] = opts.policies ? [...opts.policies] : backward ? ["none", "sqrt", "all"] : ["none"];
  if (!opts.policies && backward && typeof chosen === "object") wanted.push(chosen);
  const series: PolicySeries[] = [];
  const failedPolicies: { label: string; error: string }[] = [];
  const chosenKey = JSON.stringify(chosen);
  for (const policy of wanted) {
    try {
      // the policies only plotted get a tighter recompute limit: "all" is quadratic on deep graphs
      const extra = { ...opts, checkpoint: policy, instruments: [], maxRecomputeNodes: opts.maxRecomputeNodes ?? COMPARISON_RECOMPUTE_LIMIT };
      const p = JSON.stringify(policy) === chosenKey ? planned : planGraph(graph, extra);
      series.push({
        label: policyLabel(policy), timeline: p.memory.timeline, peakBytes: p.memory.peakTotalBytes, activationBytes: p.memory.peakActivationBytes,
        recomputeFlops: p.checkpoint.recomputeFlops, forwardFlops: p.checkpoint.forwardFlops, plan: p.checkpoint.plan,
      });
    } catch (e) {
      failedPolicies.push({ label: policyLabel(policy), error: e instanceof Error ? e.message : String(e) });
    }
  }
  return {
    title: opts.title ?? graph.name, inputIr: input.ir, inputOmitted: input.omitted, passes, planned,
    kernelsText: printKernels({ graph: planned.plan.graph, kernels: planned.plan.kernels }),
    series, failedPolicies, backward, policyLabel: policyLabel(chosen),
  };
}
