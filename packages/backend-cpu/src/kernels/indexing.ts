import { AdjointError, formatLoc, formatShape, formatType, numel, type HostTensor, type Node } from "@adjoint/ir";
import type { KernelTable } from "./kernel";

/** Row-major coordinates of flat position `flat` in `shape`, for error messages. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const coords = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    coords[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return coords;
}

/** Throws, naming the op, the first bad index, where it sits and the node's source line, unless all indices are in [0, size). */
function checkIndices(idx: HostTensor, size: number, axis: number, node: Node): void {
  const data = idx.data;
  for (let j = 0; j < data.length; j++) {
    const k = data[j];
    if (k >= 0 && k < size) continue;
    throw new AdjointError(
      `${node.op}: index ${k} at position ${formatShape(unravel(j, idx.shape))} of indices ${formatType(idx)} ` +
        `is out of range for axis ${axis} of size ${size} (valid: 0..${size - 1}) (at ${formatLoc(node.loc)})`,
      node.op,
      node.loc,
    );
  }
}

/**
 * Kernels of gather and scatter_add. Both see the data as [P, axis, Q] blocks: P = product of
 * the axes before `axis`, Q = product of those after the indexed ones, and the indices
 * (flattened, J of them) replace the axis.
 */
export const indexKernels: KernelTable<"gather" | "scatter_add"> = {
  // out[p, j, q] = x[p, idx[j], q]
  gather: (out, [x, idx], { axis }, node) => {
    const size = x.shape[axis];
    checkIndices(idx, size, axis, node);
    const p = numel(x.shape.slice(0, axis)), q = numel(x.shape.slice(axis + 1)), J = idx.data.length;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < J; j++) {
        const from = (i * size + idx.data[j]) * q;
        out.data.set(x.data.subarray(from, from + q), (i * J + j) * q);
      }
    }
  },
  // out[p, idx[j], q] += u[p, j, q], summed in doubles and rounded once on store
  scatter_add: (out, [u, idx], { axis, size }, node) => {
    checkIndices(idx, size, axis, node);
    const p = numel(u.shape.slice(0, axis)), q = numel(u.shape.slice(axis + idx.shape.length)), J = idx.data.length;
    const acc = new Float64Array(out.data.length);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < J; j++) {
        const to = (i * size + idx.data[j]) * q, from = (i * J + j) * q;
        for (let r = 0; r < q; r++) acc[to + r] += u.data[from + r];
      }
    }
    out.data.set(acc);
  },
};
