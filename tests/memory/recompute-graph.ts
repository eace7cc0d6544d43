// Hand-made checkpointing for tests, until the checkpoint pass lands: backward nodes read
// recomputed copies of the forward values that are not saved, and the copies sit right
// after the forward pass, the early placement a scheduler must undo.
import type { Graph, Node, ValueId } from "@adjoint/ir";

/** A joint graph whose backward pass recomputes every forward node for which `saved` is false. */
export function withRecompute(joint: Graph, saved: (n: Node) => boolean): Graph {
  const forward = joint.nodes.filter((n) => !n.loc.origin);
  const backward = joint.nodes.filter((n) => n.loc.origin);
  let next = Math.max(...joint.inputs.map((i) => i.id), ...joint.nodes.map((n) => n.id)) + 1;
  const copyOf = new Map<ValueId, Node>();
  for (const n of forward) {
    if (saved(n) || n.args.length === 0) continue; // sources (constants, full) are not worth recomputing
    copyOf.set(n.id, {
      ...n,
      id: next++,
      args: n.args.map((a) => copyOf.get(a)?.id ?? a),
      loc: { ...n.loc, origin: { kind: "recompute", of: n.id } },
    });
  }
  const mapped = backward.map((n) => ({ ...n, args: n.args.map((a) => copyOf.get(a)?.id ?? a) }));
  // keep only the copies the backward pass reaches
  const used = new Set<ValueId>(mapped.flatMap((n) => n.args));
  const copies = [...copyOf.values()];
  for (let i = copies.length - 1; i >= 0; i--) if (used.has(copies[i].id)) copies[i].args.forEach((a) => used.add(a));
  const recompute = copies.filter((c) => used.has(c.id));
  return { ...joint, nodes: [...forward, ...recompute, ...mapped] };
}
