// One kernel per graph node: the shape fusion's output has before any fusion. Scheduling and
// memory planning only look at what kernels read, write and how many bytes, so this is enough
// to test them until the fusion pass lands.
import { stridesOf, type Graph, type ValueId } from "@adjoint/ir";
import type { Access, Kernel, KernelGraph } from "@adjoint/passes";

/** A KernelGraph with one opaque kernel per non-constant node, in the graph's node order. */
export function kernelPerNode(graph: Graph): KernelGraph {
  const types = new Map<ValueId, readonly number[]>();
  for (const i of graph.inputs) types.set(i.id, i.type.shape);
  for (const n of graph.nodes) types.set(n.id, n.type.shape);
  const kernels: Kernel[] = [];
  for (const n of graph.nodes) {
    if (n.op === "constant") continue; // constants are data the executable holds, like inputs
    const loads = new Map<ValueId, Access>();
    for (const a of n.args) loads.set(a, { source: a, strides: stridesOf(types.get(a)!), offset: 0 });
    kernels.push({ id: kernels.length, loop: { kind: "opaque", node: n.id }, nodes: [n.id], loads, stores: [n.id] });
  }
  return { graph, kernels };
}
