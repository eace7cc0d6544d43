/** Common-subexpression elimination: one node per distinct (op, operands, attributes). */
import { formatNumber, opDef, type AttrValue, type Node, type ValueId } from "@adjoint/ir";
import type { Pass } from "../pass";
import { rewriteNodes } from "../rewrite";

const formatAttr = (v: AttrValue): string =>
  typeof v === "number" ? formatNumber(v) : typeof v === "object" ? `[${v.map(formatNumber).join(",")}]` : String(v);

/**
 * The identity of a computation. Attributes are sorted by name and numbers printed exactly
 * (`-0` and `0` differ, NaN equals NaN), so equal keys mean equal results: every op is pure
 * and deterministic (a random op would have to carry its seed as an attribute).
 */
export function cseKey(n: Node): string {
  const attrs = Object.keys(n.attrs).sort().map((k) => `${k}=${formatAttr(n.attrs[k])}`).join(";");
  const args = COMMUTATIVE.has(n.op) && n.args[0] > n.args[1] ? [n.args[1], n.args[0]] : n.args;
  return `${n.op}(${args.join(",")}){${attrs}}`;
}

/**
 * Ops whose result is bitwise the same with operands swapped (IEEE add and multiply are, and
 * so are equality tests). Not max/min: which zero or NaN they return may depend on the order.
 * The chain rule emits both `x·g` and `g·x` (e.g. the two halves of d(x·x)): one key merges them.
 */
const COMMUTATIVE = new Set(["add", "mul", "eq", "ne"]);

/** Merges every node into the first earlier node with the same key; operands are already merged, so one sweep finds chains. */
export const cse: Pass = {
  name: "cse",
  summary: "merge nodes that compute the same op on the same operands with the same attributes",
  run(g, ctx) {
    const seen = new Map<string, ValueId>();
    return rewriteNodes(g, ctx, "cse", (n) => {
      // A recompute node is a deliberate duplicate of a forward node: checkpointing placed it
      // so the forward value can die early. Merging it with anything (its original, or
      // another recompute) would silently undo checkpointing, so it is neither merged nor
      // used as the survivor of a merge.
      if (n.loc.origin?.kind === "recompute") return undefined;
      // two calls of an impure op (random, in-place) are two different values
      if (opDef(n.op).pure === false) return undefined;
      const key = cseKey(n);
      const first = seen.get(key);
      if (first !== undefined) return { forward: first };
      seen.set(key, n.id);
      return undefined;
    });
  },
};
