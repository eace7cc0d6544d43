import { InferError, formatShape } from "./errors";
import type { Shape } from "./types";

/** Number of elements of a shape (1 for a scalar). */
export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export const sameShape = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** NumPy broadcasting of two shapes, or null when they are incompatible. */
export function broadcastShapes(a: Shape, b: Shape): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** True when `from` broadcasts to `to` under NumPy rules. */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[off + i]);
}

/** Resolves one possibly negative axis against a rank, or throws naming both. */
export function normalizeAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new InferError(`axis ${axis} is out of range for rank ${rank} (valid: ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Resolves, checks and sorts axes; duplicates are an error. */
export function normalizeAxes(axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank)).sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new InferError(`duplicate axis ${out[i]} in ${formatShape(axes)}`);
  }
  return out;
}

/** Checks a shape is a list of non-negative integers. */
export function checkShape(shape: Shape, what = "shape"): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new InferError(`${what} ${formatShape(shape)} has an invalid dimension ${d}`);
  }
}
