// The kernel evaluator on kernel graphs written by hand (not produced by fuseKernels), so its
// loop semantics are checked on their own: accesses, reduce and matmul loops, stores, errors.
import { describe, expect, it } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import { parseGraph, type HostTensor } from "@adjoint/ir";
import type { Access, Kernel, KernelGraph } from "@adjoint/passes";
import { evaluateKernels } from "../../packages/backend-cpu/src/kernel-eval";
import { expectSameBits, randomInputs } from "./helpers";

const acc = (source: number, strides: number[], offset = 0): Access => ({ source, strides, offset });
const kernel = (id: number, k: Omit<Kernel, "id" | "loads"> & { loads?: [number, Access][] }): Kernel => ({ ...k, id, loads: new Map(k.loads ?? []) });

const softmax = parseGraph(`graph @softmax(%0: f32[3,4] "x" loc("s.ts":1:1)) {
  %1 = reduce_max %0 {axes = [1], keepdims = true} : f32[3,1] loc("s.ts":2:1)
  %2 = broadcast %1 {shape = [3, 4]} : f32[3,4] loc("s.ts":3:1)
  %3 = sub %0, %2 : f32[3,4] loc("s.ts":4:1)
  %4 = exp %3 : f32[3,4] loc("s.ts":5:1)
  %5 = reduce_sum %4 {axes = [1], keepdims = true} : f32[3,1] loc("s.ts":6:1)
  %6 = broadcast %5 {shape = [3, 4]} : f32[3,4] loc("s.ts":7:1)
  %7 = div %4, %6 : f32[3,4] loc("s.ts":8:1)
  return %7
}`);

/** Softmax as three kernels, loop by loop (domain dims first, then reduce dims). */
const softmaxKernels: KernelGraph = {
  graph: softmax,
  kernels: [
    kernel(0, { loop: { kind: "reduce", domain: [3, 1], reduce: [4], prologue: [], reducer: 1, epilogue: [] }, nodes: [1], loads: [[0, acc(0, [4, 0, 1])]], stores: [1] }),
    kernel(1, {
      loop: { kind: "reduce", domain: [3, 1], reduce: [4], prologue: [3, 4], reducer: 5, epilogue: [] },
      nodes: [3, 4, 5],
      loads: [[0, acc(0, [4, 0, 1])], [2, acc(1, [1, 0, 0])]],
      stores: [4, 5], // exp stored from the prologue, at its own row-major index
    }),
    kernel(2, { loop: { kind: "elementwise", domain: [3, 4] }, nodes: [7], loads: [[4, acc(4, [4, 1])], [6, acc(5, [1, 0])]], stores: [7] }),
  ],
};

