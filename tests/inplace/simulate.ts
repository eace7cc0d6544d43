// A memory-model simulator for the in-place tests: runs a graph node by node on the reference
// interpreter, but with shared buffers, as a backend honouring buffer takeovers would.
// - A node that takes over value b's memory (a `writes` tag, or a reuse pair) writes its
//   result into b's buffer, so anything reading b afterwards sees the new contents.
// - Views (broadcast, reshape, transpose, slice, custom_vjp) own no memory: they are
//   evaluated from their root's buffer at each read, as fused strided accesses would be.
// If a takeover is unsafe, the simulated results differ from the plain interpreter's.
import { interpret } from "@adjoint/backend-cpu";
import { VIEW_OPS, viewedOperand } from "@adjoint/passes";
import type { Graph, HostTensor, Node, ValueId } from "@adjoint/ir";

/** Runs one node on the interpreter, given its operand values. */
function evalNode(n: Node, args: readonly HostTensor[]): HostTensor {
  const g: Graph = {
    name: `node_${n.id}`,
    inputs: args.map((a, i) => ({ id: i, name: `a${i}`, type: { shape: a.shape, dtype: a.dtype }, loc: n.loc })),
    nodes: [{ id: args.length, op: n.op, args: args.map((_, i) => i), attrs: n.attrs, type: n.type, loc: n.loc }],
    outputs: [args.length],
  };
  return interpret(g, args, { precision: "f64" })[0];
}

/**
 * Runs `g` with buffer takeovers: `takeover(n)` names the value whose memory node n writes
 * into (or undefined for a fresh buffer). Returns each output as a plain array.
 */
export function simulate(g: Graph, inputs: readonly HostTensor[], takeover: (n: Node) => ValueId | undefined): number[][] {
  const buffers = new Map<ValueId, HostTensor>();
  const views = new Map<ValueId, Node>();
  const root = new Map<ValueId, ValueId>();
  g.inputs.forEach((input, i) => {
    const h = inputs[i];
    buffers.set(input.id, { shape: h.shape, dtype: h.dtype, data: Float64Array.from(h.data) });
    root.set(input.id, input.id);
  });
  // a view's value, read now from its root's current memory
  const read = (id: ValueId): HostTensor => {
    const chain: Node[] = [];
    let cur = id;
    while (views.has(cur)) {
      chain.push(views.get(cur)!);
      cur = viewedOperand(views.get(cur)!)!;
    }
    let v = buffers.get(cur)!;
    for (let k = chain.length - 1; k >= 0; k--) if (chain[k].op !== "custom_vjp") v = evalNode(chain[k], [v]); // custom_vjp: its operand's value
    return v;
  };
  for (const n of g.nodes) {
    if (VIEW_OPS.has(n.op)) {
      views.set(n.id, n);
      root.set(n.id, root.get(viewedOperand(n)!)!);
      continue;
    }
    const out = evalNode(n, n.args.map(read));
    const target = takeover(n);
    root.set(n.id, n.id);
    if (target === undefined) {
      buffers.set(n.id, out);
      continue;
    }
    const mem = buffers.get(root.get(target)!)!;
    if (mem.data.length !== out.data.length) throw new Error(`simulate: %${n.id} cannot take over %${target}: sizes differ`);
    mem.data.set(out.data);
    buffers.set(n.id, { shape: out.shape, dtype: out.dtype, data: mem.data });
  }
  return g.outputs.map((o) => Array.from(read(o).data));
}

/** Takeovers as the `writes` tags say. */
export const byWritesTags = (n: Node): ValueId | undefined => n.tags?.writes;
