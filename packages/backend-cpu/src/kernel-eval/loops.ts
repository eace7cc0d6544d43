/**
 * The three loop nests of plan/types.ts, run point by point in row-major order:
 *
 * - elementwise: every member at every point of `domain`;
 * - reduce: per domain point, the prologue at each reduce point (reduce dims row-major)
 *   folded by the reducer (in doubles, from 0 or -Infinity, with the op's own scalar),
 *   rounded once; then the epilogue at (domain point, 0, ..., 0);
 * - matmul: per output point, Σ_k a·b in doubles with k ascending, rounded once; then the
 *   epilogue at (..batch, m, n, 0).
 *
 * Orders and rounding are the interpreter's, so results match it bit for bit. A stored
 * member is written at its own row-major index: the point's flat index in its space.
 */
import { numel, opDef, stridesOf, type Node, type Shape, type ValueId } from "@adjoint/ir";
import type { Storage } from "../storage";
import { readAt, rounder, type BoundLoad, type KernelProgram } from "./program";
import type { Precision } from "../storage";

/** Calls `visit` with each index of `dims` in row-major order (the array is reused). */
export function forEachIndex(dims: Shape, visit: (idx: number[]) => void): void {
  if (numel(dims) === 0) return;
  const idx = new Array<number>(dims.length).fill(0);
  for (;;) {
    visit(idx);
    let d = dims.length - 1;
    while (d >= 0 && ++idx[d] === dims[d]) idx[d--] = 0;
    if (d < 0) return;
  }
}

/** Dot product of an index with strides (a flat position). */
const flatOf = (idx: readonly number[], strides: readonly number[]) => {
  let f = 0;
  for (let d = 0; d < strides.length; d++) f += idx[d] * strides[d];
  return f;
};

/** Where each stored member is written: its storage and the member index holding its value. */
export interface StoreTarget {
  readonly member: number;
  readonly data: Storage;
}

/** Indices of `ids` among the program's members. */
const indicesOf = (p: KernelProgram, ids: readonly ValueId[]) => ids.map((id) => p.index.get(id)!);

/** An elementwise kernel: all members at every point of `domain`. */
export function runElementwise(p: KernelProgram, domain: Shape, stores: readonly StoreTarget[]): void {
  const all = p.steps.map((_, i) => i);
  const strides = stridesOf(domain);
  forEachIndex(domain, (idx) => {
    const flat = flatOf(idx, strides);
    p.run(all, idx, flat);
    for (const s of stores) s.data[flat] = p.values[s.member];
  });
}

/**
 * For a reduce kernel, the strides giving the row-major index in the reducer's input of a
 * loop point (domain dims then reduce dims); a kept size-1 dim (keepdims) contributes 0.
 */
export function prologueFlatStrides(reducer: Node, input: Shape): number[] {
  const axes = reducer.attrs.axes as readonly number[];
  const s = stridesOf(input);
  const kept = input.map((_, i) => i).filter((i) => !axes.includes(i));
  const domain = reducer.attrs.keepdims ? input.map((_, i) => (axes.includes(i) ? 0 : s[i])) : kept.map((i) => s[i]);
  return [...domain, ...axes.map((a) => s[a])];
}

/** Parts of a reduce loop, as member indices and shapes. */
export interface ReduceParts {
  readonly domain: Shape;
  readonly reduce: Shape;
  readonly prologue: readonly ValueId[];
  readonly reducer: Node;
  readonly input: Shape;
  readonly epilogue: readonly ValueId[];
}

/** A reduce kernel; `stores` are split by the space their member lives in. */
export function runReduce(p: KernelProgram, parts: ReduceParts, stores: readonly StoreTarget[], precision: Precision): void {
  const prologue = indicesOf(p, parts.prologue), epilogue = indicesOf(p, parts.epilogue);
  const reducerIndex = p.index.get(parts.reducer.id)!;
  const inPrologue = new Set(prologue);
  const fullStores = stores.filter((s) => inPrologue.has(s.member)), domainStores = stores.filter((s) => !inPrologue.has(s.member));
  const sum = parts.reducer.op === "reduce_sum";
  const combine = opDef(sum ? "add" : "max") as { scalar: (a: number, b: number) => number };
  const init = sum ? 0 : -Infinity;
  const round = rounder(parts.reducer.type.dtype, precision);
  const fullStrides = prologueFlatStrides(parts.reducer, parts.input);
  const domainStrides = stridesOf(parts.domain);
  const rank = parts.domain.length;
  const point = new Array<number>(rank + parts.reduce.length).fill(0);
  forEachIndex(parts.domain, (d) => {
    for (let i = 0; i < rank; i++) point[i] = d[i];
    let acc = init;
    forEachIndex(parts.reduce, (r) => {
      for (let i = 0; i < r.length; i++) point[rank + i] = r[i];
      const flat = flatOf(point, fullStrides);
      p.run(prologue, point, flat);
      acc = combine.scalar(acc, p.operandValue(parts.reducer, parts.reducer.args[0], point));
      for (const s of fullStores) s.data[flat] = p.values[s.member];
    });
    for (let i = rank; i < point.length; i++) point[i] = 0;
    p.values[reducerIndex] = round(acc);
    const flat = flatOf(d, domainStrides);
    p.run(epilogue, point, flat);
    for (const s of domainStores) s.data[flat] = p.values[s.member];
  });
}

/** Parts of a matmul loop: output shape (...batch, m, n), operands bound to storage, contraction length. */
export interface MatmulParts {
  readonly out: Shape;
  readonly node: Node;
  readonly a: BoundLoad;
  readonly b: BoundLoad;
  readonly k: number;
  readonly epilogue: readonly ValueId[];
}

/** A matmul kernel: Σ_k A·B per output point, then the epilogue there. */
export function runMatmul(p: KernelProgram, parts: MatmulParts, stores: readonly StoreTarget[], precision: Precision): void {
  const { out, node, a, b, k } = parts;
  const epilogue = indicesOf(p, parts.epilogue);
  const index = p.index.get(node.id)!;
  const round = rounder(node.type.dtype, precision);
  const strides = stridesOf(out);
  const point = new Array<number>(out.length + 1).fill(0);
  forEachIndex(out, (o) => {
    for (let i = 0; i < o.length; i++) point[i] = o[i];
    let acc = 0;
    for (let q = 0; q < k; q++) {
      point[out.length] = q;
      acc += readAt(a, point) * readAt(b, point);
    }
    point[out.length] = 0;
    p.values[index] = round(acc);
    const flat = flatOf(o, strides);
    p.run(epilogue, point, flat);
    for (const s of stores) s.data[flat] = p.values[s.member];
  });
}
