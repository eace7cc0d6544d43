// Horizontal fusion (packages/passes/src/fuse/horizontal.ts): an elementwise kernel that
// recomputes a reduce kernel's prologue over the same points, in the same order, joins that
// prologue, and the reduce kernel stores its per-point values too. Every case is also run by
// the kernel evaluator and compared bit for bit with the interpreter (checkFusion).
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Tensor } from "@adjoint/ir";
import type { KernelGraph } from "@adjoint/passes";
import { checkFusion, randomInputs } from "./helpers";
import { joint, sumsVjp, w4 } from "./horizontal-graphs";

const rowsVjp = () => sumsVjp(1);

/** How many kernels compute each node of op `op`. */
function kernelsComputing(kg: KernelGraph, op: string): number[] {
  const ids = kg.graph.nodes.filter((n) => n.op === op).map((n) => n.id);
  return ids.map((id) => kg.kernels.filter((k) => k.nodes.includes(id)).length);
}

describe("horizontal fusion", () => {
  it("W4: one reduce kernel stores the loss and the gradient, each transcendental computed once", () => {
    const g = joint(w4, [4096]);
    const kg = checkFusion(g, randomInputs(g, 1), { maxBuffers: 8 }, "W4");
    expect(kg.kernels).toHaveLength(1);
    const [k] = kg.kernels;
    expect(k.loop.kind).toBe("reduce");
    expect([...k.stores].sort((a, b) => a - b)).toEqual([...g.outputs].sort((a, b) => a - b));
    for (const op of ["sin", "cos", "exp"]) expect(kernelsComputing(kg, op), op).toEqual([1]);
  });

  it("merges a row reduction's vjp (reduced dim trailing, keepdims; the cotangent's broadcast load moves along)", () => {
    const g = rowsVjp();
    const kg = checkFusion(g, randomInputs(g, 2), { maxBuffers: 8 }, "row sums vjp");
    expect(kg.kernels).toHaveLength(1);
    const [k] = kg.kernels;
    if (k.loop.kind !== "reduce") throw new Error("expected a reduce kernel");
    expect([...k.stores].sort((a, b) => a - b)).toEqual([...g.outputs].sort((a, b) => a - b));
    expect(k.loop.prologue).toContain(g.outputs[1]); // the gradient, stored per point
    expect(kernelsComputing(kg, "exp")).toEqual([1]);
  });

  it("does not merge when the merged kernel would exceed maxBuffers (x, ct + 2 stores > 3)", () => {
    const g = rowsVjp();
    const kg = checkFusion(g, randomInputs(g, 3), { maxBuffers: 3 }, "row sums vjp, 3 buffers");
    expect(kg.kernels.map((k) => k.loop.kind)).toEqual(["reduce", "elementwise"]);
    expect(kernelsComputing(kg, "exp")).toEqual([2]);
  });

  it("does not merge when a kernel in between reads the reduction (it cannot move down to the gradient)", () => {
    const f = (x: Tensor) => t.sum(t.mul(t.sum(t.exp(t.sin(x)), [1], { keepdims: true }), 3));
    const g = joint(f, [6, 10]);
    const kg = checkFusion(g, randomInputs(g, 4), { maxBuffers: 8 }, "row sums then loss");
    expect(kg.kernels.map((k) => k.loop.kind)).toEqual(["reduce", "reduce", "elementwise"]);
    expect(kernelsComputing(kg, "exp")).toEqual([2]);
  });

  it("does not merge a column reduction's vjp: its points do not run in the input's row-major order", () => {
    const g = sumsVjp(0);
    const kg = checkFusion(g, randomInputs(g, 5), { maxBuffers: 8 }, "column sums vjp");
    expect(kg.kernels.map((k) => k.loop.kind)).toEqual(["reduce", "elementwise"]);
    expect(kernelsComputing(kg, "exp")).toEqual([2]);
  });

  it("does not merge an elementwise kernel that reads the reduction (softmax's division)", () => {
    const g = trace((x: Tensor) => t.softmax(x), [spec([4, 8])]);
    const kg = checkFusion(g, randomInputs(g, 5), {}, "softmax");
    expect(kg.kernels.map((k) => k.loop.kind)).toEqual(["reduce", "reduce", "elementwise"]);
  });

  it("does not run without fusion", () => {
    const g = joint(w4, [64]);
    const kg = checkFusion(g, randomInputs(g, 6), { fuse: false }, "W4 unfused");
    expect(kg.kernels).toHaveLength(g.nodes.filter((n) => n.op !== "constant").length);
  });
});
