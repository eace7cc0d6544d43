/** Reading literal values (`full`, `constant`) off nodes, and rounding numbers to a dtype. */
import type { DType, Node } from "@adjoint/ir";

/** A number as a value of `dtype` holds it: f32 rounds, i32 wraps and truncates like an Int32Array store, bool is `v !== 0` (NaN is true). */
export function roundTo(dtype: DType, v: number): number {
  switch (dtype) {
    case "f32":
      return Math.fround(v);
    case "i32":
      return v | 0;
    case "bool":
      return v !== 0 ? 1 : 0;
  }
}

const NOT_SPLAT = Symbol("not a splat");
// A big constant can be an operand of many nodes; scan its values once.
const constantSplats = new WeakMap<Node, number | typeof NOT_SPLAT>();

function constantSplat(n: Node): number | undefined {
  let v = constantSplats.get(n);
  if (v === undefined) {
    const values = n.attrs.value as readonly number[];
    v = values.length ? roundTo(n.type.dtype, values[0]) : NOT_SPLAT;
    for (let i = 1; i < values.length && v !== NOT_SPLAT; i++) {
      if (!Object.is(roundTo(n.type.dtype, values[i]), v)) v = NOT_SPLAT;
    }
    constantSplats.set(n, v);
  }
  return v === NOT_SPLAT ? undefined : v;
}

/** The one value every element of a literal node holds (a `full`, or a `constant` of equal values); undefined otherwise. */
export function splatValue(n: Node | undefined): number | undefined {
  if (n?.op === "full") return roundTo(n.type.dtype, n.attrs.value as number);
  if (n?.op === "constant") return constantSplat(n);
  return undefined;
}

/** Element `i` (row-major) of a literal node, or undefined when `n` is no literal. */
export function literalElements(n: Node | undefined): ((i: number) => number) | undefined {
  if (n?.op === "full") {
    const v = roundTo(n.type.dtype, n.attrs.value as number);
    return () => v;
  }
  if (n?.op === "constant") {
    const values = n.attrs.value as readonly number[];
    const dtype = n.type.dtype;
    return (i) => roundTo(dtype, values[i]);
  }
  return undefined;
}
