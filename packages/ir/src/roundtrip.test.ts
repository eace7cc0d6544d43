import { describe, expect, it } from "vitest";
import { GraphBuilder, OP_NAMES, UNKNOWN_LOC, emit, parseGraph, printGraph, registerCustomVjp, spec, t, trace } from "./index";
import type { Graph, OpName, SourceLoc, Spec, Tensor } from "./index";

/** Checks the two round-trip properties: print∘parse∘print is print, and parse gives back the same data. */
function expectRoundTrip(g: Graph): void {
  const text = printGraph(g);
  const back = parseGraph(text);
  expect(printGraph(back)).toBe(text);
  // compares numbers with Object.is (-0 and 0 differ, NaN equals NaN) and sees extra keys
  expect(back).toStrictEqual(g);
}

interface Case {
  readonly specs: readonly Spec[];
  readonly fn: (...xs: Tensor[]) => Tensor | readonly Tensor[];
}

const v = (n: number, dtype: Spec["dtype"] = "f32") => spec([n], dtype);
const m23 = spec([2, 3]);

// Keyed by OpName: a new op without a round-trip case does not compile.
const cases: Record<OpName, Case> = {
  constant: { specs: [], fn: () => t.constant([-0, NaN, Infinity, -Infinity, 1e-30, 0.1 + 0.2], [2, 3]) },
  full: { specs: [], fn: () => [t.full([0, 3], -0), t.full([], 5e-324, "f32"), t.full([2], -1.7976931348623157e308)] },
  iota: { specs: [], fn: () => [t.iota([2, 3], 1), t.iota([4], 0, "f32")] },
  neg: { specs: [v(2, "i32")], fn: (x) => t.neg(x) },
  abs: { specs: [m23], fn: (x) => t.abs(x) },
  sign: { specs: [m23], fn: (x) => t.sign(x) },
  exp: { specs: [spec([])], fn: (x) => t.exp(x) },
  log: { specs: [m23], fn: (x) => t.log(x) },
  sin: { specs: [m23], fn: (x) => t.sin(x) },
  cos: { specs: [m23], fn: (x) => t.cos(x) },
  tanh: { specs: [spec([0, 3])], fn: (x) => t.tanh(x) },
  sigmoid: { specs: [m23], fn: (x) => t.sigmoid(x) },
  relu: { specs: [m23], fn: (x) => t.relu(x) },
  sqrt: { specs: [m23], fn: (x) => t.sqrt(x) },
  rsqrt: { specs: [m23], fn: (x) => t.rsqrt(x) },
  reciprocal: { specs: [m23], fn: (x) => t.reciprocal(x) },
  add: { specs: [spec([2, 1], "i32"), v(3)], fn: (x, y) => t.add(x, y) },
  sub: { specs: [m23, m23], fn: (x, y) => t.sub(x, y) },
  mul: { specs: [m23], fn: (x) => t.mul(x, 0.1 + 0.2) },
  div: { specs: [v(2, "i32"), v(2, "i32")], fn: (x, y) => t.div(x, y) },
  pow: { specs: [m23], fn: (x) => t.pow(x, -Infinity) },
  max: { specs: [m23, m23], fn: (x, y) => t.maximum(x, y) },
  min: { specs: [m23, m23], fn: (x, y) => t.minimum(x, y) },
  eq: { specs: [v(2, "bool"), v(2, "bool")], fn: (x, y) => t.eq(x, y) },
  ne: { specs: [m23, m23], fn: (x, y) => t.ne(x, y) },
  lt: { specs: [m23], fn: (x) => t.lt(x, NaN) },
  le: { specs: [m23, m23], fn: (x, y) => t.le(x, y) },
  gt: { specs: [m23], fn: (x) => t.gt(x, -0) },
  ge: { specs: [m23, m23], fn: (x, y) => t.ge(x, y) },
  where: { specs: [v(2, "bool"), v(2)], fn: (c, x) => t.where(c, x, 1e-30) },
  cast: { specs: [m23], fn: (x) => [t.cast(x, "bool"), t.cast(x, "i32")] },
  stop_gradient: { specs: [m23], fn: (x) => t.stopGradient(x) },
  reduce_sum: {
    specs: [m23],
    // an empty axes list reduces nothing; emitted directly because t.sum skips it
    fn: (x) => [t.sum(x, [0, 1]), t.sum(x, 1, { keepdims: true }), emit("reduce_sum", [x], { axes: [], keepdims: false })],
  },
  reduce_max: { specs: [spec([2, 0])], fn: (x) => t.max(x, 0) },
  broadcast: { specs: [spec([])], fn: (x) => [t.broadcastTo(x, [2, 0]), emit("broadcast", [x], { shape: [] })] },
  reshape: { specs: [m23], fn: (x) => t.reshape(x, [-1]) },
  transpose: { specs: [m23, spec([])], fn: (x, s) => [t.transpose(x), emit("transpose", [s], { perm: [] })] },
  slice: { specs: [m23], fn: (x) => t.slice(x, [1, 0], [2, 0]) },
  pad: { specs: [m23], fn: (x) => [t.pad(x, [1, 0], [0, 2], NaN), t.pad(x, [0, 0], [0, 0], -Infinity)] },
  concat: { specs: [m23, spec([2, 1])], fn: (x, y) => t.concat([x, y], -1) },
  matmul: { specs: [spec([2, 2, 3]), spec([3, 4])], fn: (a, b) => t.matmul(a, b) },
  gather: { specs: [m23, spec([4, 5], "i32")], fn: (x, idx) => [t.take(x, idx, 1), t.take(x, [], 0)] },
  scatter_add: { specs: [m23, v(3, "i32")], fn: (u, idx) => t.scatterAdd(u, idx, 1, 7) },
  custom_vjp: {
    specs: [v(2), v(2)],
    fn: (x, y) => emit("custom_vjp", [x, y], { rule: registerCustomVjp("r", () => [null]), primals: 1 }),
  },
};

