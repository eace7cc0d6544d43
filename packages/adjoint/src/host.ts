import { AdjointError, formatType, numel, type DType, type HostTensor, type Shape, type TensorType } from "@adjoint/ir";

/** What `run` and eager calls accept for one argument. */
export type ArgLike =
  | number
  | readonly number[]
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint8Array
  | { readonly shape: Shape; readonly dtype?: DType; readonly data: ArrayLike<number> };

// Float64Array data stays f64, so f64 evaluation (finite differences) sees the exact values.
const storageFor = (dtype: DType, n: number, source: ArrayLike<number>) =>
  dtype === "f32" ? (source instanceof Float64Array ? new Float64Array(n) : new Float32Array(n)) : dtype === "i32" ? new Int32Array(n) : new Uint8Array(n);

function dtypeOfArray(x: ArrayLike<number>): DType {
  return x instanceof Int32Array ? "i32" : x instanceof Uint8Array ? "bool" : "f32";
}

/** The shape/dtype an argument implies on its own (used where no spec is given: eager calls). */
export function typeOfArg(x: ArgLike): TensorType {
  if (typeof x === "number") return { dtype: "f32", shape: [] };
  if ("shape" in x && "data" in x) return { dtype: x.dtype ?? dtypeOfArray(x.data), shape: x.shape };
  const arr = x as ArrayLike<number>;
  return { dtype: dtypeOfArray(arr), shape: [arr.length] };
}

/**
 * Converts one argument to a HostTensor of the expected type, or throws naming the
 * argument, the expected type and what was given. A flat array of the right length is
 * accepted for any shape.
 */
export function toHost(x: ArgLike, expected: TensorType, what: string): HostTensor {
  if (x === null || x === undefined) throw new AdjointError(`${what}: expected ${formatType(expected)}, got ${x}`);
  const data: ArrayLike<number> = typeof x === "number" ? [x] : "data" in x && "shape" in x ? x.data : (x as ArrayLike<number>);
  if (typeof x === "object" && "shape" in x && "data" in x) {
    const given = { dtype: x.dtype ?? expected.dtype, shape: x.shape };
    if (given.dtype !== expected.dtype || given.shape.length !== expected.shape.length || given.shape.some((d, i) => d !== expected.shape[i])) {
      throw new AdjointError(`${what}: expected ${formatType(expected)}, got ${formatType(given)}`);
    }
  }
  const n = numel(expected.shape);
  if (data.length !== n) {
    throw new AdjointError(`${what}: expected ${n} values for ${formatType(expected)}, got ${data.length}`);
  }
  const out = storageFor(expected.dtype, n, data);
  for (let i = 0; i < n; i++) out[i] = expected.dtype === "bool" ? +(data[i] !== 0) : data[i];
  return { shape: [...expected.shape], dtype: expected.dtype, data: out };
}
