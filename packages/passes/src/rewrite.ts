/**
 * The engine of the local rewrite passes: one forward sweep in topological order applying a
 * rule to each node, then one immer `produceWithPatches` that commits every edit at once.
 */
import { castDraft, enablePatches, produceWithPatches } from "immer";
import { formatType, freezeNode, sameShape, type AttrValue, type Graph, type Node, type TensorType, type ValueId } from "@adjoint/ir";
import type { PassContext } from "./pass";
import { writeTargets } from "./inplace/views";
import { valueIdBound } from "./value-ids";

enablePatches();

/** What a rule decides for one node: keep it (undefined), forward its uses to an existing value, or redefine it. */
export type Rewrite = { readonly forward: ValueId } | { readonly replace: Node } | undefined;

/** What a rule may look at: the current definitions of earlier values, rewrites included. */
export interface RewriteView {
  /** The node that defines `id` now, or undefined when `id` is a graph input. */
  producer(id: ValueId): Node | undefined;
  /** The type of any value defined so far. */
  typeOf(id: ValueId): TensorType;
}

/** A local rule: sees one node (its operands already forwarded) and decides. */
export type RewriteRule = (n: Node, view: RewriteView) => Rewrite;

/** Edits to commit: nodes redefined in place (by index), node indices to erase, and the outputs. */
export interface NodeEdits {
  readonly replaced: ReadonlyMap<number, Node>;
  readonly erased: ReadonlySet<number>;
  readonly outputs: readonly ValueId[];
}

/** A frozen node: `base` with the given fields changed (same id, loc and type unless given). */
export function redefine(base: Node, op: string, args: readonly ValueId[], attrs: Readonly<Record<string, AttrValue>>, type = base.type): Node {
  return freezeNode({ id: base.id, op, args, attrs, type, loc: base.loc, ...(base.tags ? { tags: base.tags } : {}) });
}

/**
 * Applies `edits` to `g` with a single `produceWithPatches` and reports the patches to `ctx`.
 * Returns `g` itself when there is nothing to do. In-place replacements become per-node
 * patches (an exact change summary); erasures rebuild the node array in one assignment.
 */
export function commitEdits(g: Graph, ctx: PassContext<unknown>, edits: NodeEdits): Graph {
  const { replaced, erased, outputs } = edits;
  const outputsChanged = outputs.length !== g.outputs.length || outputs.some((o, i) => o !== g.outputs[i]);
  if (replaced.size === 0 && erased.size === 0 && !outputsChanged) return g;
  const [next, patches] = produceWithPatches(g, (draft) => {
    if (erased.size > 0) {
      const nodes: Node[] = [];
      g.nodes.forEach((n, i) => {
        if (!erased.has(i)) nodes.push(replaced.get(i) ?? n);
      });
      draft.nodes = castDraft(Object.freeze(nodes));
    } else {
      for (const [i, n] of replaced) draft.nodes[i] = castDraft(n);
    }
    if (outputsChanged) draft.outputs = castDraft(Object.freeze([...outputs]));
  });
  ctx.recordPatches(patches);
  return next;
}

/**
 * Runs `rule` over every node in order. A forwarded node's uses (later operands and graph
 * outputs) are redirected to the value it forwards to, and the node is erased: nothing can
 * use it any more. Iterative and O(N) plus the rule's own cost.
 */
export function rewriteNodes(g: Graph, ctx: PassContext<unknown>, passName: string, rule: RewriteRule): Graph {
  const bound = valueIdBound(g);
  const producers = new Array<Node | undefined>(bound);
  const inputTypes = new Array<TensorType | undefined>(bound);
  for (const input of g.inputs) inputTypes[input.id] = input.type;
  const forwarded = new Array<ValueId | undefined>(bound);
  let anyForwarded = false;
  const replaced = new Map<number, Node>();
  const erased = new Set<number>();
  const view: RewriteView = {
    producer: (id) => producers[id],
    typeOf: (id) => {
      const t = producers[id]?.type ?? inputTypes[id];
      if (!t) throw new Error(`${passName}: %${id} is not defined before its use`);
      return t;
    },
  };
  const resolve = (id: ValueId) => forwarded[id] ?? id;
  // a value an in-place write takes over must not be merged into another (or vice versa)
  const pinned = writeTargets(g);

  for (let i = 0; i < g.nodes.length; i++) {
    const orig = g.nodes[i];
    let n = orig;
    if (anyForwarded && orig.args.some((a) => forwarded[a] !== undefined)) {
      n = redefine(orig, orig.op, orig.args.map(resolve), orig.attrs);
    }
    let r = rule(n, view);
    if (r && "forward" in r && (pinned[n.id] || pinned[resolve(r.forward)])) r = undefined;
    if (r && "forward" in r) {
      const to = resolve(r.forward);
      if (to === n.id) throw new Error(`${passName}: a rule forwarded %${n.id} to itself`);
      const t = view.typeOf(to);
      if (t.dtype !== n.type.dtype || !sameShape(t.shape, n.type.shape)) {
        throw new Error(`${passName}: cannot forward %${n.id} (${formatType(n.type)}) to %${to} (${formatType(t)})`);
      }
      forwarded[n.id] = to;
      anyForwarded = true;
      erased.add(i);
      continue;
    }
    if (r) {
      if (r.replace.id !== n.id) throw new Error(`${passName}: a rule redefined %${n.id} as %${r.replace.id}`);
      n = r.replace;
    }
    producers[n.id] = n;
    if (n !== orig) replaced.set(i, n);
  }
  return commitEdits(g, ctx, { replaced, erased, outputs: g.outputs.map(resolve) });
}
