/**
 * What the checkpoint pass needs to know about a joint forward/backward graph: which nodes
 * are the forward pass, which are the backward side, which forward values the backward reads
 * (residuals), and each value's size and cost.
 */
import { DTYPE_BYTES, costOf, numel, type Graph, type TensorType, type ValueId } from "@adjoint/ir";
import { valueIdBound } from "../value-ids";

/** Facts about a joint graph, in arrays indexed by value id (or node index where said). */
export interface JointInfo {
  readonly graph: Graph;
  /** One more than the largest value id. */
  readonly bound: number;
  /** Index in `graph.nodes` of each value's producer; -1 for graph inputs. */
  readonly indexOf: Int32Array;
  /** Per node index: 1 for backward-side nodes (grad or recompute origin, or depending on one). */
  readonly backward: Uint8Array;
  /** Node indices of the forward nodes that precede the backward pass, in order: what may be recomputed. */
  readonly forward: readonly number[];
  /** Per value: 1 for a value of `forward` (a recompute clone may replace it in the backward). */
  readonly cloneable: Uint8Array;
  /** Per value: 1 for a cloneable value that some backward-side node reads. */
  readonly residual: Uint8Array;
  /** Per value: 1 for a cloneable value that is also a graph output (its original must stay). */
  readonly pinned: Uint8Array;
  /** Per value: bytes of the value. */
  readonly bytes: Float64Array;
  /** Per value: flops of its producing node (0 for inputs). */
  readonly flops: Float64Array;
  /** Flops of one forward pass: the sum over `forward`. */
  readonly forwardFlops: number;
  /** True when some node carries a `checkpoint(f)` region tag. */
  readonly hasRegions: boolean;
}

/** Bytes of a value of type `t`. */
export const bytesOfType = (t: TensorType): number => numel(t.shape) * DTYPE_BYTES[t.dtype];

/**
 * Classifies `g`. The backward side is every node whose origin is `grad` (or `recompute`,
 * from an earlier checkpointing) plus everything depending on one, so the forward side is
 * closed under operands and can be recomputed from inputs alone. Forward nodes that appear
 * after the backward began (a constant of an optimiser update) are left where they are.
 */
export function analyzeJoint(g: Graph): JointInfo {
  const bound = valueIdBound(g);
  const indexOf = new Int32Array(bound).fill(-1);
  const backward = new Uint8Array(g.nodes.length);
  const onBackward = new Uint8Array(bound);
  const cloneable = new Uint8Array(bound);
  const residual = new Uint8Array(bound);
  const pinned = new Uint8Array(bound);
  const bytes = new Float64Array(bound);
  const flops = new Float64Array(bound);
  const types = new Array<TensorType>(bound);
  for (const input of g.inputs) {
    types[input.id] = input.type;
    bytes[input.id] = bytesOfType(input.type);
  }
  const forward: number[] = [];
  let backwardStarted = false;
  let forwardFlops = 0;
  let hasRegions = false;
  g.nodes.forEach((n, i) => {
    indexOf[n.id] = i;
    types[n.id] = n.type;
    bytes[n.id] = bytesOfType(n.type);
    flops[n.id] = costOf(n.op, n.args.map((a) => types[a]), n.type).flops;
    if (n.tags?.region !== undefined) hasRegions = true;
    const kind = n.loc.origin?.kind;
    let isBackward = kind === "grad" || kind === "recompute";
    if (!isBackward) for (const a of n.args) if (onBackward[a]) isBackward = true;
    if (isBackward) {
      backward[i] = 1;
      onBackward[n.id] = 1;
      backwardStarted = true;
      for (const a of n.args) if (cloneable[a]) residual[a] = 1;
    } else if (!backwardStarted) {
      forward.push(i);
      cloneable[n.id] = 1;
      forwardFlops += flops[n.id];
    }
  });
  for (const o of g.outputs) if (cloneable[o]) pinned[o] = 1;
  return { graph: g, bound, indexOf, backward, forward, cloneable, residual, pinned, bytes, flops, forwardFlops, hasRegions };
}