describe("evaluateKernels", () => {
  const x = randomInputs(softmax, 1);

  it("runs a hand-built softmax bit for bit like the interpreter, in f32 and f64", () => {
    expectSameBits(evaluateKernels(softmaxKernels, x), interpret(softmax, x), "f32");
    expectSameBits(evaluateKernels(softmaxKernels, x, { precision: "f64" }), interpret(softmax, x, { precision: "f64" }), "f64");
  });

  it("reduces over a non-last axis with the reduce dims walking the input's outer stride", () => {
    const g = parseGraph(`graph @f(%0: f32[3,4] "x" loc("f.ts":1:1)) {
  %1 = exp %0 : f32[3,4] loc("f.ts":2:1)
  %2 = reduce_sum %1 {axes = [0], keepdims = false} : f32[4] loc("f.ts":3:1)
  %3 = sqrt %2 : f32[4] loc("f.ts":4:1)
  return %3
}`);
    const kg: KernelGraph = {
      graph: g,
      kernels: [kernel(0, { loop: { kind: "reduce", domain: [4], reduce: [3], prologue: [1], reducer: 2, epilogue: [3] }, nodes: [1, 2, 3], loads: [[0, acc(0, [1, 4])]], stores: [3] })],
    };
    const inputs = randomInputs(g, 2);
    expectSameBits(evaluateKernels(kg, inputs), interpret(g, inputs), "column sums");
  });

  it("runs a matmul over (m, n, k) with a transposed operand and an epilogue", () => {
    const g = parseGraph(`graph @f(%0: f32[2,3] "a" loc("f.ts":1:1), %1: f32[4,3] "b" loc("f.ts":1:1), %2: f32[4] "bias" loc("f.ts":1:1)) {
  %3 = transpose %1 {perm = [1, 0]} : f32[3,4] loc("f.ts":2:1)
  %4 = matmul %0, %3 : f32[2,4] loc("f.ts":3:1)
  %5 = broadcast %2 {shape = [2, 4]} : f32[2,4] loc("f.ts":4:1)
  %6 = add %4, %5 : f32[2,4] loc("f.ts":5:1)
  %7 = relu %6 : f32[2,4] loc("f.ts":6:1)
  return %7
}`);
    const kg: KernelGraph = {
      graph: g,
      kernels: [
        kernel(0, {
          loop: { kind: "matmul", batch: [], m: 2, n: 4, k: 3, node: 4, a: acc(0, [3, 0, 1]), b: acc(1, [0, 3, 1]), epilogue: [6, 7] },
          nodes: [4, 6, 7],
          loads: [[5, acc(2, [0, 1, 0])]],
          stores: [7],
        }),
      ],
    };
    const inputs = randomInputs(g, 3);
    expectSameBits(evaluateKernels(kg, inputs), interpret(g, inputs), "matmul epilogue");
  });

  it("copies a movement node through its own strided load", () => {
    const g = parseGraph(`graph @f(%0: f32[2,3] "x" loc("f.ts":1:1)) {
  %1 = slice %0 {starts = [0, 1], ends = [2, 3]} : f32[2,2] loc("f.ts":2:1)
  return %1
}`);
    const kg: KernelGraph = { graph: g, kernels: [kernel(0, { loop: { kind: "elementwise", domain: [2, 2] }, nodes: [1], loads: [[1, acc(0, [3, 1], 1)]], stores: [1] })] };
    const [out] = evaluateKernels(kg, [{ shape: [2, 3], dtype: "f32", data: Float32Array.from([1, 2, 3, 4, 5, 6]) }]);
    expect([...out.data]).toEqual([2, 3, 5, 6]);
  });

  describe("errors name the kernel and what is wrong", () => {
    const swapped: KernelGraph = { graph: softmax, kernels: [softmaxKernels.kernels[1], softmaxKernels.kernels[0], softmaxKernels.kernels[2]] };
    it("a load of a value no earlier kernel stores", () => {
      expect(() => evaluateKernels(swapped, x)).toThrow(/kernel 1 of @softmax: load %2 reads %1, which no earlier kernel stores/);
    });
    it("an access outside its source", () => {
      const bad = { ...softmaxKernels, kernels: [kernel(0, { ...softmaxKernels.kernels[0], loads: [[0, acc(0, [4, 0, 2])]] }), ...softmaxKernels.kernels.slice(1)] };
      expect(() => evaluateKernels(bad, x)).toThrow(/load %0 reads elements 0\.\.14 of %0, which has 12/);
    });
    it("a member reading a value the kernel neither computes nor loads, with its source line", () => {
      const k = softmaxKernels.kernels[2];
      const bad = { ...softmaxKernels, kernels: [...softmaxKernels.kernels.slice(0, 2), kernel(2, { ...k, loads: [[4, acc(4, [4, 1])]] })] };
      expect(() => evaluateKernels(bad, x)).toThrow(/kernel 2: %7 = div reads %6, which the kernel neither computes before it nor loads \(nor is it a literal\) \(at s\.ts:8\)/);
    });
    it("the wrong inputs", () => {
      const wrong: HostTensor = { shape: [4, 3], dtype: "f32", data: new Float32Array(12) };
      expect(() => evaluateKernels(softmaxKernels, [wrong])).toThrow(/input 0 'x': expected f32\[3,4\]/);
    });
  });
});
