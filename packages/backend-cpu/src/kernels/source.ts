import { normalizeAxis, stridesOf } from "@adjoint/ir";
import { storedValue, writeValues } from "../storage";
import type { KernelTable } from "./kernel";

/** Kernels of the ops with no operands: their values come from attributes. */
export const sourceKernels: KernelTable<"constant" | "full" | "iota"> = {
  constant: (out, _, { value, dtype }) => writeValues(out.data, dtype, value),
  full: (out, _, { value, dtype }) => {
    out.data.fill(storedValue(dtype, value));
  },
  iota: (out, _, { axis, shape }) => {
    // infer accepts a negative axis here, so resolve it before use
    const a = normalizeAxis(axis, shape.length);
    const step = stridesOf(shape)[a];
    const n = shape[a];
    for (let i = 0; i < out.data.length; i++) out.data[i] = Math.floor(i / step) % n;
  },
};
