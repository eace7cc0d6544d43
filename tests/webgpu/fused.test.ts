// Fused kernels as the fusion pass will produce them, built by hand on traced graphs:
// elementwise chains with broadcast loads and several stores, reductions with a prologue
// (including a stored prologue value), an epilogue and keepdims domains, in both the tree
// and the serial strategy, and matmul with a bias + activation epilogue on a transposed
// operand. All against the interpreter.
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Graph, type HostTensor, type Tensor, type ValueId } from "@adjoint/ir";
import type { Access, Kernel, KernelLoop } from "@adjoint/passes";
import { generatePlan } from "@adjoint/backend-webgpu";
import { checkPlan } from "./compare";
import { testBackend } from "./gpu";
import { bumpPlan } from "./plans";
import { randomTensor } from "../conformance/patterns";

type Load = [key: ValueId, source: ValueId, strides: number[], offset?: number];
const kernel = (id: number, loop: KernelLoop, nodes: ValueId[], loads: Load[], stores: ValueId[]): Kernel => ({
  id, loop, nodes, stores,
  loads: new Map(loads.map(([key, source, strides, offset]): [ValueId, Access] => [key, { source, strides, offset: offset ?? 0 }])),
});
const idOf = (g: Graph, op: string, nth = 0): ValueId => g.nodes.filter((n) => n.op === op)[nth].id;

describe("elementwise chain", () => {
  it("exp(x) * y + 1 with y broadcast, storing two members", async () => {
    const g = trace((x: Tensor, y: Tensor) => { const e = t.exp(x); return [e, t.add(t.mul(e, y), 1)]; }, [spec([37, 129]), spec([129])]);
    const [exp, bc, mul, full, add] = ["exp", "broadcast", "mul", "full", "add"].map((op) => idOf(g, op));
    const k = kernel(0, { kind: "elementwise", domain: [37, 129] }, [exp, mul, full, add], [[0, 0, [129, 1]], [bc, 1, [0, 1]]], [exp, add]);
    await checkPlan(await testBackend(), g, bumpPlan({ graph: g, kernels: [k] }), [randomTensor([37, 129], 1), randomTensor([129], 2)]);
  });
});

/** softmax over the last axis of [rows, cols] in three fused kernels (see the file comment). */
function softmaxPlan(rows: number, cols: number, keepdimsDomain: boolean) {
  const g = trace((x: Tensor) => t.softmax(x), [spec([rows, cols])]);
  const [max, stop, bmax, sub, exp, sum, bsum, div] = g.nodes.map((n) => n.id);
  const kernels = [
    kernel(0, { kind: "reduce", domain: keepdimsDomain ? [rows, 1] : [rows], reduce: [cols], prologue: [], reducer: max, epilogue: [stop] }, [max, stop],
      [[0, 0, keepdimsDomain ? [cols, 0, 1] : [cols, 1]]], [stop]),
    kernel(1, { kind: "reduce", domain: [rows], reduce: [cols], prologue: [sub, exp], reducer: sum, epilogue: [] }, [sub, exp, sum],
      [[0, 0, [cols, 1]], [bmax, stop, [1, 0]]], [exp, sum]),
    kernel(2, { kind: "elementwise", domain: [rows, cols] }, [div], [[exp, exp, [cols, 1]], [bsum, sum, [1, 0]]], [div]),
  ];
  return { g, plan: bumpPlan({ graph: g, kernels }) };
}

