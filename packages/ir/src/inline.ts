import { GraphBuilder, currentBuilder } from "./builder";
import { ShapeError, formatType } from "./errors";
import { sameShape } from "./shape";
import type { Tensor } from "./tensor";
import type { Graph, NodeTags, SourceLoc, ValueId } from "./types";

/**
 * Replays `g`'s nodes into the trace that `args` belong to, binding g's inputs to `args`.
 * Node locations are kept; derived-node origins are renumbered to the new ids.
 * This is how a transformed function (grad of f, ...) becomes part of an enclosing trace.
 */
export function inlineGraph(g: Graph, args: readonly Tensor[], into?: GraphBuilder): Tensor[] {
  const builder = into ?? args[0]?.emitter.main ?? currentBuilder();
  if (!builder) throw new ShapeError(`cannot inline @${g.name}: no active trace`);
  if (args.length !== g.inputs.length) {
    throw new ShapeError(`@${g.name} takes ${g.inputs.length} arguments, got ${args.length}`);
  }
  const env = new Map<ValueId, Tensor>();
  g.inputs.forEach((input, i) => {
    const a = args[i];
    if (a.dtype !== input.type.dtype || !sameShape(a.shape, input.type.shape)) {
      throw new ShapeError(`@${g.name}: argument ${i} ('${input.name}') must be ${formatType(input.type)}, got ${formatType(a.type)}`);
    }
    env.set(input.id, a);
  });
  for (const n of g.nodes) {
    const loc: SourceLoc = n.loc.origin && env.has(n.loc.origin.of) ? { ...n.loc, origin: { kind: n.loc.origin.kind, of: env.get(n.loc.origin.of)!.id } } : n.loc;
    const tags = remapTags(n.tags, (id) => env.get(id)!.id);
    env.set(n.id, builder.withLoc(loc, () => builder.emit(n.op, n.args.map((a) => env.get(a)!), n.attrs, tags)));
  }
  return g.outputs.map((o) => env.get(o)!);
}

/** A node's tags with value references renamed (for transforms that renumber values). */
export function remapTags(tags: NodeTags | undefined, rename: (id: ValueId) => ValueId): NodeTags | undefined {
  if (!tags) return undefined;
  return tags.writes === undefined ? tags : { ...tags, writes: rename(tags.writes) };
}
