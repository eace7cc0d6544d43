/**
 * Safe in-place reuse, an optimisation: an elementwise node whose operand dies at that node
 * can write its result into the operand's buffer (`y = tanh(x)` where nothing reads x
 * afterwards). No new allocation is made, and the value stays hot in cache. The memory
 * planner consumes these pairs; this file only finds them.
 */
import { DTYPE_BYTES, numel, opDef, sameShape, type Graph, type Node, type ValueId } from "@adjoint/ir";
import { viewTable } from "./views";

/** One buffer handover: `node` writes its result into the memory of `operand`, which dies at `node`. */
export interface BufferReuse {
  readonly node: ValueId;
  readonly operand: ValueId;
  /** Bytes of the handed-over buffer: the allocation this pair saves. */
  readonly bytes: number;
}

/** Every reuse pair of a graph under one execution order. */
export interface InplaceReuse {
  /** In execution order; at most one pair per node and per operand. */
  readonly pairs: readonly BufferReuse[];
  /** node id → operand id whose buffer it takes. */
  readonly byNode: ReadonlyMap<ValueId, ValueId>;
  /** Sum of `bytes` over the pairs: allocations avoided (the peak falls by at most this). */
  readonly bytesSaved: number;
}

/**
 * The buffer-reuse pairs of `graph` when its nodes run in `order` (node ids; default: graph
 * order). A pair (n → a) needs: n elementwise; a an operand of n of n's exact type; a
 * produced by a node (not an input, not an embedded `constant`, not a view of another
 * value's memory) and not an output; no use of a's memory (a, or a view of a) after n; n
 * reads a only directly (not through a reordered view); and no other in-place write claims
 * a's memory. A node tagged `writes` pairs only with its own target. O(N + E).
 */
export function inplaceReuse(graph: Graph, order?: readonly ValueId[]): InplaceReuse {
  const { root, bound } = viewTable(graph);
  const byId: (Node | undefined)[] = new Array(bound);
  for (const n of graph.nodes) byId[n.id] = n;
  const sequence = order ? checkOrder(graph, order, byId) : graph.nodes;

  // Last position at which each buffer is used; outputs use theirs forever.
  const last = new Float64Array(bound).fill(-1);
  const claimedBy = new Int32Array(bound).fill(-1); // the write that claims a buffer, by node id
  sequence.forEach((n, pos) => {
    for (const a of n.args) if (root[a] >= 0) last[root[a]] = Math.max(last[root[a]], pos);
    const target = n.tags?.writes;
    if (target !== undefined && target >= 0 && target < bound && root[target] >= 0) {
      const r = root[target];
      claimedBy[r] = claimedBy[r] === -1 ? n.id : -2; // -2: claimed twice, reusable by no one
      last[r] = Math.max(last[r], pos);
    }
  });
  for (const o of graph.outputs) if (o >= 0 && o < bound && root[o] >= 0) last[root[o]] = Infinity;

  const pairs: BufferReuse[] = [];
  const byNode = new Map<ValueId, ValueId>();
  let bytesSaved = 0;
  sequence.forEach((n, pos) => {
    if (opDef(n.op).class !== "elementwise") return;
    const own = n.tags?.writes;
    for (const a of n.args) {
      if (own !== undefined && a !== own) continue;
      const producer = byId[a];
      if (!producer || producer.op === "constant" || root[a] !== a || last[a] !== pos) continue;
      if (claimedBy[a] !== -1 && claimedBy[a] !== n.id) continue;
      if (producer.type.dtype !== n.type.dtype || !sameShape(producer.type.shape, n.type.shape)) continue;
      if (n.args.some((b) => b !== a && root[b] === a)) continue; // also reads a through a view
      const bytes = numel(n.type.shape) * DTYPE_BYTES[n.type.dtype];
      pairs.push({ node: n.id, operand: a, bytes });
      byNode.set(n.id, a);
      bytesSaved += bytes;
      return;
    }
  });
  return { pairs, byNode, bytesSaved };
}

/** `order` as nodes, checked to be a permutation of the graph's nodes with operands first. */
function checkOrder(graph: Graph, order: readonly ValueId[], byId: readonly (Node | undefined)[]): Node[] {
  if (order.length !== graph.nodes.length) {
    throw new Error(`inplaceReuse: the order lists ${order.length} nodes but @${graph.name} has ${graph.nodes.length}`);
  }
  const done = new Uint8Array(byId.length);
  for (const i of graph.inputs) done[i.id] = 1;
  return order.map((id) => {
    const n = id >= 0 && id < byId.length ? byId[id] : undefined;
    if (!n || done[id]) throw new Error(`inplaceReuse: %${id} in the order is not a node of @${graph.name}, or is listed twice`);
    const missing = n.args.find((a) => !done[a]);
    if (missing !== undefined) throw new Error(`inplaceReuse: %${id} runs before its operand %${missing} in the order`);
    done[id] = 1;
    return n;
  });
}
