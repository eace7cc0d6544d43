/** Constant folding: elementwise ops on literals become literals, computed with the op's own scalar semantics. */
import { numel, opDef, type Node } from "@adjoint/ir";
import type { Pass } from "../pass";
import { redefine, rewriteNodes, type Rewrite, type RewriteView } from "../rewrite";
import { literalElements, roundTo } from "./literals";

/** Options of `constant-fold`. */
export interface ConstantFoldOptions {
  /** Largest `constant` a fold may create, in elements (default 1024); a `full` has no limit: it is one number. */
  readonly maxConstantElements?: number;
}

/** The default limit on folded `constant` sizes: large literals would bloat the IR and the dumps. */
export const DEFAULT_MAX_CONSTANT_ELEMENTS = 1024;

const fullOf = (n: Node, value: number): Rewrite => ({
  replace: redefine(n, "full", [], { value, shape: [...n.type.shape], dtype: n.type.dtype }),
});

/** An elementwise node whose operands are all literals, evaluated element by element and rounded to its dtype. */
function foldElementwise(n: Node, view: RewriteView, maxElements: number): Rewrite {
  const def = opDef(n.op);
  if (def.class !== "elementwise" || n.args.length === 0) return undefined;
  const producers = n.args.map((a) => view.producer(a));
  const operands = producers.map(literalElements);
  if (operands.some((e) => e === undefined)) return undefined;
  const elements = operands as ((i: number) => number)[];
  const dtype = n.type.dtype;
  const at = (i: number) => roundTo(dtype, def.scalar(...elements.map((e) => e(i))));
  if (producers.every((p) => p!.op === "full")) return fullOf(n, at(0));
  const count = numel(n.type.shape);
  if (count > maxElements) return undefined;
  const value = Array.from({ length: count }, (_, i) => at(i));
  return { replace: redefine(n, "constant", [], { value, shape: [...n.type.shape], dtype }) };
}

/** Movement of a `full` is a `full` of the new shape; a reshaped `constant` keeps its row-major values. */
function foldMovement(n: Node, view: RewriteView): Rewrite {
  if (n.op !== "broadcast" && n.op !== "reshape" && n.op !== "transpose") return undefined;
  const src = view.producer(n.args[0]);
  if (src?.op === "full") return fullOf(n, src.attrs.value as number);
  if (src?.op === "constant" && n.op === "reshape") {
    return { replace: redefine(n, "constant", [], { value: src.attrs.value, shape: [...n.type.shape], dtype: n.type.dtype }) };
  }
  return undefined;
}

/** Folds literals forward through the graph in one sweep (a folded node feeds the next fold). */
export const constantFold: Pass<ConstantFoldOptions> = {
  name: "constant-fold",
  summary: "evaluate elementwise ops and movements of literal (full/constant) operands at compile time",
  run(g, ctx) {
    const maxElements = ctx.options?.maxConstantElements ?? DEFAULT_MAX_CONSTANT_ELEMENTS;
    return rewriteNodes(g, ctx, "constant-fold", (n, view) => foldElementwise(n, view, maxElements) ?? foldMovement(n, view));
  },
};
