// Opaque kernels: gather and scatter_add (with their index errors), pad and concat, reading
// operands through strided accesses, against the interpreter.
import { describe, expect, it } from "vitest";
import { AdjointError, spec, t, trace, type Graph } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import type { Kernel } from "@adjoint/passes";
import { naivePlan } from "./naive-plan";
import { expectBitwise, idsOf, planOf, random, runPlan, tensor } from "./util";

/** One opaque kernel for node `id`, reading operand 0 of the graph through `strides` (a folded transpose). */
function opaqueOver(g: Graph, op: string, key: number, strides: number[]): Kernel {
  const [id] = idsOf(g, op);
  const node = g.nodes.find((n) => n.id === id)!;
  const loads = new Map(node.args.map((a) => [a, { source: a, strides: [] as number[], offset: 0 }]));
  for (const [a, acc] of loads) {
    const type = g.inputs.find((i) => i.id === a)?.type ?? g.nodes.find((n) => n.id === a)!.type;
    acc.strides = type.shape.map((_, i) => type.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  }
  loads.set(key, { source: 0, strides, offset: 0 });
  return { id: 0, loop: { kind: "opaque", node: id }, nodes: [id], loads, stores: [id] };
}

describe("opaque kernels", () => {
  const x = random([4, 3], 1);

  it("gather reads a transposed operand through its access", () => {
    const g = trace((w, idx) => t.take(t.transpose(w), idx, 0), [spec([4, 3]), spec([5], "i32")]);
    const [tr] = idsOf(g, "transpose");
    const idx = tensor("i32", [5], [2, 0, 1, 1, 2]);
    expectBitwise(runPlan(planOf(g, [opaqueOver(g, "gather", tr, [1, 3])]), [x, idx])[0], interpret(g, [x, idx])[0]);
  });

  it("scatter_add sums repeated indices in doubles, from a transposed operand", () => {
    const g = trace((u, idx) => t.scatterAdd(t.transpose(u), idx, 0, 4), [spec([4, 3]), spec([3], "i32")]);
    const [tr] = idsOf(g, "transpose");
    const idx = tensor("i32", [3], [1, 1, 3]);
    expectBitwise(runPlan(planOf(g, [opaqueOver(g, "scatter_add", tr, [1, 3])]), [x, idx])[0], interpret(g, [x, idx])[0]);
  });

  it("pad and concat write strided slabs of strided operands", () => {
    const g = trace((w) => t.concat([t.pad(t.transpose(w), [1, 0], [0, 2], -1), t.slice(w, [0, 1], [4, 3])], 1), [spec([4, 3])]);
    expectBitwise(runPlan(naivePlan(g, { opaque: true }), [x])[0], interpret(g, [x])[0]);
    const [tr] = idsOf(g, "transpose");
    const [pad] = idsOf(g, "pad");
    const padded = { ...g, outputs: [pad] };
    expectBitwise(runPlan(planOf(padded, [opaqueOver(padded, "pad", tr, [1, 3])]), [x])[0], interpret(padded, [x])[0]);
  });

  it("gather names the op, the bad index, its position and the source line", () => {
    const g = trace((w, idx) => t.take(w, idx, 0), [spec([4, 3]), spec([2, 2], "i32")]);
    const loc = { file: "model.ts", line: 12, col: 3 };
    const h = { ...g, nodes: g.nodes.map((n) => (n.op === "gather" ? { ...n, loc } : n)) };
    let error: unknown;
    try {
      runPlan(naivePlan(h), [x, tensor("i32", [2, 2], [0, 1, 4, 2])]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AdjointError);
    for (const part of ["gather", "index 4", "position [1,0]", "size 4", "model.ts:12"]) expect((error as Error).message).toContain(part);
    expect(() => runPlan(naivePlan(g), [x, tensor("i32", [2, 2], [0, -1, 1, 2])])).toThrow(/gather: index -1/);
  });

  it("scatter_add checks its indices against its size", () => {
    const g = trace((u, idx) => t.scatterAdd(u, idx, 0, 2), [spec([2]), spec([2], "i32")]);
    expect(() => runPlan(naivePlan(g), [tensor("f32", [2], [1, 1]), tensor("i32", [2], [0, 2])])).toThrow(/scatter_add: index 2 .*size 2/);
  });
});
