import type { Graph, ValueId } from "@adjoint/ir";

/**
 * Values that depend on the given inputs through float ops: only these carry tangents.
 * Integers and booleans never do (their tangents are symbolic zeros).
 */
export function activeValues(g: Graph, wrt: ReadonlySet<ValueId>): Set<ValueId> {
  const active = new Set<ValueId>();
  for (const i of g.inputs) if (wrt.has(i.id) && i.type.dtype === "f32") active.add(i.id);
  for (const n of g.nodes) {
    if (n.type.dtype === "f32" && n.op !== "stop_gradient" && n.args.some((a) => active.has(a))) active.add(n.id);
  }
  return active;
}
