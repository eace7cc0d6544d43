// Movement ops fold into strided loads, reductions map their axes onto (domain, reduce) loops,
// and matmuls read transposed or broadcast operands in place. Expected strides are worked out
// by hand from the row-major layout of each operand.
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Tensor } from "@adjoint/ir";
import type { Kernel } from "@adjoint/passes";
import { checkBothModes, kernelOps, randomInputs } from "./helpers";

function fused(fn: (...xs: Tensor[]) => unknown, shapes: number[][]) {
  const g = trace(fn, shapes.map((s) => spec(s)));
  return { g, ...checkBothModes(g, randomInputs(g, 7), fn.toString()) };
}

const onlyLoad = (k: Kernel) => {
  expect(k.loads.size).toBe(1);
  return [...k.loads.values()][0];
};

describe("movement folds into loads", () => {
  it("broadcasting operands are 0-strided loads of one kernel", () => {
    const { fused: kg, g } = fused((x, row, col) => t.mul(t.add(x, row), col), [[3, 4], [4], [3, 1]]);
    expect(kg.kernels.length).toBe(1);
    const [x, row, col] = g.inputs.map((i) => i.id);
    const bySource = new Map([...kg.kernels[0].loads.values()].map((a) => [a.source, a.strides]));
    expect(bySource.get(x)).toEqual([4, 1]);
    expect(bySource.get(row)).toEqual([0, 1]);
    expect(bySource.get(col)).toEqual([1, 0]);
  });

  it("a transpose of an input is a permuted load", () => {
    const { fused: kg } = fused((x) => t.exp(t.transpose(x)), [[2, 3]]);
    expect(kg.kernels.length).toBe(1);
    expect(onlyLoad(kg.kernels[0])).toMatchObject({ strides: [1, 3], offset: 0 });
  });

  it("a slice is an offset load", () => {
    const { fused: kg } = fused((x) => t.neg(t.slice(x, [1, 2], [3, 5])), [[4, 6]]);
    expect(onlyLoad(kg.kernels[0])).toMatchObject({ strides: [6, 1], offset: 1 * 6 + 2 });
  });

  it("a reshape of contiguous data splits the strides", () => {
    const { fused: kg } = fused((x) => t.abs(t.reshape(x, [2, 3, 2])), [[6, 2]]);
    expect(onlyLoad(kg.kernels[0])).toMatchObject({ strides: [6, 2, 1], offset: 0 });
  });

  it("chains compose: slice of transpose of broadcast", () => {
    // b[i,j,k] = x[k] over [2,3,4]; transpose(0,2,1) -> [2,4,3]; slice [.., 1:3, ..] -> [2,2,3]
    const { fused: kg } = fused((x) => t.sin(t.slice(t.transpose(t.broadcastTo(x, [2, 3, 4]), [0, 2, 1]), [0, 1, 0], [2, 3, 3])), [[4]]);
    expect(kg.kernels.length).toBe(1);
    expect(onlyLoad(kg.kernels[0])).toMatchObject({ strides: [0, 1, 0], offset: 1 });
  });

  it("a flatten of a transpose cannot be strided: the transpose gets a copy kernel", () => {
    const { fused: kg } = fused((x) => t.exp(t.reshape(t.transpose(x), [6])), [[2, 3]]);
    expect(kernelOps(kg)).toEqual([["transpose"], ["exp"]]);
    expect(onlyLoad(kg.kernels[1])).toMatchObject({ strides: [1], offset: 0 });
  });

  it("an output that is a view of an input is stored by a copy kernel", () => {
    const { fused: kg, g } = fused((x) => t.transpose(x), [[2, 3]]);
    expect(kernelOps(kg)).toEqual([["transpose"]]);
    expect(kg.kernels[0].loads.get(g.outputs[0])).toMatchObject({ source: g.inputs[0].id, strides: [1, 3] });
  });
});

