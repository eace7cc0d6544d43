/**
 * Shrinks a failing graph while it still fails: drops outputs, bypasses nodes (their users
 * read an operand or input of the same type instead) and cuts nodes (they become new inputs),
 * removing whatever no output needs any more. Every candidate is verified before it is tried.
 * Greedy, first improvement, until a whole sweep changes nothing or the budget of tries is spent.
 */
import { verifyGraph, type Graph, type GraphInput, type Node, type ValueId } from "@adjoint/ir";

/** True while the candidate still fails the same way. */
export type StillFails = (g: Graph) => Promise<boolean>;

/** Nodes and inputs reachable backwards from the outputs (write targets count as reads). */
export function pruneGraph(g: Graph): Graph {
  const live = new Set<ValueId>(g.outputs);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!live.has(n.id)) continue;
    for (const a of n.args) live.add(a);
    if (n.tags?.writes !== undefined) live.add(n.tags.writes);
  }
  return { ...g, inputs: g.inputs.filter((x) => live.has(x.id)), nodes: g.nodes.filter((n) => live.has(n.id)) };
}

const sameType = (a: { type: Node["type"] }, b: { type: Node["type"] }) =>
  a.type.dtype === b.type.dtype && a.type.shape.join(",") === b.type.shape.join(",");

/** `g` with every use of `from` (operands, outputs, write targets) renamed to `to`, and `from`'s node removed. */
function replaceValue(g: Graph, from: ValueId, to: ValueId, extraInput?: GraphInput): Graph {
  const rename = (v: ValueId) => (v === from ? to : v);
  const nodes = g.nodes
    .filter((n) => n.id !== from)
    .map((n) => {
      const args = n.args.map(rename);
      const writes = n.tags?.writes;
      const tags = writes === from ? { ...n.tags, writes: to } : n.tags;
      return args.some((a, i) => a !== n.args[i]) || tags !== n.tags ? { ...n, args, ...(tags ? { tags } : {}) } : n;
    });
  return { ...g, inputs: extraInput ? [...g.inputs, extraInput] : g.inputs, nodes, outputs: g.outputs.map(rename) };
}

/** Smaller graphs to try instead of `g`, most promising first. */
function* candidates(g: Graph): Generator<Graph> {
  if (g.outputs.length > 1) for (let i = 0; i < g.outputs.length; i++) yield { ...g, outputs: g.outputs.filter((_, j) => j !== i) };
  let nextId = Math.max(...g.inputs.map((x) => x.id), ...g.nodes.map((n) => n.id)) + 1;
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    const types = new Map<ValueId, Node["type"]>([...g.inputs.map((x) => [x.id, x.type] as const), ...g.nodes.slice(0, i).map((m) => [m.id, m.type] as const)]);
    const sources = [...new Set([...n.args, ...g.inputs.map((x) => x.id)])].filter((a) => types.has(a) && sameType({ type: types.get(a)! }, n));
    for (const s of sources) yield replaceValue(g, n.id, s);
    if (n.args.length > 0) {
      const id = nextId++;
      yield replaceValue(g, n.id, id, { id, name: `cut${n.id}`, type: n.type, loc: n.loc });
    }
  }
}

/** What shrinking minimises: nodes first, then outputs and inputs. */
const sizeOf = (g: Graph) => 4 * g.nodes.length + g.outputs.length + g.inputs.length;

/** The smallest graph found that still fails, within `maxTries` candidate runs. */
export async function shrinkGraph(g: Graph, stillFails: StillFails, maxTries = 2000): Promise<Graph> {
  let best = pruneGraph(g);
  let tries = 0;
  let improved = true;
  while (improved && tries < maxTries) {
    improved = false;
    for (const raw of candidates(best)) {
      const c = pruneGraph(raw);
      if (c.nodes.length === 0 || sizeOf(c) >= sizeOf(best)) continue;
      try {
        verifyGraph(c);
      } catch {
        continue;
      }
      if (++tries > maxTries) break;
      if (await stillFails(c)) {
        best = c;
        improved = true;
        break;
      }
    }
  }
  return best;
}
