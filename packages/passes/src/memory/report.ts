/**
 * What a memory plan means for a user: how much is parameters and inputs, how much the
 * arena holds at its peak, how close that is to the bound, and which values (with their
 * source lines) are live at the peak: the ones to checkpoint or shrink.
 */
import { AdjointError, formatLoc, formatType, type Graph, type ValueId } from "@adjoint/ir";
import type { Kernel, MemoryPlan } from "../plan/types";
import type { KernelReuse } from "./kernel-reuse";
import { valueTable } from "./values";

/** Options of `memoryReport`. */
export interface MemoryReportOptions {
  /** Input ids that are trained parameters. Default: every f32 input. */
  readonly parameters?: Iterable<ValueId>;
  /** How many of the largest values live at the peak to list. Default 5. */
  readonly top?: number;
}

/** One value live at the peak. */
export interface LiveValue {
  readonly value: ValueId;
  readonly op: string;
  readonly type: string;
  readonly bytes: number;
  /** `file:line`, or `grad of %12 (file:line)` for derived nodes. */
  readonly loc: string;
  readonly firstStep: number;
  readonly lastStep: number;
}

/** Memory figures of a planned schedule. Bytes throughout. */
export interface MemoryReport {
  readonly steps: number;
  /** Graph inputs that are parameters. */
  readonly parameterBytes: number;
  /** All graph inputs. */
  readonly inputBytes: number;
  /** `constant` nodes: held by the executable, outside the arena. */
  readonly constantBytes: number;
  /** The arena: the planned peak of intermediate values. */
  readonly peakActivationBytes: number;
  /** Inputs + constants + arena. */
  readonly peakTotalBytes: number;
  /** Most bytes live at once: no arena for this schedule is smaller. */
  readonly lowerBound: number;
  /** Live intermediate bytes at each step. */
  readonly timeline: readonly number[];
  /** First step where the timeline peaks (-1 for an empty schedule), and its kernel id. */
  readonly peakStep: number;
  readonly peakKernel: number | undefined;
  /** The largest values live at `peakStep`, largest first. */
  readonly topLive: readonly LiveValue[];
  /** In-place slot handovers the plan applied (0 when planned without `inplace`). */
  readonly inplacePairs: number;
  /** Bytes of the allocations those handovers avoided. */
  readonly inplaceBytesSaved: number;
  /** The lower bound the schedule would have without handovers (the peak they remove is `lowerBoundWithoutReuse - lowerBound`). */
  readonly lowerBoundWithoutReuse: number;
}

/** Summarises `plan`, made for `kernels` (in schedule order) of `graph`. O(values + steps). */
export function memoryReport(graph: Graph, plan: MemoryPlan & { readonly reuse?: KernelReuse; readonly lowerBoundWithoutReuse?: number }, kernels: readonly Kernel[], options: MemoryReportOptions = {}): MemoryReport {
  if (kernels.length !== plan.timeline.length) {
    throw new AdjointError(`memoryReport: the plan covers ${plan.timeline.length} steps but ${kernels.length} kernels were given`);
  }
  const table = valueTable(graph);
  const parameters = options.parameters ? new Set(options.parameters) : new Set(graph.inputs.filter((i) => i.type.dtype === "f32").map((i) => i.id));
  let parameterBytes = 0, inputBytes = 0, constantBytes = 0;
  for (const input of graph.inputs) {
    inputBytes += table.bytes[input.id];
    if (parameters.has(input.id)) parameterBytes += table.bytes[input.id];
  }
  for (const n of graph.nodes) if (n.op === "constant") constantBytes += table.bytes[n.id];

  let peakStep = -1;
  plan.timeline.forEach((live, s) => (peakStep < 0 || live > plan.timeline[peakStep]) && (peakStep = s));
  const live: LiveValue[] = [];
  for (const slot of plan.buffers.values()) {
    if (slot.firstStep > peakStep || slot.lastStep < peakStep) continue;
    const node = table.nodes[slot.value];
    live.push({
      value: slot.value,
      op: node?.op ?? "?",
      type: node ? formatType(node.type) : "?",
      bytes: slot.bytes,
      loc: formatLoc(node?.loc),
      firstStep: slot.firstStep,
      lastStep: slot.lastStep,
    });
  }
  live.sort((a, b) => b.bytes - a.bytes || a.value - b.value);
  return {
    steps: kernels.length,
    parameterBytes,
    inputBytes,
    constantBytes,
    peakActivationBytes: plan.arenaBytes,
    peakTotalBytes: inputBytes + constantBytes + plan.arenaBytes,
    lowerBound: plan.lowerBound,
    timeline: plan.timeline,
    peakStep,
    peakKernel: kernels[peakStep]?.id,
    topLive: live.slice(0, options.top ?? 5),
    inplacePairs: plan.reuse?.pairs.length ?? 0,
    inplaceBytesSaved: plan.reuse?.bytesSaved ?? 0,
    lowerBoundWithoutReuse: plan.lowerBoundWithoutReuse ?? plan.lowerBound,
  };
}

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let u = 0, v = bytes;
  while (v >= 1024 && u < units.length - 1) (v /= 1024), u++;
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** The timeline as one line of block characters, each the maximum of its share of steps. */
export function sparkline(timeline: readonly number[], width = 48): string {
  if (timeline.length === 0) return "";
  const bars = "▁▂▃▄▅▆▇█", cells = maxima(timeline, width), max = Math.max(...cells);
  return cells.map((v) => bars[max > 0 ? Math.min(7, Math.floor((v / max) * 8)) : 0]).join("");
}

function maxima(timeline: readonly number[], width: number): number[] {
  const cells = Math.min(width, timeline.length), out = new Array<number>(cells).fill(0);
  timeline.forEach((v, s) => {
    const c = Math.floor((s * cells) / timeline.length);
    if (v > out[c]) out[c] = v;
  });
  return out;
}

/** A short text form of a memory report. */
export function formatMemoryReport(r: MemoryReport): string {
  const over = r.lowerBound > 0 ? ` (lower bound ${formatBytes(r.lowerBound)}, +${((r.peakActivationBytes / r.lowerBound - 1) * 100).toFixed(1)}%)` : "";
  const lines = [
    `memory over ${r.steps} steps`,
    `  inputs       ${formatBytes(r.inputBytes)} (parameters ${formatBytes(r.parameterBytes)})`,
    `  constants    ${formatBytes(r.constantBytes)}`,
    `  activations  ${formatBytes(r.peakActivationBytes)} peak${over}`,
    `  total        ${formatBytes(r.peakTotalBytes)} peak`,
  ];
  if (r.inplacePairs > 0) {
    lines.push(`  in place     ${r.inplacePairs} stores reuse a dying value's slot: ${formatBytes(r.inplaceBytesSaved)} not allocated, bound ${formatBytes(r.lowerBoundWithoutReuse)} → ${formatBytes(r.lowerBound)}`);
  }
  if (r.steps > 0) lines.push(`  timeline     ${sparkline(r.timeline)}  peak at step ${r.peakStep} (kernel ${r.peakKernel})`);
  if (r.topLive.length > 0) {
    lines.push("largest values live at the peak:");
    for (const v of r.topLive) {
      lines.push(`  ${formatBytes(v.bytes).padStart(10)}  %${v.value} ${v.op} ${v.type}  ${v.loc}  steps ${v.firstStep}..${v.lastStep}`);
    }
  }
  return lines.join("\n");
}