describe("reductions", () => {
  it("over a non-last axis: domain = kept dims, reduce = reduced dims", () => {
    const { fused: kg } = fused((x) => t.sum(t.exp(x), 0), [[3, 4]]);
    expect(kg.kernels.length).toBe(1);
    const k = kg.kernels[0];
    expect(k.loop).toMatchObject({ kind: "reduce", domain: [4], reduce: [3] });
    expect(onlyLoad(k).strides).toEqual([1, 4]); // (j, i) -> x[i, j]
  });

  it("over middle axes of a 3-D tensor with keepdims", () => {
    const { fused: kg } = fused((x) => t.max(t.mul(x, x), [1], { keepdims: true }), [[2, 3, 4]]);
    const k = kg.kernels[0];
    expect(k.loop).toMatchObject({ kind: "reduce", domain: [2, 1, 4], reduce: [3] });
    expect(onlyLoad(k).strides).toEqual([12, 0, 1, 4]);
  });

  it("over outer axes, with an epilogue", () => {
    const { fused: kg } = fused((x) => t.sqrt(t.add(t.sum(x, [0, 2]), 1)), [[2, 3, 4]]);
    expect(kernelOps(kg)).toEqual([["reduce_sum", "add", "sqrt"]]); // + 1 reads a literal
    expect(kg.kernels[0].loop).toMatchObject({ domain: [3], reduce: [2, 4] });
    expect(onlyLoad(kg.kernels[0]).strides).toEqual([4, 12, 1]);
  });

  it("a full reduction has an empty domain", () => {
    const { fused: kg } = fused((x) => t.mean(x), [[5, 3]]);
    expect(kg.kernels[0].loop).toMatchObject({ kind: "reduce", domain: [], reduce: [5, 3] });
  });

  it("chained reductions are separate kernels", () => {
    const { fused: kg } = fused((x) => t.max(t.sum(x, 1)), [[3, 4]]);
    expect(kernelOps(kg)).toEqual([["reduce_sum"], ["reduce_max"]]);
  });

  it("one literal read (through different broadcasts) by both the prologue and the epilogue", () => {
    const { fused: kg, g } = fused((x) => {
      const c = t.full([], 2);
      return t.mul(t.sum(t.mul(x, t.broadcastTo(c, [3, 4])), 1), t.broadcastTo(c, [3]));
    }, [[3, 4]]);
    expect(kernelOps(kg)).toEqual([["mul", "reduce_sum", "mul"]]);
    expect(kg.kernels[0].loads.size).toBe(1); // x only: the 2 is a literal, not a load
    expect(g.nodes.filter((n) => n.op === "full")).toHaveLength(1);
  });

  it("an empty reduction gives 0 and -Infinity, as the interpreter", () => {
    fused((x) => [t.sum(t.exp(x), 1), t.max(x, 1)], [[2, 0]]);
  });
});

describe("matmul", () => {
  it("transposed operands are read in place and the epilogue adds bias, activation and residual", () => {
    const { fused: kg, g } = fused((a, b, bias, res) => t.add(t.relu(t.add(t.matmul(t.transpose(a), t.transpose(b)), bias)), res), [[5, 3], [4, 5], [4], [3, 4]]);
    expect(kernelOps(kg)).toEqual([["matmul", "add", "relu", "add"]]);
    const l = kg.kernels[0].loop;
    if (l.kind !== "matmul") throw new Error("expected a matmul kernel");
    // loop (m, n, k) = (3, 4, 5): A[m,k] = a[k,m] (a is [5,3]); B[k,n] = b[n,k] (b is [4,5])
    expect([l.m, l.n, l.k]).toEqual([3, 4, 5]);
    expect(l.a).toMatchObject({ source: g.inputs[0].id, strides: [1, 0, 3] });
    expect(l.b).toMatchObject({ source: g.inputs[1].id, strides: [0, 5, 1] });
  });

  it("batched, with a broadcast batch operand", () => {
    const { fused: kg, g } = fused((a, b) => t.matmul(a, b), [[2, 3, 5, 4], [3, 4, 6]]);
    const l = kg.kernels[0].loop;
    if (l.kind !== "matmul") throw new Error("expected a matmul kernel");
    expect(l.batch).toEqual([2, 3]);
    expect(l.b).toMatchObject({ source: g.inputs[1].id, strides: [0, 24, 0, 1, 6] });
  });

  it("a matmul whose operand is another kernel's result loads its store", () => {
    const { fused: kg } = fused((x, w) => t.matmul(t.tanh(t.matmul(x, w)), w), [[2, 3], [3, 3]]);
    expect(kernelOps(kg)).toEqual([["matmul", "tanh"], ["matmul"]]);
  });
});
