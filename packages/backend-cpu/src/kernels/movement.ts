import { stridesOf } from "@adjoint/ir";
import { storedValue } from "../storage";
import { copyStrided } from "./strided";
import type { KernelTable } from "./kernel";

const dense = (shape: readonly number[]) => ({ offset: 0, strides: stridesOf(shape) });

/** Kernels of the movement ops: each reads its operand as a strided view and copies it row-major. */
export const movementKernels: KernelTable<"broadcast" | "reshape" | "transpose" | "slice" | "pad" | "concat"> = {
  broadcast: (out, [x]) => {
    // NumPy rules: left-pad x's rank with 1s; a size-1 axis that expands gets stride 0.
    const lead = out.shape.length - x.shape.length;
    const xs = stridesOf(x.shape);
    const strides = out.shape.map((d, i) => (i < lead || x.shape[i - lead] !== d ? 0 : xs[i - lead]));
    copyStrided(out.shape, x.data, { offset: 0, strides }, out.data, dense(out.shape));
  },
  // row-major data is unchanged; copy so no two values share an array
  reshape: (out, [x]) => out.data.set(x.data),
  transpose: (out, [x], { perm }) => {
    const xs = stridesOf(x.shape);
    copyStrided(out.shape, x.data, { offset: 0, strides: perm.map((p) => xs[p]) }, out.data, dense(out.shape));
  },
  slice: (out, [x], { starts }) => {
    const xs = stridesOf(x.shape);
    const offset = starts.reduce((o, s, i) => o + s * xs[i], 0);
    copyStrided(out.shape, x.data, { offset, strides: xs }, out.data, dense(out.shape));
  },
  pad: (out, [x], { lo, value }) => {
    out.data.fill(storedValue(out.dtype, value));
    const os = stridesOf(out.shape);
    const offset = lo.reduce((o, l, i) => o + l * os[i], 0);
    copyStrided(x.shape, x.data, dense(x.shape), out.data, { offset, strides: os });
  },
  concat: (out, args, { axis }) => {
    // each operand lands in its own slab along `axis`
    const os = stridesOf(out.shape);
    let start = 0;
    for (const x of args) {
      copyStrided(x.shape, x.data, dense(x.shape), out.data, { offset: start * os[axis], strides: os });
      start += x.shape[axis];
    }
  },
};
