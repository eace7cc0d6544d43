import { describe, expect, it } from "vitest";
import { OP_NAMES, spec, trace } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { expectTensor, opCases } from "../conformance/op-cases";

// Every op in the registry runs against hand-computed values. The table's type makes a
// missing op a compile error; the checks below make sure each example exercises its op.
describe.each(OP_NAMES)("%s", (op) => {
  it("has examples", () => expect(opCases[op].length).toBeGreaterThan(0));
  it.each(opCases[op].map((c) => [c.name, c] as const))("%s", (_, c) => {
    const graph = trace(c.fn, c.inputs.map((x) => spec(x.shape, x.dtype)));
    expect(graph.nodes.map((n) => n.op)).toContain(op);
    const [out] = interpret(graph, c.inputs);
    expectTensor(out, c.expected);
  });
});