describe("round trip: every op", () => {
  it.each(OP_NAMES)("%s", (op) => {
    const { specs, fn } = cases[op];
    const g = trace(fn, specs, `rt_${op}`);
    expect(g.nodes.map((n) => n.op)).toContain(op);
    expectRoundTrip(g);
  });

  it("keeps exact doubles and special values in attributes", () => {
    const values = [-0, NaN, Infinity, -Infinity, 1e-30, 0.1 + 0.2, 5e-324, 1e21, -1.5e-7, 2 ** 53 + 2];
    const g = trace(() => t.constant(values, [values.length]), []);
    const text = printGraph(g);
    expect(text).toContain("value = [-0, nan, inf, -inf, 1e-30, 0.30000000000000004, 5e-324, 1e+21, -1.5e-7, 9007199254740994]");
    const back = parseGraph(text).nodes[0].attrs.value as readonly number[];
    values.forEach((x, i) => expect(Object.is(back[i], x)).toBe(true));
  });
});

describe("round trip: names, types and locations", () => {
  it("quotes graph names that are not identifiers", () => {
    for (const name of ["my graph", 'q"uote', "", "1st", "ünï", "a\\b\nc"]) {
      const g = trace((x) => t.neg(x), [v(2)], name);
      expect(g.name).toBe(name);
      expectRoundTrip(g);
    }
    expect(printGraph(trace((x) => t.neg(x), [v(2)], "ok.name-1$"))).toMatch(/^graph @ok\.name-1\$\(/);
  });

  it("keeps input names with spaces, quotes, backslashes and comment markers", () => {
    const g = trace((x, y) => t.add(x, y), [spec([2], "f32", 'x "in" 1'), spec([2], "f32", "a # b // c \\ d")]);
    expect(g.inputs.map((i) => i.name)).toEqual(['x "in" 1', "a # b // c \\ d"]);
    expectRoundTrip(g);
  });

  it("keeps scalar, zero-size, bool and i32 types", () => {
    const g = trace((s, z, b, i) => [t.neg(s), t.neg(z), t.eq(b, b), t.abs(i)], [spec([]), spec([0, 3, 0]), spec([1], "bool"), spec([2, 2], "i32")]);
    const text = printGraph(g);
    for (const ty of ["f32[]", "f32[0,3,0]", "bool[1]", "i32[2,2]"]) expect(text).toContain(ty);
    expectRoundTrip(g);
  });

  it("records this file's lines and keeps them", () => {
    const g = trace((x) => t.exp(x), [v(2)]);
    expect(g.nodes[0].loc.file).toBe("packages/ir/src/roundtrip.test.ts");
    expect(g.nodes[0].loc.line).toBeGreaterThan(0);
    expectRoundTrip(g);
  });

  it("keeps file names with spaces, quotes and comment markers, and loc(unknown)", () => {
    const ty = { dtype: "f32", shape: [2] } as const;
    const at = (file: string, line = 3, col = 9): SourceLoc => ({ file, line, col });
    const g: Graph = {
      name: "locs",
      inputs: [
        { id: 0, name: "x", type: ty, loc: UNKNOWN_LOC },
        { id: 1, name: "y", type: ty, loc: at("dir with space/a \"b\".ts", 1, 1) },
      ],
      nodes: [
        { id: 2, op: "add", args: [0, 1], attrs: {}, type: ty, loc: at("c:\\win\\path.ts") },
        { id: 3, op: "neg", args: [2], attrs: {}, type: ty, loc: at("# not a comment // either.ts", 1e6, 0) },
        { id: 4, op: "neg", args: [3], attrs: {}, type: ty, loc: UNKNOWN_LOC },
        // "unknown" as a real file name with a line still prints in full
        { id: 5, op: "neg", args: [4], attrs: {}, type: ty, loc: at("unknown", 4, 2) },
      ],
      outputs: [5, 2],
    };
    const text = printGraph(g);
    expect(text).toContain('loc("dir with space/a \\"b\\".ts":1:1)');
    expect(text).toContain('%4 = neg %3 : f32[2] loc(unknown)');
    expect(text).toContain('%5 = neg %4 : f32[2] loc("unknown":4:2)');
    expectRoundTrip(g);
  });

  it("keeps all three origin kinds (built with GraphBuilder.withLoc)", () => {
    const b = new GraphBuilder("derived");
    const at = { file: "m.ts", line: 5, col: 13 };
    const x = b.addInput({ dtype: "f32", shape: [4, 2] }, "x", { file: "m.ts", line: 4, col: 11 });
    const y = b.withLoc(at, () => t.tanh(x));
    const g1 = b.withLoc({ ...at, origin: { kind: "grad", of: y.id } }, () => t.mul(y, y));
    const g2 = b.withLoc({ ...at, origin: { kind: "tangent", of: y.id } }, () => t.sub(1, g1));
    const g3 = b.withLoc({ ...UNKNOWN_LOC, origin: { kind: "recompute", of: y.id } }, () => t.tanh(g2));
    const g = b.finish([g3]);
    const text = printGraph(g);
    expect(text).toContain(`loc(grad of %${y.id} "m.ts":5:13)`);
    expect(text).toContain(`loc(tangent of %${y.id} "m.ts":5:13)`);
    expect(text).toContain(`loc(recompute of %${y.id} unknown)`);
    expect(g.nodes.map((n) => n.loc.origin?.kind)).toEqual([undefined, "grad", "tangent", "tangent", "recompute"]);
    expectRoundTrip(g);
  });

  it("keeps outputs that are inputs, repeated outputs and sparse ids", () => {
    const ty = { dtype: "i32", shape: [] } as const;
    const g: Graph = {
      name: "sparse",
      inputs: [{ id: 7, name: "a", type: ty, loc: UNKNOWN_LOC }],
      nodes: [{ id: 100, op: "neg", args: [7], attrs: {}, type: ty, loc: UNKNOWN_LOC }],
      outputs: [7, 100, 100],
    };
    expectRoundTrip(g);
  });
});

describe("round trip: hand-written text", () => {
  const fixture = `
# A fixture as a person writes it: comments, odd spacing, blank lines.
// RUN: nothing, just a comment
graph @"hand written"(%0: f32[3,2] "w" loc("model.ts":4:11),   // trailing comment
                      %1: f32[4,3] "x" loc("model.ts":4:11)) {
  %2 = matmul %1, %0 : f32[4,2] loc("model.ts":5:20)   # a # inside a comment
  %3 = tanh %2 : f32[4,2] loc("model.ts":5:13)

  %4 = reduce_sum %3 {axes = [0, 1], keepdims = false} : f32[] loc("model.ts":5:8)
  %5 = full {value = -inf, shape = [], dtype = f32} : f32[] loc(unknown)
  %6 = max %4, %5 : f32[] loc(recompute of %4 "model.ts":5:8)
  %7 = mul %3, %3 : f32[4,2] loc(grad of %3 "model.ts":5:13)
  return %6, %7   // the end
}
# after the graph
`;

  it("parses, and prints in canonical form", () => {
    const g = parseGraph(fixture);
    expect(g.name).toBe("hand written");
    expect(g.inputs.map((i) => i.name)).toEqual(["w", "x"]);
    expect(g.nodes.map((n) => n.op)).toEqual(["matmul", "tanh", "reduce_sum", "full", "max", "mul"]);
    expect(g.nodes[3].attrs.value).toBe(-Infinity);
    expect(g.nodes[4].loc).toEqual({ file: "model.ts", line: 5, col: 8, origin: { kind: "recompute", of: 4 } });
    expect(g.outputs).toEqual([6, 7]);
    const text = printGraph(g);
    expect(text).not.toContain("#");
    expect(text.split("\n")[1]).toBe('  %2 = matmul %1, %0 : f32[4,2] loc("model.ts":5:20)');
    expectRoundTrip(g);
  });
});

describe("node tags", () => {
  it("in-place writes and checkpoint regions print and parse back", () => {
    const text = [
      'graph @f(%0: f32[2] "x" loc("a.ts":1:1)) {',
      '  %1 = tanh %0 : f32[2] tags(region = 3) loc("a.ts":2:1)',
      '  %2 = mul %1, %1 : f32[2] tags(writes = %1, region = 3) loc("a.ts":3:1)',
      "  return %2",
      "}",
      "",
    ].join("\n");
    const g = parseGraph(text);
    expect(g.nodes[1].tags).toEqual({ writes: 1, region: 3 });
    expect(printGraph(g)).toBe(text);
    expect(() => parseGraph(text.replace("writes = %1", "writes = %7"))).toThrow(/writes %7, which is not defined before it/);
  });
});
