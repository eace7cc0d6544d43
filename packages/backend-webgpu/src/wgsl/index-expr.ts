/**
 * Element indices as WGSL u32 expressions. A kernel's loop point is given as one or more
 * groups of dims, each with a flat (row-major) index expression; an access's strides over
 * those dims become `offset + Σ stride * ((flat / P) % D)`, after dropping size-1 and
 * zero-stride dims and merging runs of dims that are contiguous in the access, so a dense
 * access costs no division at all.
 */
import { numel, type Shape } from "@adjoint/ir";
import { u32 } from "./literals";

/** Loop dims whose row-major index within the group is the WGSL expression `flat`. */
export interface DimGroup {
  readonly flat: string;
  readonly shape: Shape;
}

interface Dim {
  size: number;
  stride: number;
  /** Product of the sizes of the group's dims inside this one. */
  inner: number;
}

/** The terms one group contributes, merged where contiguous. */
function groupTerms(group: DimGroup, strides: readonly number[]): string[] {
  const total = numel(group.shape);
  // an empty loop never reads: no terms (and no division by a zero extent, which WGSL rejects)
  if (total === 0) return [];
  const dims: Dim[] = [];
  let inner = 1;
  for (let d = group.shape.length - 1; d >= 0; d--) {
    const size = group.shape[d];
    if (size !== 1 && strides[d] !== 0) dims.unshift({ size, stride: strides[d], inner });
    inner *= size;
  }
  // merge an outer dim into the next inner one when they are adjacent in the flat index
  // and in memory: then together they are one dim of the product size
  for (let i = dims.length - 2; i >= 0; i--) {
    const outer = dims[i], next = dims[i + 1];
    if (outer.inner === next.inner * next.size && outer.stride === next.stride * next.size) {
      next.size *= outer.size;
      dims.splice(i, 1);
    }
  }
  const flat = /^\w+$/.test(group.flat) ? group.flat : `(${group.flat})`;
  return dims.map(({ size, stride, inner }) => {
    let coord = inner === 1 ? flat : `(${flat} / ${u32(inner)})`;
    if (inner * size < total) coord = `(${coord} % ${u32(size)})`;
    return stride === 1 ? coord : `${coord} * ${u32(stride)}`;
  });
}

/**
 * The element index `offset + Σ strides[d] * coord[d]` for a point given by `groups`; the
 * strides run over the groups' dims in order. Throws if the stride count does not match.
 */
export function accessIndex(offset: number, strides: readonly number[], groups: readonly DimGroup[]): string {
  const rank = groups.reduce((s, g) => s + g.shape.length, 0);
  if (strides.length !== rank) throw new Error(`access has ${strides.length} strides for a ${rank}-dim loop`);
  const terms: string[] = offset ? [u32(offset)] : [];
  let at = 0;
  for (const g of groups) {
    terms.push(...groupTerms(g, strides.slice(at, at + g.shape.length)));
    at += g.shape.length;
  }
  return terms.length ? terms.join(" + ") : "0u";
}

/** Coordinate `d` of a row-major flat index over `shape`, as a u32 expression. */
export function coordOf(flat: string, shape: Shape, d: number): string {
  if (numel(shape) === 0) return "0u"; // an empty loop never runs
  const inner = numel(shape.slice(d + 1));
  let c = inner === 1 ? flat : `(${flat} / ${u32(inner)})`;
  if (d > 0) c = `(${c} % ${u32(shape[d])})`;
  return c;
}

/** Row-major strides in elements. */
export function denseStrides(shape: Shape): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}
