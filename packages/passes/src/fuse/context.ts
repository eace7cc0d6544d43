/**
 * Per-value facts the fusion stages share, in arrays indexed by value id (graphs reach 100k
 * nodes): each node's role, topological position, consumers, and whether it must be stored.
 */
import { AdjointError, opDef, type Graph, type Node, type TensorType, type ValueId } from "@adjoint/ir";
import { valueIdBound } from "../value-ids";
import { FOLDABLE_MOVEMENT } from "./views";

/**
 * What a node is to fusion:
 * - `input` / `constant`: materialised before any kernel runs; never a kernel member.
 * - `inline`: `full` (a literal) and `iota` (computed from the point) wherever they are read.
 * - `pointwise`: elementwise ops, one result per loop point.
 * - `view`: foldable movement (broadcast, transpose, slice, reshape, custom_vjp).
 * - `reducer`, `matmul`: the anchors of reduce and matmul kernels.
 * - `opaque`: run alone by a dedicated routine (gather, scatter_add, concat, pad, ...).
 */
export type Role = "input" | "constant" | "inline" | "pointwise" | "view" | "reducer" | "matmul" | "opaque";

/** Which part of a joint graph a node belongs to; kernels never mix forward and backward work. */
export type Phase = "forward" | "grad" | "recompute";

/** Role of a node, from its op's class. */
export function roleOf(node: Node): Role {
  if (node.op === "constant") return "constant";
  if (node.op === "full" || node.op === "iota") return "inline";
  if (FOLDABLE_MOVEMENT.has(node.op)) return "view";
  if (node.op === "matmul") return "matmul";
  const cls = opDef(node.op).class;
  if (cls === "elementwise") return "pointwise";
  if (cls === "reduction") return "reducer";
  return "opaque";
}

/** Facts about the graph being fused. */
export interface FuseContext {
  readonly graph: Graph;
  readonly fused: boolean;
  readonly maxBuffers: number;
  /** Node defining each id (undefined for inputs and unused ids). */
  readonly nodes: readonly (Node | undefined)[];
  readonly roles: readonly (Role | undefined)[];
  /** Type of each value (inputs included). */
  readonly types: readonly (TensorType | undefined)[];
  /** Position of each node in the graph's topological order; -1 for inputs. */
  readonly position: Int32Array;
  /** 1 for graph outputs and `materialize` values: some kernel must store them. */
  readonly mustStore: Uint8Array;
  /** Consumers of each value: `consumers[consumerStart[v] .. consumerStart[v+1])` (a consumer repeats per use). */
  readonly consumerStart: Int32Array;
  readonly consumers: Int32Array;
  readonly phase: readonly (Phase | undefined)[];
}

/** Builds the shared facts in O(nodes + edges). */
export function fuseContext(graph: Graph, fused: boolean, maxBuffers: number, materialize: ReadonlySet<ValueId>): FuseContext {
  const bound = valueIdBound(graph);
  const nodes: (Node | undefined)[] = new Array(bound);
  const roles: (Role | undefined)[] = new Array(bound);
  const phase: (Phase | undefined)[] = new Array(bound);
  const types: (TensorType | undefined)[] = new Array(bound);
  const position = new Int32Array(bound).fill(-1);
  const mustStore = new Uint8Array(bound);
  for (const i of graph.inputs) (roles[i.id] = "input"), (types[i.id] = i.type);
  const counts = new Int32Array(bound + 1);
  graph.nodes.forEach((n, p) => {
    nodes[n.id] = n;
    roles[n.id] = roleOf(n);
    types[n.id] = n.type;
    position[n.id] = p;
    const kind = n.loc.origin?.kind;
    phase[n.id] = kind === "grad" || kind === "recompute" ? kind : "forward";
    for (const a of n.args) counts[a + 1]++;
  });
  for (const o of graph.outputs) mustStore[o] = 1;
  for (const v of materialize) {
    if (v < 0 || v >= bound || roles[v] === undefined) throw new AdjointError(`fuseKernels: materialize names %${v}, which is not a value of graph @${graph.name}`);
    mustStore[v] = 1;
  }
  for (let v = 0; v < bound; v++) counts[v + 1] += counts[v];
  const consumerStart = counts.slice();
  const consumers = new Int32Array(counts[bound]);
  const fill = counts.slice(0, bound);
  for (const n of graph.nodes) for (const a of n.args) consumers[fill[a]++] = n.id;
  return { graph, fused, maxBuffers, nodes, roles, types, position, mustStore, consumerStart, consumers, phase };
}

/** Calls `f` for each consumer of `v` (once per use). */
export function forEachConsumer(ctx: FuseContext, v: ValueId, f: (c: ValueId) => void): void {
  for (let e = ctx.consumerStart[v]; e < ctx.consumerStart[v + 1]; e++) f(ctx.consumers[e]);
}

/** The shape of value `v`. */
export const shapeOf = (ctx: FuseContext, v: ValueId) => ctx.types[v]!.shape;

/** The node defining `v`, or an internal error. */
export function nodeOf(ctx: FuseContext, v: ValueId): Node {
  const n = ctx.nodes[v];
  if (!n) throw new Error(`internal: %${v} is not a node of @${ctx.graph.name}`);
  return n;
}
