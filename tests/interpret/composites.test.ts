import { describe, expect, it } from "vitest";
import { spec, t, trace, type HostTensor, type Tensor } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { expectTensor, f32, i32 } from "../conformance/op-cases";

// Composites are graphs of primitives; these check the whole graph against values written
// by hand or computed here with a plain formula that does not share the composite's code.

const run1 = (fn: (...xs: Tensor[]) => Tensor, ...inputs: HostTensor[]) =>
  interpret(trace(fn, inputs.map((x) => spec(x.shape, x.dtype))), inputs)[0];

/** Softmax straight from the definition, e^x / Σ e^x (no max shift). */
const naiveSoftmax = (xs: number[]) => {
  const e = xs.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe("composites", () => {
  it("softmax along the last axis", () => {
    expectTensor(run1((x) => t.softmax(x), f32([3], [1, 2, 3])), f32([3], naiveSoftmax([1, 2, 3])));
    expectTensor(run1((x) => t.softmax(x), f32([3], [1, 2, 3])), f32([3], [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]));
  });

  it("softmax along axis 0", () => {
    // columns [1,1], [2,4], [3,0]: σ(d) = 1/(1+e^-d) for the pair difference d
    const out = run1((x) => t.softmax(x, 0), f32([2, 3], [1, 2, 3, 1, 4, 0]));
    expectTensor(out, f32([2, 3], [0.5, 0.11920292202211755, 0.9525741268224334, 0.5, 0.8807970779778823, 0.04742587317756678]));
  });

  it("softmax is stable for large logits", () => {
    expectTensor(run1((x) => t.softmax(x), f32([2], [1000, 1001])), f32([2], [0.2689414213699951, 0.7310585786300049]));
  });

  it("logSoftmax", () => {
    // log(e + e² + e³) = 3.40760596444438
    expectTensor(run1((x) => t.logSoftmax(x), f32([3], [1, 2, 3])), f32([3], [-2.40760596444438, -1.40760596444438, -0.40760596444438]));
  });

  it("logSoftmax is stable for large logits", () => {
    // x - (log Σ e^(x-m) + m) rounds 1000.693 to f32 (ulp 6e-5) before subtracting 1000, so
    // f32 keeps only ~4 digits here; f64 shows the formula itself is right.
    const g = trace((x) => t.logSoftmax(x), [spec([2])]);
    const x = f32([2], [1000, 1000]);
    expectTensor(interpret(g, [x])[0], f32([2], [-Math.LN2, -Math.LN2]), 1e-4);
    const [f64] = interpret(g, [x], { precision: "f64" });
    [...f64.data].forEach((v) => expect(v).toBeCloseTo(-Math.LN2, 12));
  });

  it("logSumExp", () => {
    expectTensor(run1((x) => t.logSumExp(x), f32([2, 3], [1, 2, 3, 0, 0, 0])), f32([2], [3.40760596444438, Math.log(3)]));
  });

  it("layerNorm with gamma and beta", () => {
    // row 0: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25; row 1 is constant
    const s = Math.sqrt(1.25 + 1e-5);
    const out = run1((x, g, b) => t.layerNorm(x, g, b), f32([2, 4], [1, 2, 3, 4, 2, 2, 2, 2]), f32([4], [1, 1, 2, 2]), f32([4], [0, 0, 0, 1]));
    expectTensor(out, f32([2, 4], [-1.5 / s, -0.5 / s, 1 / s, 3 / s + 1, 0, 0, 0, 1]));
  });

  it("layerNorm with eps and axis options", () => {
    // variance 1.25 + eps 0.75 = 2, so the scale is 1/√2
    const r = Math.SQRT1_2;
    const out = run1((x) => t.layerNorm(x, undefined, undefined, { axis: 0, eps: 0.75 }), f32([4, 1], [1, 2, 3, 4]));
    expectTensor(out, f32([4, 1], [-1.5 * r, -0.5 * r, 0.5 * r, 1.5 * r]));
  });

  it("crossEntropy: one loss per row", () => {
    const out = run1((x, y) => t.crossEntropy(x, y), f32([2, 3], [1, 2, 3, 1, 1, 1]), i32([2], [2, 0]));
    // row 0: log(e + e² + e³) - 3; row 1: log 3
    expectTensor(out, f32([2], [0.40760596444438, Math.log(3)]));
  });

  it("gelu (tanh approximation)", () => {
    const xs = [-1, 0, 1, 2];
    const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    const out = run1((x) => t.gelu(x), f32([4], xs));
    expectTensor(out, f32([4], xs.map(gelu)));
    // and within 3e-4 of the exact x·Φ(x)
    [-0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416].forEach((v, i) => expect(Math.abs(out.data[i] - v)).toBeLessThan(3e-4));
  });

  it("oneHot", () => {
    expectTensor(run1((x) => t.oneHot(x, 3), i32([3], [2, 0, 1])), f32([3, 3], [0, 0, 1, 1, 0, 0, 0, 1, 0]));
    expectTensor(run1((x) => t.oneHot(x, 2, "i32"), i32([2, 1], [1, 0])), i32([2, 1, 2], [0, 1, 1, 0]));
  });

  it("mean", () => {
    const x = f32([2, 2], [1, 2, 3, 4]);
    expectTensor(run1((v) => t.mean(v), x), f32([], [2.5]));
    expectTensor(run1((v) => t.mean(v, 0), x), f32([2], [2, 3]));
    expectTensor(run1((v) => t.mean(v, -1, { keepdims: true }), x), f32([2, 1], [1.5, 3.5]));
    expectTensor(run1((v) => t.mean(v), i32([2], [1, 2])), f32([], [1.5]));
  });

  it("min and square", () => {
    expectTensor(run1((v) => t.min(v, 1), f32([2, 2], [1, 5, -2, 4])), f32([2], [1, -2]));
    expectTensor(run1((v) => t.square(v), f32([2], [-3, 0.5])), f32([2], [9, 0.25]));
  });
});
