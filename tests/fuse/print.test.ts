// The kernels.ir dump and the Graphviz view of a kernel graph.
import { describe, expect, it } from "vitest";
import { printNode, spec, t, trace } from "@adjoint/ir";
import { fuseKernels, printKernelDot, printKernels } from "@adjoint/passes";

const g = trace((x, w) => t.softmax(t.matmul(x, t.transpose(w))), [spec([2, 3]), spec([4, 3])]);
const kg = fuseKernels(g);

describe("printKernels", () => {
  const text = printKernels(kg);
  it("prints every member with printNode (id, op, attributes, type, location)", () => {
    for (const k of kg.kernels) for (const m of k.nodes) expect(text).toContain(printNode(g.nodes.find((n) => n.id === m)!));
  });
  it("prints one header per kernel, with its loop, and a store line per stored value", () => {
    expect(text.split("\n").filter((l) => /^k\d+ /.test(l))).toHaveLength(kg.kernels.length);
    expect(text).toMatch(/^k0 matmul batch=\[\] m=2 n=4 k=3 buffers=3$/m);
    expect(text.split("\n").filter((l) => l.startsWith("  store ")).length).toBe(kg.kernels.reduce((s, k) => s + k.stores.length, 0));
  });
});

describe("printKernelDot", () => {
  const dot = printKernelDot(kg);
  it("draws one cluster per kernel around its members", () => {
    expect(dot.match(/subgraph cluster_k\d+ \{/g)).toHaveLength(kg.kernels.length);
    for (const k of kg.kernels) for (const m of k.nodes) expect(dot).toContain(`k${k.id}_v${m} [label=`);
  });
  it("draws loads as edges from the storing kernel (or an input) and labels folded views", () => {
    expect(dot).toContain(`v${g.inputs[1].id} -> k0_v`); // w, read transposed by the matmul
    const div = g.nodes.find((n) => n.op === "div")!;
    const bcast = g.nodes.find((n) => n.op === "broadcast" && n.args[0] === g.nodes.find((m) => m.op === "reduce_sum")!.id)!;
    expect(dot).toMatch(new RegExp(`k\\d+_v${bcast.args[0]} -> k\\d+_v${div.id} \\[label="broadcast"\\]`));
    expect(dot).not.toContain("unresolved");
  });
  it("is balanced DOT text", () => {
    expect(dot.startsWith("digraph ")).toBe(true);
    expect(dot.split("{").length).toBe(dot.split("}").length);
  });
});
