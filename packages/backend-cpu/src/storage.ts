import type { DType, HostTensor } from "@adjoint/ir";

/** The typed arrays values live in while the interpreter runs. */
export type Storage = HostTensor["data"];

/**
 * How f32 values are stored: `"f32"` rounds after every op (the oracle for f32 executors),
 * `"f64"` keeps doubles (for finite differences). i32 and bool are unaffected.
 */
export type Precision = "f32" | "f64";

/** A fresh zeroed array of `n` elements in the storage type of `dtype`. */
export function allocStorage(dtype: DType, n: number, precision: Precision): Storage {
  switch (dtype) {
    case "f32":
      return precision === "f64" ? new Float64Array(n) : new Float32Array(n);
    case "i32":
      return new Int32Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}

/** The number a store of `v` must write: bool is `v !== 0` (NaN is true), as a Uint8Array store would instead wrap. */
export const storedValue = (dtype: DType, v: number): number => (dtype === "bool" ? (v !== 0 ? 1 : 0) : v);

/**
 * Writes `values` into `dst` from `offset`, converting to `dtype`'s semantics.
 * Typed-array stores already round to f32 and truncate to i32; only bool needs a test.
 */
export function writeValues(dst: Storage, dtype: DType, values: ArrayLike<number>, offset = 0): void {
  if (dtype !== "bool") {
    dst.set(values, offset);
    return;
  }
  for (let i = 0; i < values.length; i++) dst[offset + i] = values[i] !== 0 ? 1 : 0;
}

/** A copy of `values` in the storage type of `dtype` (any typed array or number list is accepted). */
export function toStorage(values: ArrayLike<number>, dtype: DType, precision: Precision): Storage {
  const out = allocStorage(dtype, values.length, precision);
  writeValues(out, dtype, values);
  return out;
}
