import { describe, expect, it } from "vitest";
import { OP_NAMES, VerifyError, verifyGraph } from "./index";
import type { AttrValue, Graph, GraphInput, Node, SourceLoc, TensorType } from "./index";

const at = (line: number): SourceLoc => ({ file: "m.ts", line, col: 1 });
const f = (...shape: number[]): TensorType => ({ dtype: "f32", shape });
const input = (id: number, name: string, type: TensorType = f(2, 3)): GraphInput => ({ id, name, type, loc: at(1) });
const node = (id: number, op: string, args: number[], type: TensorType, attrs: Record<string, AttrValue> = {}): Node => ({
  id, op, args, attrs, type, loc: at(id + 1),
});

/** A well-formed chain: %0 → tanh → exp → reduce_sum → neg → sigmoid. */
const good: Graph = {
  name: "g",
  inputs: [input(0, "x")],
  nodes: [
    node(1, "tanh", [0], f(2, 3)),
    node(2, "exp", [1], f(2, 3)),
    node(3, "reduce_sum", [2], f(2), { axes: [1], keepdims: false }),
    node(4, "neg", [3], f(2)),
    node(5, "sigmoid", [4], f(2)),
  ],
  outputs: [5],
};

/** `good` with node `id` replaced. */
const withNode = (id: number, n: Node, g: Graph = good): Graph => ({ ...g, nodes: g.nodes.map((m) => (m.id === id ? n : m)) });

/** The VerifyError message for `g` (fails the test when the graph verifies). */
function verifyMessage(g: Graph, passName?: string): string {
  try {
    verifyGraph(g, passName);
  } catch (e) {
    expect(e).toBeInstanceOf(VerifyError);
    return (e as Error).message;
  }
  throw new Error("expected a VerifyError");
}

/** The first line of the message: the reason, without the context lines. */
const reason = (g: Graph, passName?: string) => verifyMessage(g, passName).split("\n")[0];

describe("verifier: accepts", () => {
  it("a well-formed graph, returned unchanged", () => {
    expect(verifyGraph(good)).toBe(good);
    expect(verifyGraph({ ...good, outputs: [0, 5, 5] })).toBeDefined();
  });
});

describe("verifier: ids and def-use", () => {
  it("duplicate ids: input/input", () => {
    const g: Graph = { ...good, inputs: [input(0, "x"), input(0, "y")] };
    expect(verifyMessage(g)).toBe('duplicate value id %0 among inputs:\n  %0: f32[2,3] "y" loc("m.ts":1:1)');
  });

  it("duplicate ids: node/node", () => {
    const g = withNode(2, node(1, "exp", [1], f(2, 3)));
    expect(reason(g)).toBe("node %1 (exp): duplicate value id %1");
  });

  it("duplicate ids: node/input", () => {
    const g = withNode(1, node(0, "tanh", [0], f(2, 3)));
    expect(reason(g)).toBe("node %0 (tanh): duplicate value id %0");
  });

  it("use before def, and use of self", () => {
    expect(reason(withNode(2, node(2, "exp", [4], f(2, 3))))).toBe("node %2 (exp): operand %4 is used before it is defined");
    expect(reason(withNode(2, node(2, "exp", [2], f(2, 3))))).toBe("node %2 (exp): operand %2 is used before it is defined");
    expect(reason(withNode(2, node(2, "exp", [99], f(2, 3))))).toBe("node %2 (exp): operand %99 is used before it is defined");
  });

  it("undefined output", () => {
    expect(verifyMessage({ ...good, outputs: [5, 9] })).toBe("output %9 is not defined");
  });

  it("no outputs", () => {
    expect(verifyMessage({ ...good, outputs: [] })).toBe("graph @g has no outputs");
  });

  it("an input with a bad shape", () => {
    const g: Graph = { ...good, inputs: [input(0, "x", f(2, -3))] };
    expect(verifyMessage(g)).toBe("input %0 has a bad type: shape [2,-3] has an invalid dimension -3");
  });
});

