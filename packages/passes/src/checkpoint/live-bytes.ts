/**
 * Live bytes over node order: the memory measure the checkpoint pass targets. A small,
 * self-contained liveness so checkpointing does not depend on the memory planner; the
 * planner's peak for the same order is at least this (it also has to fit the values).
 */
import type { Graph } from "@adjoint/ir";
import { valueIdBound } from "../value-ids";
import { bytesOfType } from "./joint";

/**
 * Movement ops that fusion folds into strided reads of their operand (fuse/views.ts,
 * plan/types.ts `Access`): they own no memory, and keep their operand's buffer alive.
 */
const VIEW_OPS: ReadonlySet<string> = new Set(["broadcast", "reshape", "transpose", "slice", "custom_vjp"]);

/** Which values count. By default only intermediates: inputs and outputs are the caller's buffers. */
export interface LiveBytesOptions {
  /** Count the graph inputs as live for the whole run (default false). */
  readonly inputs?: boolean;
  /** Count graph outputs as live from their definition to the end (default false). */
  readonly outputs?: boolean;
  /** Treat views (broadcast, reshape, transpose, slice) as aliases of their operand (default true). */
  readonly views?: boolean;
}

/** The live bytes while each node runs, and the largest of them. */
export interface LiveBytes {
  /** `timeline[i]`: bytes live while node i runs (its operands and its result included). */
  readonly timeline: Float64Array;
  readonly peak: number;
  /** Index of the first node where the peak is reached (-1 for a graph with no nodes). */
  readonly peakAt: number;
}

/**
 * A buffer is live from the node that defines it through the last reader of it or of any
 * view of it (a value nobody reads is live only at its own node). Node i's step holds the
 * buffers defined at or before i that are read at or after i. A buffer that is (or is viewed
 * by) a graph output is the caller's. O(nodes + edges), iterative.
 */
export function liveBytesTimeline(g: Graph, opts: LiveBytesOptions = {}): LiveBytes {
  const views = opts.views ?? true;
  const bound = valueIdBound(g);
  const root = new Int32Array(bound);
  const defAt = new Int32Array(bound).fill(-1);
  const lastUse = new Int32Array(bound).fill(-1);
  for (const i of g.inputs) root[i.id] = i.id;
  g.nodes.forEach((n, i) => {
    // custom_vjp's value is its last operand's; other views read their first operand
    const viewed = n.op === "custom_vjp" ? n.args[n.args.length - 1] : n.args[0];
    root[n.id] = views && VIEW_OPS.has(n.op) && viewed !== undefined ? root[viewed] : n.id;
    defAt[n.id] = i;
    for (const a of n.args) lastUse[root[a]] = i;
  });
  const isOutput = new Uint8Array(bound);
  for (const o of g.outputs) isOutput[root[o]] = 1;
  const n = g.nodes.length;
  const delta = new Float64Array(n + 1);
  for (const node of g.nodes) {
    if (root[node.id] !== node.id || (isOutput[node.id] && !opts.outputs)) continue;
    const start = defAt[node.id];
    const end = isOutput[node.id] ? n - 1 : Math.max(start, lastUse[node.id]);
    const b = bytesOfType(node.type);
    delta[start] += b;
    delta[end + 1] -= b;
  }
  let base = 0;
  if (opts.inputs) for (const input of g.inputs) base += bytesOfType(input.type);
  const timeline = new Float64Array(n);
  let live = base, peak = base, peakAt = -1;
  for (let i = 0; i < n; i++) {
    live += delta[i];
    timeline[i] = live;
    if (peakAt < 0 || live > peak) (peak = live), (peakAt = i);
  }
  return { timeline, peak, peakAt };
}

/** Peak live bytes of `g` in node order (intermediates only unless `opts` says otherwise). */
export function liveBytesPeak(g: Graph, opts: LiveBytesOptions = {}): number {
  return liveBytesTimeline(g, opts).peak;
}
