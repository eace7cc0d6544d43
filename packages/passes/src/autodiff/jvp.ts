import { GraphBuilder, remapTags, UNKNOWN_LOC, opDef, t, type Graph, type SourceLoc, type Tensor, type ValueId } from "@adjoint/ir";
import { activeValues } from "./active";
import { resolveArgnums } from "./argnums";

/**
 * Forward mode as a graph transform: every value carries its tangent beside it — dual
 * numbers on whole tensors, in one pass. The result:
 *   inputs  = g's inputs, then one tangent per input in `argnums` (named `t_<name>`)
 *   outputs = g's outputs, then the tangent of each output
 */
export function jvpGraph(g: Graph, argnums?: number | readonly number[]): Graph {
  const wrt = resolveArgnums(g, argnums ?? [...g.inputs.keys()].filter((i) => g.inputs[i].type.dtype === "f32"), "jvp");
  const b = new GraphBuilder(`jvp_${g.name}`);
  const env = new Map<ValueId, Tensor>();
  const tangents = new Map<ValueId, Tensor>();
  for (const i of g.inputs) env.set(i.id, b.addInput(i.type, i.name, i.loc));
  for (const k of wrt) {
    const input = g.inputs[k];
    tangents.set(input.id, b.addInput(input.type, `t_${input.name}`, input.loc));
  }
  const active = activeValues(g, new Set(wrt.map((k) => g.inputs[k].id)));
  for (const n of g.nodes) {
    const out = b.withLoc(n.loc, () => b.emit(n.op, n.args.map((a) => env.get(a)!), n.attrs, remapTags(n.tags, (id) => env.get(id)!.id)));
    env.set(n.id, out);
    if (!active.has(n.id)) continue;
    const loc: SourceLoc = { ...n.loc, origin: { kind: "tangent", of: out.id } };
    const dy = b.withLoc(loc, () =>
      opDef(n.op).jvp(t, n.args.map((a) => env.get(a)!), n.args.map((a) => tangents.get(a) ?? null), n.attrs as never, out),
    );
    if (dy) tangents.set(n.id, dy);
  }
  const outs = g.outputs.map((o) => env.get(o)!);
  const touts = g.outputs.map((o, k) => tangents.get(o) ?? b.withLoc(locOf(g, o), () => t.zerosLike(outs[k])));
  return b.finish([...outs, ...touts]);
}

function locOf(g: Graph, id: ValueId): SourceLoc {
  return g.nodes.find((n) => n.id === id)?.loc ?? g.inputs.find((i) => i.id === id)?.loc ?? UNKNOWN_LOC;
}
