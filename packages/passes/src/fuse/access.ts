/**
 * Turning a strided view into an `Access` over a kernel's loop (plan/types.ts): the loop
 * index is the domain dims then the reduce dims (reduce kernels) or (...batch, m, n, k)
 * (matmul kernels), and a member of a space is read at the loop point that space maps to.
 */
import type { Node, Shape } from "@adjoint/ir";
import type { Access } from "../plan/types";
import type { LoopKind } from "./reads";
import { alignStrides, type View } from "./views";

/** The loop shape of a kernel and how each of its spaces maps onto it. */
export interface LoopShape {
  readonly kind: LoopKind;
  readonly spaces: readonly Shape[];
  /** The reducer (reduce kernels) or matmul node (matmul kernels). */
  readonly anchor?: Node;
  /** Reduce kernels: `reduceAxes(anchor)`, computed once per kernel. */
  readonly axes?: ReturnType<typeof reduceAxes>;
}

/** The loop shape of a kernel of `kind` over `spaces`. */
export const loopShape = (kind: LoopKind, spaces: readonly Shape[], anchor?: Node): LoopShape => ({
  kind, spaces, anchor, axes: kind === "reduce" ? reduceAxes(anchor!) : undefined,
});

const access = (v: View, strides: number[]): Access => ({ source: v.base, strides, offset: v.offset });

/**
 * For a reduce kernel, which reducer-input axis each domain dim walks (-1: a kept size-1
 * dim of keepdims, which walks nothing) and which axes the reduce dims walk.
 */
export function reduceAxes(reducer: Node): { domainAxes: number[]; reduceAxes: readonly number[] } {
  const axes = reducer.attrs.axes as readonly number[];
  const rank = reducer.type.shape.length + (reducer.attrs.keepdims ? 0 : axes.length);
  const kept = [...Array(rank).keys()].filter((i) => !axes.includes(i));
  const domainAxes = reducer.attrs.keepdims ? [...Array(rank).keys()].map((i) => (axes.includes(i) ? -1 : i)) : kept;
  return { domainAxes, reduceAxes: axes };
}

/** Strides over the kernel loop that read `view` at the points of `space`. */
export function loopStrides(loop: LoopShape, space: number, view: View): number[] {
  switch (loop.kind) {
    case "elementwise":
      return alignStrides(view, loop.spaces[0]);
    case "matmul":
      return [...alignStrides(view, loop.spaces[0]), 0];
    case "reduce": {
      const { domainAxes, reduceAxes: axes } = loop.axes!;
      if (space === 1) return [...alignStrides(view, loop.spaces[1]), ...axes.map(() => 0)];
      const s = alignStrides(view, loop.spaces[0]);
      return [...domainAxes.map((a) => (a < 0 ? 0 : s[a])), ...axes.map((a) => s[a])];
    }
    case "opaque":
      return [...view.strides];
  }
}

/** The access of a kernel member reading `view` in `space`. */
export const accessFor = (loop: LoopShape, space: number, view: View): Access => access(view, loopStrides(loop, space, view));

/** The `a` and `b` accesses of a matmul over loop dims (...batch, m, n, k), transposes folded in. */
export function matmulAccesses(a: View, b: View): { a: Access; b: Access } {
  const r = a.shape.length;
  const batchA = a.strides.slice(0, r - 2), batchB = b.strides.slice(0, r - 2);
  return {
    a: access(a, [...batchA, a.strides[r - 2], 0, a.strides[r - 1]]),
    b: access(b, [...batchB, 0, b.strides[r - 1], b.strides[r - 2]]),
  };
}
