// Fused patterns and their joint forward+backward graphs: bitwise equal to the interpreter,
// with the kernel counts the grouping rules predict for the forward passes.
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Graph, type Tensor } from "@adjoint/ir";
import type { Kernel } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";
import { gradientCases, patternCases } from "../conformance/patterns";
import { checkBothModes, kernelOps, randomInputs } from "./helpers";

const specsOf = (shapes: readonly (readonly number[])[]) => shapes.map((s) => spec(s));
/** A scalar loss whose gradient is not trivially zero for any of the patterns below. */
const lossOf = (f: (...xs: Tensor[]) => Tensor) => (...xs: Tensor[]) => {
  const y = f(...xs);
  return t.sum(t.mul(y, t.tanh(y)));
};

const gelu = (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor) => t.matmul(t.gelu(t.add(t.matmul(x, w1), b1)), w2);
const attention = (q: Tensor, k: Tensor, v: Tensor) => t.matmul(t.softmax(t.div(t.matmul(q, t.transpose(k)), Math.sqrt(8))), v);

/**
 * name, function, input shapes, forward kernels predicted from the rules (docs/fusion.md):
 * softmax / logSoftmax: max | sub-exp-sum | sub-exp-div (exp recomputed, not stored);
 * layerNorm: mean | sub-square-mean-rsqrt | scale-shift (x - mean recomputed);
 * gelu MLP: matmul + bias + gelu | matmul; attention: matmul + scale | softmax (3) | matmul.
 */
const composites: [string, (...xs: Tensor[]) => Tensor, number[][], number][] = [
  ["softmax", (x) => t.softmax(x), [[4, 8]], 3],
  ["softmax over axis 0", (x) => t.softmax(x, 0), [[5, 3]], 3],
  ["logSoftmax", (x) => t.logSoftmax(x), [[4, 8]], 3],
  ["layerNorm", (x, g, b) => t.layerNorm(x, g, b), [[4, 8], [8], [8]], 3],
  ["gelu MLP", gelu, [[4, 8], [8, 16], [16], [16, 3]], 2],
  ["attention", attention, [[6, 8], [6, 8], [6, 8]], 5],
];

describe("composite forward passes", () => {
  for (const [name, f, shapes, kernels] of composites) {
    it(`${name}: ${kernels} kernels, bitwise equal`, () => {
      const g = trace(f, specsOf(shapes));
      const { fused, unfused } = checkBothModes(g, randomInputs(g, 1), name);
      expect(fused.kernels.length).toBe(kernels);
      expect(unfused.kernels.length).toBe(g.nodes.length); // one per node (none is dead)
    });
  }

  it("softmax recomputes exp(x - max) instead of storing it", () => {
    const g = trace((x) => t.softmax(x), [spec([4, 8])]);
    const { fused } = checkBothModes(g, randomInputs(g, 2), "softmax");
    expect(kernelOps(fused)).toEqual([
      ["reduce_max", "stop_gradient"],
      ["sub", "exp", "reduce_sum"],
      ["sub", "exp", "div"],
    ]);
    expect(fused.kernels.map((k) => k.stores.length)).toEqual([1, 1, 1]);
  });
});

/**
 * Kernels computing backward (grad) nodes that come before a kernel doing only forward work:
 * their backward values would be computed (and held) early.
 */
function earlyGradKernels(g: Graph, kernels: readonly { nodes: readonly number[] }[]): number {
  const grad = new Set(g.nodes.filter((n) => n.loc.origin?.kind === "grad").map((n) => n.id));
  const hasGrad = kernels.map((k) => k.nodes.some((m) => grad.has(m)));
  const lastForward = hasGrad.lastIndexOf(false);
  return hasGrad.filter((h, i) => h && i < lastForward).length;
}

/** Kernels that store a forward value and also compute grad nodes (horizontal fusion's merges). */
function mixedKernels(g: Graph, kernels: readonly Kernel[]): Kernel[] {
  const origin = new Map(g.nodes.map((n) => [n.id, n.loc.origin?.kind]));
  return kernels.filter((k) => k.stores.some((s) => origin.get(s) === undefined) && k.nodes.some((m) => origin.get(m) === "grad"));
}

describe("joint forward + backward graphs (valueAndGrad)", () => {
  for (const [name, f, shapes] of composites) {
    it(`${name}: bitwise equal, forward and backward work in separate kernels`, () => {
      const g = trace(valueAndGrad(lossOf(f), { argnums: shapes.map((_, i) => i) }), specsOf(shapes));
      const { fused, unfused } = checkBothModes(g, randomInputs(g, 3), `${name} gradients`);
      expect(fused.kernels.length).toBeLessThan(unfused.kernels.length / 2);
      // backward members never join a forward kernel, where they would be computed (and held)
      // early; forward values may be recomputed inside backward kernels, and a forward
      // reduction may move down into the backward pass to share its prologue (horizontal fusion)
      expect(earlyGradKernels(g, fused.kernels)).toBe(0);
      for (const k of mixedKernels(g, fused.kernels)) expect(k.loop.kind, `kernel ${k.id} mixes forward and backward work`).toBe("reduce");
    });
  }
});

describe("conformance patterns", () => {
  for (const c of patternCases) {
    it(c.name, () => {
      const g = trace(c.fn, c.inputs.map((x) => spec(x.shape, x.dtype)));
      checkBothModes(g, c.inputs, c.name);
      checkBothModes(g, c.inputs, `${c.name}, maxBuffers 4`, { maxBuffers: 4 });
    });
  }
  for (const c of gradientCases) {
    it(`${c.name} gradients`, () => {
      const f32Args = c.inputs.flatMap((x, i) => (x.dtype === "f32" ? [i] : []));
      const g = trace(valueAndGrad(c.fn as never, { argnums: f32Args }), c.inputs.map((x) => spec(x.shape, x.dtype)));
      checkBothModes(g, c.inputs, c.name);
      checkBothModes(g, c.inputs, `${c.name}, maxBuffers 8`, { maxBuffers: 8 });
    });
  }
});
