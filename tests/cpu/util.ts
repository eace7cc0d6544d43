// Shared helpers of the CPU backend tests: graphs of one op, hand-built plans, comparisons.
import { expect } from "vitest";
import { UNKNOWN_LOC, inferNode, numel, spec, t, trace, type AttrValue, type DType, type Graph, type HostTensor, type TensorType, type ValueId } from "@adjoint/ir";
import type { Kernel, Plan } from "@adjoint/passes";
import { lowerCpu, type CpuOptions } from "@adjoint/backend-cpu";
import { mismatch } from "./compare";
import { naiveMemory } from "./naive-plan";

/** A graph with one input per type and one node `op` over them, returning it. */
export function opGraph(op: string, argTypes: readonly TensorType[], attrs: Record<string, AttrValue> = {}): Graph {
  const inputs = argTypes.map((type, i) => ({ id: i, name: `x${i}`, type, loc: UNKNOWN_LOC }));
  const id = argTypes.length;
  const type = inferNode(op, argTypes, attrs, UNKNOWN_LOC);
  return { name: op, inputs, nodes: [{ id, op, args: inputs.map((i) => i.id), attrs, type, loc: UNKNOWN_LOC }], outputs: [id] };
}

/** A plan of hand-built kernels, each stored value in its own block. */
export function planOf(graph: Graph, kernels: readonly Kernel[]): Plan {
  return { graph, kernels, memory: naiveMemory(graph, kernels, false) };
}

/** Lowers, runs once, disposes. */
export function runPlan(plan: Plan, inputs: readonly HostTensor[], opts: CpuOptions = {}): HostTensor[] {
  const exe = lowerCpu(plan, opts);
  try {
    return exe.run(inputs);
  } finally {
    exe.dispose();
  }
}

/** A tensor of `dtype` holding `values` (rounded by the typed array). */
export function tensor(dtype: DType, shape: readonly number[], values: ArrayLike<number>): HostTensor {
  const data = dtype === "f32" ? Float32Array.from(values) : dtype === "i32" ? Int32Array.from(values) : Uint8Array.from(values);
  return { shape, dtype, data };
}

/** mulberry32 values in [-1, 1), for data no one wrote by hand. */
export function random(shape: readonly number[], seed: number, dtype: DType = "f32", max = 4): HostTensor {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const n = numel(shape);
  const values = Array.from({ length: n }, () => (dtype === "f32" ? next() * 2 - 1 : dtype === "i32" ? Math.floor(next() * max) : next() < 0.5 ? 0 : 1));
  return tensor(dtype, shape, values);
}

/** Same dtype, shape, and every element identical (Object.is: NaN equals NaN, -0 differs from 0). */
export function expectBitwise(got: HostTensor, want: HostTensor, what = ""): void {
  expect(got.dtype, what).toBe(want.dtype);
  expect([...got.shape], what).toEqual([...want.shape]);
  expect(got.data.length, what).toBe(want.data.length);
  for (let i = 0; i < want.data.length; i++) {
    if (!Object.is(got.data[i], want.data[i])) expect.fail(`${what} element ${i}: got ${got.data[i]}, interpreter gives ${want.data[i]}`);
  }
}

/** Within `rtol` of the interpreter, as `mismatch` measures it. */
export function expectClose(got: HostTensor, want: HostTensor, rtol = 1e-5, what = ""): void {
  const bad = mismatch(got, want, rtol);
  if (bad) expect.fail(`${what} ${bad}`);
}

/** The ids of a graph's nodes with op `op`, in order. */
export const idsOf = (graph: Graph, op: string): ValueId[] => graph.nodes.filter((n) => n.op === op).map((n) => n.id);

/**
 * C = op(A) @ op(B) as one hand-built matmul kernel reading the inputs directly, each operand
 * stored transposed when asked (a transpose folded into the kernel's strides); `seeds` pick
 * A's and B's data.
 */
export function transposedMatmulCase(m: number, n: number, k: number, ta: boolean, tb: boolean, seeds: readonly [number, number]): { g: Graph; kernel: Kernel; inputs: HostTensor[] } {
  const g = trace((a, b) => t.matmul(ta ? t.transpose(a) : a, tb ? t.transpose(b) : b), [spec(ta ? [k, m] : [m, k]), spec(tb ? [n, k] : [k, n])]);
  const [mm] = idsOf(g, "matmul");
  const a = { source: 0, offset: 0, strides: ta ? [1, 0, m] : [k, 0, 1] };
  const b = { source: 1, offset: 0, strides: tb ? [0, k, 1] : [0, 1, n] };
  const kernel: Kernel = { id: 0, loop: { kind: "matmul", batch: [], m, n, k, node: mm, a, b, epilogue: [] }, nodes: [mm], loads: new Map(), stores: [mm] };
  return { g, kernel, inputs: [random(ta ? [k, m] : [m, k], seeds[0]), random(tb ? [n, k] : [k, n], seeds[1])] };
}
