import { GraphBuilder, remapTags, opDef, t, type Graph, type Node, type SourceLoc, type Tensor, type ValueId } from "@adjoint/ir";
import { activeValues } from "./active";
import { resolveArgnums } from "./argnums";
import { LinearTape } from "./linear-tape";

/**
 * Reverse mode as a graph transform. The result is a joint graph:
 *   inputs  = g's inputs, then one cotangent per output of g (named `ct0`, `ct1`, ...)
 *   outputs = g's outputs, then the cotangent of each input in `argnums`
 * Backward nodes carry the location of the forward node they differentiate
 * (`grad of %12`), so dumps and errors point at the user's line.
 */
export function vjpGraph(g: Graph, argnums?: number | readonly number[]): Graph {
  const wrt = resolveArgnums(g, argnums, "vjp");
  const b = new GraphBuilder(`vjp_${g.name}`);
  const env = new Map<ValueId, Tensor>();
  for (const i of g.inputs) env.set(i.id, b.addInput(i.type, i.name, i.loc));
  for (const n of g.nodes) {
    env.set(n.id, b.withLoc(n.loc, () => b.emit(n.op, n.args.map((a) => env.get(a)!), n.attrs, remapTags(n.tags, (id) => env.get(id)!.id))));
  }
  const active = activeValues(g, new Set(wrt.map((i) => g.inputs[i].id)));
  const cts = new Map<ValueId, Tensor>();
  const accumulate = (id: ValueId, ct: Tensor) => {
    const prev = cts.get(id);
    cts.set(id, prev ? t.add(prev, ct) : ct);
  };
  g.outputs.forEach((o, k) => {
    const ct = b.addInput(env.get(o)!.type, `ct${k}`, locOf(g, o));
    if (active.has(o)) accumulate(o, ct);
  });

  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    const ct = cts.get(n.id);
    if (!ct) continue;
    cts.delete(n.id); // a value's cotangent is complete once its last user is processed
    const out = env.get(n.id)!;
    const loc: SourceLoc = { ...n.loc, origin: { kind: "grad", of: out.id } };
    b.withLoc(loc, () => {
      const argCts = pullback(n, env, active, b, ct, out);
      n.args.forEach((a, k) => {
        const c = argCts[k];
        if (c && active.has(a)) accumulate(a, c);
      });
    });
  }
  const grads = wrt.map((i) => {
    const input = g.inputs[i];
    return cts.get(input.id) ?? b.withLoc(input.loc, () => t.zerosLike(env.get(input.id)!));
  });
  return b.finish([...g.outputs.map((o) => env.get(o)!), ...grads]);
}

/** Operand cotangents of one node: its VJP rule if it has one, else its JVP rule transposed. */
function pullback(n: Node, env: ReadonlyMap<ValueId, Tensor>, active: ReadonlySet<ValueId>, b: GraphBuilder, ct: Tensor, out: Tensor): readonly (Tensor | null)[] {
  const def = opDef(n.op);
  const primals = n.args.map((a) => env.get(a)!);
  if (def.vjp) return def.vjp(t, primals, ct, n.attrs as never, out);
  const tape = new LinearTape(b);
  const tangents = n.args.map((a) => (active.has(a) ? tape.input(env.get(a)!.type) : null));
  const tangentOut = def.jvp(t, primals, tangents, n.attrs as never, out);
  // a tangent not on the tape does not depend on the inputs: a zero
  if (!tangentOut || tangentOut.emitter !== tape) return [];
  return tape.transpose(tangentOut, ct, tangents);
}

function locOf(g: Graph, id: ValueId): SourceLoc | undefined {
  return g.nodes.find((n) => n.id === id)?.loc ?? g.inputs.find((i) => i.id === id)?.loc;
}
