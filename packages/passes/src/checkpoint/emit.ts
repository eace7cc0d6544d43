/**
 * Builds the checkpointed graph from a hold plan. The forward pass stays as it is; the
 * backward side is walked in order, and each forward value a backward node reads is taken
 * from the instance currently available (the saved original, or a recompute clone still
 * held), or else recomputed on the spot from available values, so clones land just before
 * their first backward reader. Correct for any plan: a plan only decides what is held.
 */
import { freezeGraph, freezeNode, type Graph, type Node, type NodeTags, type ValueId } from "@adjoint/ir";
import type { JointInfo } from "./joint";
import type { StageChain } from "./stages";

/**
 * Which forward values stay available to the backward pass, and for how long, in epochs.
 * Epochs number the reversal of the stage chain (or of groups of stages): the backward
 * pass runs epoch E (the last stage's) first and epoch 1 last. "Kept through epoch u"
 * means usable by backward nodes of epochs ≥ u; `-Infinity` is "to the end".
 */
export interface HoldPlan {
  /** Per stage (1-based): its epoch, non-decreasing. Absent: epoch = stage. */
  readonly epochOfStage?: Int32Array;
  /** Per value: the epoch through which the forward original is kept; NaN = not saved. */
  readonly saveUntil: Float64Array;
  /** A value recomputed during epoch `e`: the epoch through which the clone is kept (≤ e). */
  cloneUntil(v: ValueId, e: number): number;
}

/** The rebuilt graph and what recomputation it added. */
export interface EmitResult {
  readonly graph: Graph;
  readonly recomputeNodes: number;
  readonly recomputeFlops: number;
}

/** Thrown when a plan would add more recompute nodes than allowed (the caller decides what to do). */
export class RecomputeLimitError extends Error {}

/** Rebuilds `info.graph` under `plan`. O(nodes + clones), iterative. */
export function emitRecompute(info: JointInfo, chain: StageChain, plan: HoldPlan, maxRecomputeNodes = Infinity): EmitResult {
  const { graph, indexOf, backward, cloneable, pinned, flops } = info;
  const stageEpoch = (s: number) => (plan.epochOfStage ? plan.epochOfStage[s] : s);
  const inst = new Int32Array(info.bound).fill(-1); // the available instance of each forward value
  const until = new Float64Array(info.bound);
  const nodes: Node[] = [];
  let nextId = info.bound;
  let epoch = stageEpoch(chain.count);
  let recomputeNodes = 0, recomputeFlops = 0;
  const valid = (v: ValueId) => inst[v] >= 0 && epoch >= until[v];

  const clone = (orig: Node): Node => {
    if (++recomputeNodes > maxRecomputeNodes) throw new RecomputeLimitError(`more than ${maxRecomputeNodes} recompute nodes`);
    recomputeFlops += flops[orig.id];
    // A clone keeps the forward op's attributes, so a random op recomputes with the seed
    // (attribute) of the original and gives the same numbers. It keeps the region tag; an
    // in-place `writes` stays only when it writes a fresh clone, never a kept original.
    let tags: NodeTags | undefined = orig.tags;
    if (tags?.writes !== undefined) {
      const target = cloneable[tags.writes] ? inst[tags.writes] : -1;
      const { writes: _, ...rest } = tags;
      tags = target >= info.bound ? { ...rest, writes: target } : Object.keys(rest).length ? rest : undefined;
    }
    // attrs and type are the original's frozen objects, shared; built as a literal (see freezeNode)
    const node = {
      id: nextId++,
      op: orig.op,
      args: Object.freeze(orig.args.map((a) => (cloneable[a] ? inst[a] : a))),
      attrs: orig.attrs,
      type: orig.type,
      loc: Object.freeze({ file: orig.loc.file, line: orig.loc.line, col: orig.loc.col, origin: Object.freeze({ kind: "recompute" as const, of: orig.id }) }),
    };
    return Object.freeze(tags ? { ...node, tags: Object.freeze({ ...tags }) } : node);
  };

  // depth-first over the producers of `v` that are not available, cloning in post-order
  const stack: ValueId[] = [];
  const resolve = (v: ValueId): ValueId => {
    if (valid(v)) return inst[v];
    stack.push(v);
    while (stack.length) {
      const x = stack[stack.length - 1];
      if (valid(x)) {
        stack.pop();
        continue;
      }
      const orig = graph.nodes[indexOf[x]];
      let pending = false;
      for (const a of orig.args) if (cloneable[a] && !valid(a)) (stack.push(a), (pending = true));
      if (pending) continue;
      stack.pop();
      const c = clone(orig);
      nodes.push(c);
      inst[x] = c.id;
      until[x] = Math.min(epoch, plan.cloneUntil(x, epoch));
    }
    return inst[v];
  };

  graph.nodes.forEach((n, i) => {
    if (!backward[i]) {
      nodes.push(n);
      if (cloneable[n.id]) {
        const keep = pinned[n.id] ? -Infinity : plan.saveUntil[n.id];
        if (!Number.isNaN(keep)) (inst[n.id] = n.id), (until[n.id] = keep);
      }
      return;
    }
    const origin = n.loc.origin;
    if (origin && origin.of < info.bound && cloneable[origin.of]) epoch = Math.min(epoch, stageEpoch(chain.stageOf[origin.of]));
    let args: ValueId[] | undefined;
    n.args.forEach((a, k) => {
      if (!cloneable[a]) return;
      const r = resolve(a);
      if (r !== a) (args ??= [...n.args])[k] = r;
    });
    nodes.push(args ? freezeNode({ ...n, args }) : n);
  });
  const out = freezeGraph({ name: graph.name, inputs: graph.inputs, nodes, outputs: graph.outputs });
  return { graph: out, recomputeNodes, recomputeFlops };
}
