import { describe, expect, it } from "vitest";
import { AdjointError, UNKNOWN_LOC, parseGraph, printGraph, spec, t, trace, type Graph, type HostTensor, type Node } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { expectTensor, f32, i32 } from "../conformance/op-cases";

/** Runs `fn` through the tracer and the interpreter. */
const run = (fn: Parameters<typeof trace>[0], inputs: readonly HostTensor[], precision?: "f32" | "f64") =>
  interpret(trace(fn, inputs.map((x) => spec(x.shape, x.dtype))), inputs, { precision });

/** The error `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("interpret: results", () => {
  it("returns one tensor per output, in order, in its dtype's storage", () => {
    const [sum, gt, idx] = run((x, y) => [t.add(x, y), t.gt(x, y), t.iota([2])], [f32([2], [1, 5]), f32([2], [3, 4])]);
    expect(sum.data).toBeInstanceOf(Float32Array);
    expect([...sum.data]).toEqual([4, 9]);
    expect(gt.data).toBeInstanceOf(Uint8Array);
    expect([...gt.data]).toEqual([0, 1]);
    expect(idx.data).toBeInstanceOf(Int32Array);
    expect([...idx.data]).toEqual([0, 1]);
  });

  it("runs graphs read back from text", () => {
    const g = trace((x) => t.sum(t.mul(x, x), -1), [spec([2, 2])]);
    const [out] = interpret(parseGraph(printGraph(g)), [f32([2, 2], [1, 2, 3, 4])]);
    expectTensor(out, f32([2], [5, 25]));
  });

  it("handles a 10k-node chain without recursion", () => {
    // built by hand: tracing 10k nodes spends its time capturing stack traces, not interpreting
    const type = { dtype: "f32", shape: [1] } as const;
    const nodes: Node[] = [{ id: 1, op: "full", args: [], attrs: { value: 1, shape: [1], dtype: "f32" }, type, loc: UNKNOWN_LOC }];
    for (let id = 2; id <= 10_001; id++) nodes.push({ id, op: "add", args: [id === 2 ? 0 : id - 1, 1], attrs: {}, type, loc: UNKNOWN_LOC });
    const g: Graph = { name: "chain", inputs: [{ id: 0, name: "x", type, loc: UNKNOWN_LOC }], nodes, outputs: [10_001] };
    expect([...interpret(g, [f32([1], [0.5])])[0].data]).toEqual([10_000.5]);
  });
});

describe("interpret: precision", () => {
  it("rounds every f32 op to f32, and keeps doubles with precision f64", () => {
    const fn = (x: Parameters<typeof t.add>[0]) => t.add(x, 0.1);
    // f32: fround(0.2) + fround(0.1) = 0.3000000044703..., which rounds to fround(0.3)
    expect(run(fn, [f32([1], [0.2])])[0].data[0]).toBe(Math.fround(0.3));
    const f64 = run(fn, [{ shape: [1], dtype: "f32", data: Float64Array.of(0.2) }], "f64")[0];
    expect(f64.data).toBeInstanceOf(Float64Array);
    expect(f64.data[0]).toBe(0.30000000000000004);
  });

  it("sees 1 + 1e-10 only in f64", () => {
    const fn = (x: Parameters<typeof t.add>[0]) => t.sub(t.add(x, 1e-10), x);
    expect(run(fn, [f32([1], [1])])[0].data[0]).toBe(0);
    expect(run(fn, [f32([1], [1])], "f64")[0].data[0]).toBeCloseTo(1e-10, 15);
  });

  it("rounds 2^24 + 1 in f32 but not in f64", () => {
    const fn = (x: Parameters<typeof t.add>[0]) => t.add(x, 1);
    expect(run(fn, [f32([1], [16777216])])[0].data[0]).toBe(16777216);
    expect(run(fn, [f32([1], [16777216])], "f64")[0].data[0]).toBe(16777217);
  });

  it("leaves i32 and bool storage alone in f64", () => {
    const [n, b] = run((x) => [t.add(x, 1), t.gt(x, 0)], [i32([2], [-1, 2])], "f64");
    expect(n.data).toBeInstanceOf(Int32Array);
    expect(b.data).toBeInstanceOf(Uint8Array);
  });
});

describe("interpret: inputs and outputs", () => {
  const identity = (dtype: "f32" | "i32" | "bool") => trace((x) => x, [spec([2], dtype)]);

  it("converts any typed array into the storage type", () => {
    expect(interpret(identity("f32"), [{ shape: [2], dtype: "f32", data: Float64Array.from([0.1, 3]) }])[0].data).toEqual(
      Float32Array.from([Math.fround(0.1), 3]),
    );
    expect([...interpret(identity("f32"), [{ shape: [2], dtype: "f32", data: Int32Array.from([7, -1]) }])[0].data]).toEqual([7, -1]);
    expect(interpret(identity("i32"), [{ shape: [2], dtype: "i32", data: Float32Array.from([2.7, -2.7]) }])[0].data).toEqual(
      Int32Array.from([2, -2]),
    );
    expect(interpret(identity("bool"), [{ shape: [2], dtype: "bool", data: Uint8Array.from([0, 2]) }])[0].data).toEqual(
      Uint8Array.from([0, 1]),
    );
  });

  it("never aliases the caller's arrays or one output with another", () => {
    const x = f32([2], [1, 2]);
    const [a, b] = run((y) => [y, y], [x]);
    expect(a.data).not.toBe(x.data);
    expect(a.data).not.toBe(b.data);
    a.data[0] = 99;
    expect([...x.data, ...b.data]).toEqual([1, 2, 1, 2]);
  });

  it("rejects a wrong number of inputs", () => {
    const g = trace((x, y) => t.add(x, y), [spec([2]), spec([2])]);
    const e = thrown(() => interpret(g, [f32([2], [1, 2])]));
    expect(e).toBeInstanceOf(AdjointError);
    expect(e.message).toMatch(/expects 2 inputs .*got 1/);
  });

  it("rejects a wrong shape or dtype, naming the input and both types", () => {
    const g = trace((x, y) => t.add(x, y), [spec([3], "f32", "x"), spec([3], "f32", "y")]);
    const shape = thrown(() => interpret(g, [f32([3], [1, 2, 3]), f32([4], [1, 2, 3, 4])]));
    expect(shape).toBeInstanceOf(AdjointError);
    for (const part of ["input 1", "'y'", "f32[3]", "f32[4]"]) expect(shape.message).toContain(part);
    const dtype = thrown(() => interpret(g, [i32([3], [1, 2, 3]), f32([3], [1, 2, 3])]));
    for (const part of ["input 0", "'x'", "f32[3]", "i32[3]"]) expect(dtype.message).toContain(part);
  });

  it("rejects data whose length does not fit the shape", () => {
    const g = trace((x) => t.neg(x), [spec([2, 2])]);
    const e = thrown(() => interpret(g, [{ shape: [2, 2], dtype: "f32", data: new Float32Array(3) }]));
    expect(e).toBeInstanceOf(AdjointError);
    expect(e.message).toMatch(/holds 4 elements, but its data has 3/);
  });
});

describe("interpret: run-time errors", () => {
  const takeRows = trace((x, idx) => t.take(x, idx, 0), [spec([3, 2]), spec([2, 2], "i32")]);
  const x = f32([3, 2], [1, 2, 3, 4, 5, 6]);

  it("names gather, the bad index, its position and the node's source line", () => {
    // callerLocation skips every frame under packages/, so give the node a user location by hand
    const loc = { file: "model.ts", line: 12, col: 3 };
    const g = { ...takeRows, nodes: takeRows.nodes.map((n) => (n.op === "gather" ? { ...n, loc } : n)) };
    const e = thrown(() => interpret(g, [x, i32([2, 2], [0, 1, 3, 2])]));
    expect(e).toBeInstanceOf(AdjointError);
    expect((e as AdjointError).op).toBe("gather");
    expect((e as AdjointError).loc).toEqual(loc);
    for (const part of ["gather", "index 3", "position [1,0]", "size 3", "model.ts:12"]) expect(e.message).toContain(part);
  });

  it("rejects negative indices instead of wrapping them", () => {
    expect(() => interpret(takeRows, [x, i32([2, 2], [0, -1, 1, 2])])).toThrow(/gather: index -1/);
  });

  it("checks scatter_add indices against its size", () => {
    const g = trace((u, idx) => t.scatterAdd(u, idx, 0, 2), [spec([2]), spec([2], "i32")]);
    expect(() => interpret(g, [f32([2], [1, 1]), i32([2], [0, 2])])).toThrow(/scatter_add: index 2 .*size 2/);
  });

  describe("malformed graphs", () => {
    const g = trace((a, b) => t.mul(t.add(a, b), a), [spec([2]), spec([2])]);
    const ins = [f32([2], [1, 2]), f32([2], [3, 4])];
    const withNode = (i: number, patch: Partial<Node>): Graph => ({ ...g, nodes: g.nodes.map((n, j) => (j === i ? { ...n, ...patch } : n)) });

    it("rejects a read of an undefined value", () => {
      expect(() => interpret(withNode(0, { args: [0, 42] }), ins)).toThrow(/reads %42, which is not defined/);
    });
    it("rejects an unknown op", () => {
      expect(() => interpret(withNode(0, { op: "frobnicate" }), ins)).toThrow(/unknown op 'frobnicate'/);
    });
    it("rejects a node whose recorded type its operands do not give", () => {
      expect(() => interpret(withNode(0, { type: { dtype: "f32", shape: [3] } }), ins)).toThrow(/records type f32\[3\] but its operands give f32\[2\]/);
    });
    it("rejects an undefined output", () => {
      expect(() => interpret({ ...g, outputs: [77] }, ins)).toThrow(/output %77/);
    });
  });
});

describe("tracer shape errors", () => {
  it("name the op and both shapes", () => {
    const add = thrown(() => trace((x, y) => t.add(x, y), [spec([2, 3]), spec([4])]));
    for (const part of ["add", "[2,3]", "[4]"]) expect(add.message).toContain(part);
    const mm = thrown(() => trace((x, y) => t.matmul(x, y), [spec([2, 3]), spec([4, 5])]));
    for (const part of ["matmul", "[2,3]", "[4,5]"]) expect(mm.message).toContain(part);
  });
});
