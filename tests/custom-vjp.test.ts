// customVjp: the user's rule replaces differentiation of the forward code in reverse mode.
import { describe, expect, it } from "vitest";
import { t, type Tensor } from "@adjoint/ir";
import { customVjp, evaluate, grad, gradcheck, jvp, printGraph, spec, trace, type HostTensor } from "adjoint";

// A numerically stable log-sum-exp over a vector whose gradient is softmax(x).
const lse = customVjp(
  (x: Tensor) => t.logSumExp(x),
  (x: Tensor) => {
    const y = t.logSumExp(x);
    return [y, [x, y]] as const;
  },
  ([x, y], ct) => [t.mul(t.exp(t.sub(x, y)), ct)], // d lse = softmax(x) dx
);

const f64 = (fn: (x: Tensor) => Tensor, x: number[]) =>
  Array.from((evaluate(fn, [{ shape: [x.length], data: Float64Array.from(x) }], { precision: "f64" }) as HostTensor).data);

describe("customVjp", () => {
  it("computes the forward value and records a custom_vjp node", () => {
    const x = [1000, 1001, 999];
    const expected = 1001 + Math.log(Math.exp(-1) + 1 + Math.exp(-2));
    expect(f64(lse, x)[0]).toBeCloseTo(expected, 9);
    expect(printGraph(trace(lse, [spec([3])]))).toMatch(/custom_vjp %0, %0, %\d+, %\d+ \{rule = "\w+#\d+", primals = 1\}/);
  });

  it("its gradient matches finite differences, even for large inputs", () => {
    const r = gradcheck(lse, [{ shape: [4], data: Float32Array.from([0.5, -1, 2, 0.1]) }]);
    expect(r.ok, r.message).toBe(true);
    const g = f64(grad(lse), [1000, 1001, 999]);
    const z = Math.exp(-1) + 1 + Math.exp(-2);
    expect(g).toEqual([Math.exp(-1) / z, 1 / z, Math.exp(-2) / z].map((v) => expect.closeTo(v, 9)));
  });

  it("reverse mode uses the rule, not the forward code", () => {
    // a deliberately different rule: the gradient must be exactly what it says
    const twice = customVjp((x: Tensor) => t.sin(x), (x: Tensor) => [t.sin(x), []] as const, (_, ct) => [t.mul(ct, 2)]);
    expect(f64(grad((x: Tensor) => t.sum(twice(x))), [0.3, 1])).toEqual([2, 2]);
    // forward mode differentiates the forward code (cos x)
    const tangent = evaluate((x: Tensor, v: Tensor) => jvp(twice, [x], [v])[1] as Tensor, [
      { shape: [1], data: Float64Array.from([0.3]) }, { shape: [1], data: Float64Array.from([1]) },
    ], { precision: "f64" }) as HostTensor;
    expect(tangent.data[0]).toBeCloseTo(Math.cos(0.3), 12);
  });

  it("second derivatives differentiate through the rule's own ops", () => {
    const cube = customVjp((x: Tensor) => t.mul(x, t.mul(x, x)), (x: Tensor) => [t.mul(x, t.mul(x, x)), [x]] as const, ([x], ct) => [t.mul(ct, t.mul(3, t.mul(x, x)))]);
    expect(f64(grad((x: Tensor) => t.sum(grad((y: Tensor) => t.sum(cube(y)))(x))), [2, -1])).toEqual([12, -6]);
  });

  it("a rule returning the wrong shape is a clear error", () => {
    const bad = customVjp((x: Tensor) => t.sum(x), (x: Tensor) => [t.sum(x), []] as const, (_, ct) => [ct]);
    expect(() => trace(grad(bad), [spec([3])])).toThrow(/cotangent 0 is f32\[\] but the argument is f32\[3\]/);
  });
});
