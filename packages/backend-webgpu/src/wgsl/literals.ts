/** WGSL spellings of Adjoint's element types and constants. */
import type { DType } from "@adjoint/ir";

/** The WGSL type a value of each dtype has while a kernel computes with it. */
export const WGSL_TYPE: Readonly<Record<DType, string>> = { f32: "f32", i32: "i32", bool: "bool" };

const f32Bits = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0];

/** An exact u32 literal. */
export const u32 = (n: number): string => `${n >>> 0}u`;

/**
 * The f32 nearest `x` as WGSL. Non-finite values come from private variables: a constant
 * expression that evaluates to NaN or Inf is a shader-creation error in WGSL. -0 and
 * subnormals are spelled as bit patterns so no compiler rounds them.
 */
export function f32Literal(x: number): string {
  const v = Math.fround(x);
  if (Number.isNaN(v)) return "NAN_F32()";
  if (v === Infinity) return "INF_F32()";
  if (v === -Infinity) return "(-INF_F32())";
  if (Object.is(v, -0) || (v !== 0 && Math.abs(v) < 1.1754943508222875e-38)) return `bitcast<f32>(0x${f32Bits(v).toString(16)}u)`;
  const s = String(v);
  const text = /[.e]/.test(s) ? `${s}f` : `${s}.0f`;
  return v < 0 ? `(${text})` : text;
}

/** `x` converted as an Int32Array store converts it (ToInt32), as WGSL. */
export function i32Literal(x: number): string {
  const v = x | 0;
  if (v === -2147483648) return "bitcast<i32>(0x80000000u)";
  return v < 0 ? `(${v}i)` : `${v}i`;
}

/** A literal of `dtype` holding `x` as that dtype stores it (bool: x !== 0, so NaN is true). */
export function literal(dtype: DType, x: number): string {
  switch (dtype) {
    case "f32":
      return f32Literal(x);
    case "i32":
      return i32Literal(x);
    case "bool":
      return x !== 0 ? "true" : "false";
  }
}
