// The buffer limit splits kernels (never fails), and values that must be materialised are stored.
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Tensor } from "@adjoint/ir";
import { fuseKernels, kernelBufferCount } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";
import { checkBothModes, checkFusion, randomInputs, storerOf } from "./helpers";

/** x0 * x1 + x2 * x3 + ... over eight inputs: one kernel needs 9 buffers. */
const wide = (...xs: Tensor[]) => {
  let acc = t.mul(xs[0], xs[1]);
  for (let i = 2; i < xs.length; i++) acc = i % 2 ? t.mul(acc, t.exp(xs[i])) : t.add(acc, t.tanh(xs[i]));
  return acc;
};
const wideGraph = trace(wide, Array.from({ length: 8 }, () => spec([3, 5])));

describe("maxBuffers", () => {
  it("unlimited: the wide graph is one kernel of 9 buffers", () => {
    const kg = checkFusion(wideGraph, randomInputs(wideGraph, 1), {}, "wide");
    expect(kg.kernels.length).toBe(1);
    expect(kernelBufferCount(kg.kernels[0])).toBe(9);
  });

  for (const maxBuffers of [3, 4, 5, 8]) {
    it(`${maxBuffers}: splits into kernels within the limit that still evaluate correctly`, () => {
      const kg = checkFusion(wideGraph, randomInputs(wideGraph, 2), { maxBuffers }, `wide, maxBuffers ${maxBuffers}`);
      expect(kg.kernels.length).toBeGreaterThan(1);
      for (const k of kg.kernels) expect(kernelBufferCount(k)).toBeLessThanOrEqual(maxBuffers);
    });
  }

  it("splits reductions (prologue) and matmuls (epilogue) too", () => {
    const g = trace((a, b, c, d, w) => t.add(t.sum(wide(a, b, c, d), 1), t.sum(t.add(t.matmul(a, w), t.mul(b, c)), 1)), [
      ...Array.from({ length: 4 }, () => spec([3, 3])),
      spec([3, 3]),
    ]);
    for (const maxBuffers of [3, 4]) {
      const kg = checkFusion(g, randomInputs(g, 3), { maxBuffers }, `reduce/matmul, maxBuffers ${maxBuffers}`);
      for (const k of kg.kernels) expect(kernelBufferCount(k)).toBeLessThanOrEqual(maxBuffers);
    }
  });

  it("a single op needing more buffers than the limit keeps its kernel (it cannot be split)", () => {
    const g = trace((c, a, b) => t.where(t.gt(c, 0), a, b), [spec([4]), spec([4]), spec([4])]);
    const kg = checkFusion(g, randomInputs(g, 4), { maxBuffers: 3 }, "where");
    const where = kg.kernels.find((k) => k.nodes.some((m) => g.nodes.find((n) => n.id === m)!.op === "where"))!;
    expect(kernelBufferCount(where)).toBe(4); // three loads and a store
  });

  it("joint graphs under the WebGPU default of 8", () => {
    const g = trace(valueAndGrad((x, w) => t.sum(t.mul(t.layerNorm(t.matmul(x, w)), x))), [spec([4, 6]), spec([6, 6])]);
    const kg = checkFusion(g, randomInputs(g, 5), { maxBuffers: 8 }, "layerNorm gradients");
    for (const k of kg.kernels) expect(kernelBufferCount(k)).toBeLessThanOrEqual(8);
  });

  it("rejects a limit that is not a positive integer", () => {
    expect(() => fuseKernels(wideGraph, { maxBuffers: 0 })).toThrow(/maxBuffers must be a positive integer/);
  });
});

describe("materialisation", () => {
  it("every graph output is stored, including one used inside a fused chain", () => {
    const g = trace((x) => {
      const h = t.exp(x);
      return [h, t.tanh(h), t.sum(h)];
    }, [spec([2, 3])]);
    const { fused } = checkBothModes(g, randomInputs(g, 6), "outputs");
    for (const o of g.outputs) expect(storerOf(fused, o)).toBeDefined();
  });

  it("materialize values are stored even where fusion would keep them in registers", () => {
    const g = trace((x) => t.tanh(t.mul(t.exp(x), t.sin(x))), [spec([2, 3])]);
    const [e, s] = g.nodes.filter((n) => n.op === "exp" || n.op === "sin").map((n) => n.id);
    const plain = checkFusion(g, randomInputs(g, 7), {}, "no materialize");
    expect(plain.kernels.length).toBe(1);
    expect(plain.kernels[0].stores).toEqual(g.outputs);
    const kg = checkFusion(g, randomInputs(g, 7), { materialize: new Set([e, s]) }, "materialize");
    expect(storerOf(kg, e)).toBeDefined();
    expect(storerOf(kg, s)).toBeDefined();
  });

  it("a materialised value is not recomputed by its readers", () => {
    const g = trace((x) => t.softmax(x), [spec([4, 8])]);
    const exp = g.nodes.find((n) => n.op === "exp")!.id;
    const kg = checkFusion(g, randomInputs(g, 8), { materialize: new Set([exp]) }, "softmax, exp materialised");
    expect(kg.kernels.filter((k) => k.nodes.includes(exp))).toHaveLength(1);
  });

  it("rejects a materialize id that is not a value", () => {
    expect(() => fuseKernels(wideGraph, { materialize: new Set([999]) })).toThrow(/materialize names %999/);
  });
});
