// Every op, fused and unfused, alone and inside a fused chain: the kernel evaluator must give
// the interpreter's bits. The examples are the conformance suite's hand-computed op cases.
import { describe, expect, it } from "vitest";
import { OP_NAMES, spec, t, trace, type Tensor } from "@adjoint/ir";
import { opCases } from "../conformance/op-cases";
import { checkBothModes, kernelOps } from "./helpers";

/** -(-x) is exact for f32 and i32 (INT_MIN wraps back), so it adds fusable work without changing values. */
const wrap = (x: Tensor): Tensor => (x.dtype === "bool" ? x : t.neg(t.neg(x)));

describe.each(OP_NAMES)("%s", (op) => {
  it.each(opCases[op].map((c) => [c.name, c] as const))("%s", (_, c) => {
    const specs = c.inputs.map((x) => spec(x.shape, x.dtype));
    const alone = trace(c.fn, specs);
    expect(alone.nodes.map((n) => n.op)).toContain(op);
    checkBothModes(alone, c.inputs, `${op} ${c.name}`);
    // inside a chain: elementwise work before and after the op, in the same kernels where possible
    const chained = trace((...xs: Tensor[]) => wrap(c.fn(...xs.map(wrap))), specs);
    const { fused, unfused } = checkBothModes(chained, c.inputs, `${op} ${c.name} in a chain`);
    expect(fused.kernels.length).toBeLessThanOrEqual(unfused.kernels.length);
  });
});

describe("fused chains", () => {
  it("an elementwise chain over one input is one kernel that stores only its result", () => {
    const g = trace((x) => t.tanh(t.mul(t.exp(t.neg(x)), t.add(x, 1))), [spec([3, 4])]);
    const { fused } = checkBothModes(g, [{ shape: [3, 4], dtype: "f32", data: Float32Array.from({ length: 12 }, (_, i) => i / 7 - 1) }], "chain");
    expect(kernelOps(fused)).toEqual([["neg", "exp", "add", "mul", "tanh"]]); // the literal 1 is no member
    expect(fused.kernels[0].stores).toEqual([g.outputs[0]]);
  });
});