describe("verifier: ops, arity and attributes", () => {
  it("unknown op, listing the known ones", () => {
    expect(reason(withNode(2, node(2, "expp", [1], f(2, 3))))).toBe(`node %2 (expp): unknown op 'expp'; known ops: ${OP_NAMES.join(", ")}`);
  });

  it("wrong arity", () => {
    expect(reason(withNode(2, node(2, "exp", [1, 1], f(2, 3))))).toBe("node %2 (exp): expects 1 operands, got 2 (at m.ts:3)");
    expect(reason(withNode(2, node(2, "exp", [], f(2, 3))))).toBe("node %2 (exp): expects 1 operands, got 0 (at m.ts:3)");
    expect(reason(withNode(2, node(2, "concat", [], f(2, 3), { axis: 0 })))).toBe("node %2 (concat): expects at least 1 operands, got 0 (at m.ts:3)");
    expect(reason(withNode(2, node(2, "full", [1], f(2, 3), { value: 0, shape: [2, 3], dtype: "f32" })))).toBe(
      "node %2 (full): expects 0 operands, got 1 (at m.ts:3)",
    );
  });

  it("missing attribute", () => {
    const g = withNode(3, node(3, "reduce_sum", [2], f(2), { axes: [1] }));
    expect(reason(g)).toBe("node %3 (reduce_sum): missing attribute 'keepdims' (bool) (at m.ts:4)");
  });

  it("extra or unknown attribute", () => {
    expect(reason(withNode(2, node(2, "exp", [1], f(2, 3), { axis: 1 })))).toBe(
      "node %2 (exp): unknown attribute 'axis' (this op takes no attributes) (at m.ts:3)",
    );
    expect(reason(withNode(3, node(3, "reduce_sum", [2], f(2), { axes: [1], keepdims: false, keepDims: true })))).toBe(
      "node %3 (reduce_sum): unknown attribute 'keepDims' (this op takes axes, keepdims) (at m.ts:4)",
    );
  });

  it("ill-typed attributes", () => {
    const sum = (attrs: Record<string, AttrValue>) => reason(withNode(3, node(3, "reduce_sum", [2], f(2), attrs)));
    expect(sum({ axes: 1.5, keepdims: false })).toBe("node %3 (reduce_sum): attribute 'axes': expected a list of integers, got 1.5 (at m.ts:4)");
    expect(sum({ axes: [1.5], keepdims: false })).toBe("node %3 (reduce_sum): attribute 'axes': expected a list of integers, got [1.5] (at m.ts:4)");
    expect(sum({ axes: [1], keepdims: 0 })).toBe("node %3 (reduce_sum): attribute 'keepdims': expected true or false, got 0 (at m.ts:4)");
    const cast = node(2, "cast", [1], f(2, 3), { dtype: "f64" });
    expect(reason(withNode(2, cast))).toBe(`node %2 (cast): attribute 'dtype': expected a dtype (f32, i32, bool), got "f64" (at m.ts:3)`);
    const full = node(2, "full", [], f(2, 3), { value: "1", shape: [2, 3], dtype: "f32" });
    expect(reason(withNode(2, full))).toBe(`node %2 (full): attribute 'value': expected a number, got "1" (at m.ts:3)`);
    const custom = node(2, "custom_vjp", [1], f(2, 3), { rule: 3, primals: 0 });
    expect(reason(withNode(2, custom))).toBe("node %2 (custom_vjp): attribute 'rule': expected a string, got 3 (at m.ts:3)");
  });

  it("attributes that are well-typed but wrong for the operand", () => {
    const g = withNode(3, node(3, "reduce_sum", [2], f(2), { axes: [2], keepdims: false }));
    expect(reason(g)).toBe("node %3 (reduce_sum): axis 2 is out of range for rank 2 (valid: -2..1) (at m.ts:4)");
  });
});

