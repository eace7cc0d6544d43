import { GraphBuilder, currentBuilder, withBuilder } from "./builder";
import { InferError, ShapeError, TraceError, formatLoc } from "./errors";
import { checkShape } from "./shape";
import { Tensor } from "./tensor";
import { DTYPES, type DType, type Graph, type Shape, type TensorType } from "./types";

/** Describes one input of a traced function. */
export interface Spec extends TensorType {
  readonly name?: string;
}

export function spec(shape: Shape, dtype: DType = "f32", name?: string): Spec {
  return Object.freeze({ shape: Object.freeze([...shape]), dtype, ...(name ? { name } : {}) });
}

/** The structure of a function's result: a tensor, an array or an object of them. */
export type OutTree = { kind: "leaf" } | { kind: "array"; items: OutTree[] } | { kind: "object"; keys: string[]; items: OutTree[] };

/** Flattens a result into tensors and its structure; anything else is a clear error. */
export function flattenResult(value: unknown, builder: GraphBuilder, path = "result"): { leaves: Tensor[]; tree: OutTree } {
  if (value instanceof Tensor) return { leaves: [value], tree: { kind: "leaf" } };
  const items = Array.isArray(value) ? value : value && typeof value === "object" && value.constructor === Object ? Object.values(value) : null;
  if (!items) {
    const what =
      typeof value === "number" ? `the number ${value}`
      : typeof value === "string" ? `the string ${JSON.stringify(value)}`
      : value === undefined || value === null ? String(value)
      : typeof value === "object" ? `a ${value.constructor?.name ?? "prototype-less"} object`
      : typeof value;
    const loc = builder.currentLoc();
    throw new TraceError(`the traced function returned ${what} at ${path}; it must return a tensor, or an array or object of tensors (at ${formatLoc(loc)})`, undefined, loc);
  }
  const keys = Array.isArray(value) ? [] : Object.keys(value as object);
  const leaves: Tensor[] = [];
  const trees: OutTree[] = [];
  items.forEach((item, i) => {
    const sub = flattenResult(item, builder, `${path}${Array.isArray(value) ? `[${i}]` : `.${keys[i]}`}`);
    leaves.push(...sub.leaves);
    trees.push(sub.tree);
  });
  return { leaves, tree: Array.isArray(value) ? { kind: "array", items: trees } : { kind: "object", keys, items: trees } };
}

/** Rebuilds a result's structure from flat leaves. */
export function unflattenResult<L>(tree: OutTree, leaves: readonly L[]): unknown {
  let i = 0;
  const build = (node: OutTree): unknown => {
    if (node.kind === "leaf") return leaves[i++];
    const items = node.items.map(build);
    return node.kind === "array" ? items : Object.fromEntries(node.keys.map((k, j) => [k, items[j]]));
  };
  return build(tree);
}

export interface Traced {
  /** Inputs: the function's arguments, then one per captured outer value (see `captures`). */
  readonly graph: Graph;
  readonly outTree: OutTree;
  /** Values of enclosing traces the function closed over; pass them after the arguments. */
  readonly captures: readonly Tensor[];
}

/** An input spec with a bad shape or dtype would trace into a graph the verifier rejects: say so up front. */
function checkSpec(s: Spec, i: number): void {
  const what = `trace: input ${i}${s.name ? ` ('${s.name}')` : ""}`;
  if (!DTYPES.includes(s.dtype)) throw new ShapeError(`${what} has dtype ${JSON.stringify(s.dtype)}; expected one of ${DTYPES.join(", ")}`);
  try {
    checkShape(s.shape);
  } catch (e) {
    if (e instanceof InferError) throw new ShapeError(`${what}: ${e.message}`);
    throw e;
  }
}

/** Traces `fn` on symbolic inputs, keeping the structure of its result. */
export function traceWithTree(fn: (...args: Tensor[]) => unknown, specs: readonly Spec[], name?: string): Traced {
  const builder = new GraphBuilder(name ?? (fn.name || "main"), currentBuilder());
  specs.forEach(checkSpec);
  // only dtype and shape become the input's type (a spec may carry a name)
  const inputs = specs.map((s, i) => builder.addInput({ dtype: s.dtype, shape: s.shape }, s.name ?? `arg${i}`));
  const result = withBuilder(builder, () => fn(...inputs));
  const { leaves, tree } = flattenResult(result, builder);
  return { graph: builder.finish(leaves), outTree: tree, captures: builder.captures.map((c) => c.outer) };
}

/** Traces a TypeScript function over tensors into a static `Graph`. */
export function trace(fn: (...args: Tensor[]) => unknown, specs: readonly Spec[], name?: string): Graph {
  return traceWithTree(fn, specs, name).graph;
}
