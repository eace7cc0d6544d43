import type { Shape } from "@adjoint/ir";
import type { Storage } from "../storage";

/** Where a view starts in its flat array and how far one step along each axis moves. */
export interface View {
  readonly offset: number;
  readonly strides: readonly number[];
}

/**
 * Visits every index of `shape` in row-major order, passing the flat positions it has in
 * two strided views. One odometer serves every movement op and the reductions, so the
 * index arithmetic is written (and tested) once.
 */
export function walkStrided(shape: Shape, a: View, b: View, visit: (ia: number, ib: number) => void): void {
  const rank = shape.length;
  for (const d of shape) if (d === 0) return;
  const idx = new Array<number>(rank).fill(0);
  let ia = a.offset;
  let ib = b.offset;
  for (;;) {
    visit(ia, ib);
    let axis = rank - 1;
    for (; axis >= 0; axis--) {
      idx[axis]++;
      ia += a.strides[axis];
      ib += b.strides[axis];
      if (idx[axis] < shape[axis]) break;
      // wrap this axis back to 0 and carry into the next one out
      ia -= a.strides[axis] * shape[axis];
      ib -= b.strides[axis] * shape[axis];
      idx[axis] = 0;
    }
    if (axis < 0) return;
  }
}

/** Copies the elements of view `from` of `src` into view `to` of `dst`, both of shape `shape`. */
export function copyStrided(shape: Shape, src: Storage, from: View, dst: Storage, to: View): void {
  walkStrided(shape, from, to, (i, j) => {
    dst[j] = src[i];
  });
}
