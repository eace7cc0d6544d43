// Fusion is iterative and near-linear: graphs of 100k nodes fuse without deep recursion.
// The graphs are built as plain data (tracing 100k ops takes seconds); timings are in
// bench/fuse-scale.ts, never asserted here.
import { describe, expect, it } from "vitest";
import { UNKNOWN_LOC, type Graph, type Node, type Shape } from "@adjoint/ir";
import { checkKernelGraph, fuseKernels } from "@adjoint/passes";

/** Appends nodes to a graph under construction: `add(op, args, attrs, shape)` returns the new id. */
function builder(inputShape: Shape) {
  const nodes: Node[] = [];
  const add = (op: string, args: number[], attrs: Node["attrs"], shape: Shape) => {
    const id = nodes.length + 1;
    nodes.push({ id, op, args, attrs, type: { dtype: "f32", shape }, loc: UNKNOWN_LOC });
    return id;
  };
  const graph = (out: number): Graph => ({ name: "big", inputs: [{ id: 0, name: "x", type: { dtype: "f32", shape: inputShape }, loc: UNKNOWN_LOC }], nodes, outputs: [out] });
  return { add, graph };
}

describe("scale", () => {
  it("a 100k-node elementwise chain is one kernel (and 100k unfused)", () => {
    const b = builder([4]);
    let y = 0;
    for (let i = 0; i < 100_000; i++) y = b.add(i % 2 ? "tanh" : "neg", [y], {}, [4]);
    const g = b.graph(y);
    const kg = fuseKernels(g);
    expect(kg.kernels).toHaveLength(1);
    expect(kg.kernels[0].nodes).toHaveLength(100_000);
    expect(fuseKernels(g, { fuse: false }).kernels).toHaveLength(100_000);
  });

  it("a 100k-node chain of reductions and broadcasts, under a buffer limit", () => {
    const b = builder([8, 16]);
    let y = 0;
    for (let i = 0; i < 25_000; i++) {
      const e = b.add("exp", [y], {}, [8, 16]);
      const m = b.add("reduce_max", [e], { axes: [1], keepdims: true }, [8, 1]);
      const m16 = b.add("broadcast", [m], { shape: [8, 16] }, [8, 16]);
      y = b.add("sub", [y, m16], {}, [8, 16]);
    }
    const g = b.graph(y);
    const kg = fuseKernels(g, { maxBuffers: 4 });
    checkKernelGraph(kg, { maxBuffers: 4 });
    // each step: the max (with exp in its prologue), then the subtraction joins the next exp
    expect(kg.kernels.length).toBeLessThanOrEqual(25_001);
  });
});
