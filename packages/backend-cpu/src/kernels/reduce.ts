import { AdjointError, opDef, stridesOf, type HostTensor, type OpName } from "@adjoint/ir";
import { walkStrided } from "./strided";
import type { Kernel, KernelTable } from "./kernel";

/** The binary scalar an op defines, reused so reductions share elementwise semantics (e.g. NaN-propagating max). */
function combinerOf(op: OpName): (acc: number, v: number) => number {
  const def = opDef(op);
  if (def.class !== "elementwise") throw new AdjointError(`${op} has no scalar semantics`, op);
  return def.scalar;
}

/**
 * Folds `combine` over `axes` starting from `init`. Accumulates in doubles and rounds once
 * on the final store, so the oracle is as exact as the storage type allows.
 */
function reduction<K extends "reduce_sum" | "reduce_max">(init: number, combine: (acc: number, v: number) => number): Kernel<K> {
  return (out: HostTensor, [x], { axes }) => {
    // Output position of an input element: the strides of the keepdims shape, with 0 along
    // reduced axes. keepdims does not change the flat layout, so one rule serves both.
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const outStrides = stridesOf(kept).map((s, i) => (axes.includes(i) ? 0 : s));
    const acc = new Float64Array(out.data.length).fill(init);
    const src = x.data;
    walkStrided(x.shape, { offset: 0, strides: stridesOf(x.shape) }, { offset: 0, strides: outStrides }, (i, o) => {
      acc[o] = combine(acc[o], src[i]);
    });
    out.data.set(acc);
  };
}

/** Kernels of the reductions; an empty reduction gives 0 (sum) or -Infinity (max, which i32 stores as 0). */
export const reduceKernels: KernelTable<"reduce_sum" | "reduce_max"> = {
  reduce_sum: reduction(0, combinerOf("add")),
  reduce_max: reduction(-Infinity, combinerOf("max")),
};