describe("reductions with prologue and epilogue", () => {
  // both code paths: "gpu" (workgroup trees) and "cpu" (a thread per output, split without barriers)
  for (const target of ["gpu", "cpu"] as const) {
    for (const [rows, cols, keep] of [[3, 5, true], [64, 300, false], [2000, 12, true], [5, 4000, false]] as const) {
      it(`softmax [${rows},${cols}]${keep ? ", keepdims domain" : ""}, ${target} code`, async () => {
        const { g, plan } = softmaxPlan(rows, cols, keep);
        await checkPlan(await testBackend(), g, plan, [randomTensor([rows, cols], rows + cols)], 1e-5, "softmax", { target });
      });
    }
  }

  it("uses a workgroup tree for long reductions and a thread per output for short ones (and always, on CPU adapters)", () => {
    const tree = generatePlan(softmaxPlan(64, 300, false).plan).kernels[0].code;
    const serial = generatePlan(softmaxPlan(2000, 12, true).plan).kernels[0].code;
    expect(tree).toContain("workgroupBarrier()");
    expect(tree).toContain("var<workgroup> red");
    expect(serial).not.toContain("workgroupBarrier()");
    expect(generatePlan(softmaxPlan(64, 300, false).plan, { cpu: true }).kernels[0].code).not.toContain("workgroupBarrier()");
  });

  it("a full sum and max of a long vector, split over workgroups, with a stored prologue value", async () => {
    const g = trace((x: Tensor) => { const e = t.exp(x); return [e, t.mul(t.sum(e), 2), t.max(x)]; }, [spec([70_001])]);
    const [exp, sum, full, mul, max] = ["exp", "reduce_sum", "full", "mul", "reduce_max"].map((op) => idOf(g, op));
    const kernels = [
      kernel(0, { kind: "reduce", domain: [], reduce: [70_001], prologue: [exp], reducer: sum, epilogue: [full, mul] }, [exp, sum, full, mul], [[0, 0, [1]]], [exp, mul]),
      kernel(1, { kind: "reduce", domain: [], reduce: [70_001], prologue: [], reducer: max, epilogue: [] }, [max], [[0, 0, [1]]], [max]),
    ];
    const plan = bumpPlan({ graph: g, kernels });
    for (const cpu of [false, true]) expect(generatePlan(plan, { cpu }).kernels.map((k) => k.dispatches.length)).toEqual([2, 2]);
    for (const target of ["gpu", "cpu"] as const) await checkPlan(await testBackend(), g, plan, [randomTensor([70_001], 8)], 2e-5, `split sum, ${target} code`, { target });
  });

  it("sum over the middle axis with an epilogue that loads along the reduce loop's dims", async () => {
    const g = trace((x: Tensor, b: Tensor) => t.mul(t.sum(x, 1), b), [spec([6, 50, 7]), spec([6, 7])]);
    const [sum, mul] = [idOf(g, "reduce_sum"), idOf(g, "mul")];
    const k = kernel(0, { kind: "reduce", domain: [6, 7], reduce: [50], prologue: [], reducer: sum, epilogue: [mul] }, [sum, mul],
      [[0, 0, [350, 1, 7]], [1, 1, [7, 1, 0]]], [mul]);
    await checkPlan(await testBackend(), g, bumpPlan({ graph: g, kernels: [k] }), [randomTensor([6, 50, 7], 3), randomTensor([6, 7], 4)]);
  });
});

/** relu(x @ wᵀ + b): the transpose folded into B's strides, bias and relu in the epilogue. */
function linearPlan(batch: number[], m: number, k: number, n: number) {
  const g = trace((x: Tensor, w: Tensor, b: Tensor) => t.relu(t.add(t.matmul(x, t.transpose(w, [...batch.keys(), batch.length + 1, batch.length])), b)),
    [spec([...batch, m, k]), spec([...batch, n, k]), spec([n])]);
  const [mm, bc, add, relu] = ["matmul", "broadcast", "add", "relu"].map((op) => idOf(g, op));
  const nb = batch.reduce((a, b) => a * b, 1);
  const bStr = batch.map((_, i) => batch.slice(i + 1).reduce((a, b) => a * b, 1));
  const loop: KernelLoop = {
    kind: "matmul", batch, m, n, k, node: mm, epilogue: [add, relu],
    a: { source: 0, offset: 0, strides: [...bStr.map((s) => s * m * k), k, 0, 1] },
    b: { source: 1, offset: 0, strides: [...bStr.map((s) => s * n * k), 0, k, 1] },
  };
  const kk = kernel(0, loop, [mm, add, relu], [[bc, 2, [...batch.map(() => 0), 0, 1]]], [relu]);
  void nb;
  return { g, plan: bumpPlan({ graph: g, kernels: [kk] }) };
}

describe("matmul with an epilogue", () => {
  for (const [batch, m, k, n] of [[[], 3, 5, 4], [[], 70, 33, 65], [[2, 3], 9, 17, 30], [[], 1, 64, 100], [[], 129, 7, 1]] as [number[], number, number, number][]) {
    it(`relu(x @ wᵀ + b), [${batch}] ${m}x${k} @ ${k}x${n}`, async () => {
      const { g, plan } = linearPlan(batch, m, k, n);
      const inputs: HostTensor[] = [randomTensor([...batch, m, k], m), randomTensor([...batch, n, k], n), randomTensor([n], 5)];
      await checkPlan(await testBackend(), g, plan, inputs);
    });
  }
});
