import { expect } from "vitest";
import type { DType, HostTensor, OpName, Tensor } from "@adjoint/ir";

/** One hand-computed example of an op: a traced function, its inputs and the expected result. */
export interface OpCase {
  readonly name: string;
  readonly fn: (...xs: Tensor[]) => Tensor;
  readonly inputs: readonly HostTensor[];
  readonly expected: HostTensor;
}

/** Examples for a group of ops; `opCases` joins the groups and is typed over every op. */
export type OpCases<Names extends OpName> = { readonly [K in Names]: readonly OpCase[] };

const tensor = (dtype: DType, data: HostTensor["data"], shape: readonly number[]): HostTensor => ({ shape, dtype, data });

/** An f32 tensor literal (row-major values). */
export const f32 = (shape: readonly number[], values: readonly number[]) => tensor("f32", Float32Array.from(values), shape);
/** An i32 tensor literal. */
export const i32 = (shape: readonly number[], values: readonly number[]) => tensor("i32", Int32Array.from(values), shape);
/** A bool tensor literal, written with 0 and 1. */
export const bool = (shape: readonly number[], values: readonly number[]) => tensor("bool", Uint8Array.from(values), shape);

/**
 * Asserts dtype, shape and values. i32/bool and infinities must match exactly, NaN must be
 * NaN, and finite floats within 1e-6 relative: hand-written values are decimal, results f32.
 */
export function expectTensor(actual: HostTensor, expected: HostTensor, rel = 1e-6): void {
  expect(actual.dtype).toBe(expected.dtype);
  expect([...actual.shape]).toEqual([...expected.shape]);
  expect(actual.data.length).toBe(expected.data.length);
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i], e = expected.data[i];
    const exact = expected.dtype !== "f32" || !Number.isFinite(e);
    const ok = Number.isNaN(e) ? Number.isNaN(a) : exact ? a === e : Math.abs(a - e) <= rel * Math.abs(e) + 1e-12;
    expect(ok, `element ${i}: got ${a}, expected ${e}`).toBe(true);
  }
}