describe("verifier: declared types", () => {
  it("dtype different from inference", () => {
    const g = withNode(2, node(2, "exp", [1], { dtype: "i32", shape: [2, 3] }));
    expect(reason(g)).toBe("node %2 (exp): declared type i32[2,3] but the op infers f32[2,3]");
  });

  it("shape different from inference", () => {
    expect(reason(withNode(3, node(3, "reduce_sum", [2], f(3), { axes: [1], keepdims: false })))).toBe(
      "node %3 (reduce_sum): declared type f32[3] but the op infers f32[2]",
    );
    expect(reason(withNode(2, node(2, "exp", [1], f(2, 3, 1))))).toBe("node %2 (exp): declared type f32[2,3,1] but the op infers f32[2,3]");
    expect(reason(withNode(2, node(2, "exp", [1], f())))).toBe("node %2 (exp): declared type f32[] but the op infers f32[2,3]");
  });

  it("operands whose types the op rejects", () => {
    const g: Graph = { ...good, inputs: [input(0, "x"), input(9, "y", f(3, 2))], nodes: [node(1, "add", [0, 9], f(2, 3))], outputs: [1] };
    expect(reason(g)).toBe("node %1 (add): operands must have the same type, got f32[2,3] and f32[3,2] (at m.ts:2)");
  });

  it("later nodes are checked against the declared (not re-inferred) types of earlier ones", () => {
    // %3's declared type is wrong; the verifier stops there rather than cascading
    const g = withNode(3, node(3, "reduce_sum", [2], f(3), { axes: [1], keepdims: false }));
    expect(verifyMessage(g).match(/^node %\d+/gm)).toEqual(["node %3"]);
  });
});

describe("verifier: context and pass names", () => {
  it("marks the offending node with '>' and shows two neighbours either side", () => {
    const g = withNode(3, node(3, "reduce_sum", [2], f(3), { axes: [1], keepdims: false }));
    expect(verifyMessage(g)).toBe(
      [
        "node %3 (reduce_sum): declared type f32[3] but the op infers f32[2]",
        '  %1 = tanh %0 : f32[2,3] loc("m.ts":2:1)',
        '  %2 = exp %1 : f32[2,3] loc("m.ts":3:1)',
        '> %3 = reduce_sum %2 {axes = [1], keepdims = false} : f32[3] loc("m.ts":4:1)',
        '  %4 = neg %3 : f32[2] loc("m.ts":5:1)',
        '  %5 = sigmoid %4 : f32[2] loc("m.ts":6:1)',
      ].join("\n"),
    );
  });

  it("clips the context at the ends of the node list", () => {
    const first = verifyMessage(withNode(1, node(1, "tanh", [0], f(2))));
    expect(first.split("\n").slice(1)).toEqual([
      '> %1 = tanh %0 : f32[2] loc("m.ts":2:1)',
      '  %2 = exp %1 : f32[2,3] loc("m.ts":3:1)',
      '  %3 = reduce_sum %2 {axes = [1], keepdims = false} : f32[2] loc("m.ts":4:1)',
    ]);
    const last = verifyMessage(withNode(5, node(5, "sigmoid", [4], f(1))));
    expect(last.split("\n").slice(1).map((l) => l.slice(0, 5))).toEqual(["  %3 ", "  %4 ", "> %5 "]);
  });

  it("names the pass after which the graph broke", () => {
    const bad = withNode(2, node(2, "exp", [1], f(9)));
    expect(reason(bad, "cse")).toBe("node %2 (exp): declared type f32[9] but the op infers f32[2,3] (after pass 'cse')");
    expect(reason(withNode(2, node(2, "exp", [1, 1], f(2, 3))), "dce")).toBe(
      "node %2 (exp): expects 1 operands, got 2 (at m.ts:3) (after pass 'dce')",
    );
    expect(verifyMessage({ ...good, outputs: [] }, "x")).toBe("graph @g has no outputs (after pass 'x')");
    expect(verifyMessage({ ...good, outputs: [7] }, "x")).toBe("output %7 is not defined (after pass 'x')");
    expect(verifyMessage({ ...good, inputs: [input(0, "a"), input(0, "b")] }, "x")).toMatch(/^duplicate value id %0 among inputs \(after pass 'x'\):/);
  });

  it("carries the node's op and location on the error", () => {
    try {
      verifyGraph(withNode(2, node(2, "exp", [1], f(9))));
    } catch (e) {
      expect(e).toMatchObject({ op: "exp", loc: at(3) });
      return;
    }
    throw new Error("expected a VerifyError");
  });
});
