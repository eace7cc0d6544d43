import { AdjointError, Tensor, type HostTensor } from "@adjoint/ir";

/** A model's parameters: tensors in (nested) records and arrays, JAX-pytree style. */
export type ParamTree<L> = L | readonly ParamTree<L>[] | { readonly [key: string]: ParamTree<L> | undefined };

/**
 * The same structure with every leaf replaced by `L`: `WithLeaf<GptParams<HostTensor>, Tensor>`
 * is what the traced model function receives for the initial values it was given.
 */
export type WithLeaf<P, L> = P extends HostTensor | Tensor
  ? L
  : P extends readonly (infer E)[]
    ? WithLeaf<E, L>[]
    : { [K in keyof P]: WithLeaf<P[K], L> };

/** The leaf type of a parameter tree (`HostTensor` for what `gptInit` returns). */
export type LeafOf<P> = P extends HostTensor | Tensor
  ? P
  : P extends readonly (infer E)[]
    ? LeafOf<E>
    : P extends object
      ? { [K in keyof P]-?: LeafOf<Exclude<P[K], undefined>> }[keyof P]
      : never;

/** One parameter leaf with its dotted path (e.g. "blocks.0.attn.qkv.w"). */
export interface NamedLeaf<L> {
  readonly path: string;
  readonly value: L;
}

const isLeaf = (x: unknown): boolean =>
  x instanceof Tensor || (typeof x === "object" && x !== null && !Array.isArray(x) && "data" in x && "shape" in x);

/**
 * The leaves of a parameter tree in a fixed order (object keys in insertion order, arrays by
 * index), each with its path. Absent optional entries (`undefined`) are skipped.
 */
export function flattenParams<P>(tree: P): NamedLeaf<LeafOf<P>>[] {
  type L = LeafOf<P>;
  const out: NamedLeaf<L>[] = [];
  // explicit stack (pushed in reverse) keeps the order without recursion
  const stack: { path: string; node: unknown }[] = [{ path: "", node: tree }];
  while (stack.length) {
    const { path, node } = stack.pop()!;
    if (node === undefined) continue;
    if (isLeaf(node)) {
      out.push({ path, value: node as L });
      continue;
    }
    if (typeof node !== "object" || node === null) throw new AdjointError(`parameters: '${path || "(root)"}' is ${String(node)}, not a tensor, array or record`);
    const entries: [string, unknown][] = Array.isArray(node) ? node.map((v, i) => [String(i), v]) : Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ path: path ? `${path}.${entries[i][0]}` : entries[i][0], node: entries[i][1] });
  }
  return out;
}

/** Rebuilds `template`'s structure with `leaves` (in `flattenParams` order) in place of its leaves. */
export function unflattenParams<P, L>(template: P, leaves: readonly L[]): WithLeaf<P, L> {
  let next = 0;
  const build = (node: unknown): unknown => {
    if (node === undefined) return undefined;
    if (isLeaf(node)) {
      if (next >= leaves.length) throw new AdjointError(`parameters: the template has more leaves than the ${leaves.length} given`);
      return leaves[next++];
    }
    if (Array.isArray(node)) return node.map(build);
    return Object.fromEntries(Object.entries(node as object).map(([k, v]) => [k, build(v)]));
  };
  const out = build(template);
  if (next !== leaves.length) throw new AdjointError(`parameters: the template has ${next} leaves but ${leaves.length} were given`);
  return out as WithLeaf<P, L>;
}

/** Number of scalars in a parameter tree. */
export function countParams(tree: object): number {
  return (flattenParams(tree) as NamedLeaf<HostTensor>[]).reduce((n, { value }) => n + value.data.length, 0);
}
