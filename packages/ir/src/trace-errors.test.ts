import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ShapeError, TraceError, emit, printGraph, spec, t, trace } from "./index";
import type { Spec, Tensor } from "./index";

// node locations are relative to the working directory: packages/ir/src/trace-errors.test.ts from the repo root
const HERE = path.relative(process.cwd(), fileURLToPath(import.meta.url));

/** The line of this file that calls `here()`, read from the stack independently of the tracer. */
function here(): number {
  const frame = (new Error().stack ?? "").split("\n")[2];
  return Number(/trace-errors\.test\.ts:(\d+):\d+/.exec(frame)![1]);
}

/** The error `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

type ErrorClass = typeof ShapeError | typeof TraceError;

/** `fn` throws `cls` with exactly `message (at <this file>:<line>)`. */
function expectAt(line: number, fn: () => unknown, cls: ErrorClass, message: string): void {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(cls);
  expect(e.message).toBe(`${message} (at ${HERE}:${line})`);
}

const m23 = spec([2, 3]);
const tr1 = (fn: (x: Tensor) => unknown, s: Spec = m23) => () => trace(fn, [s]);

describe("trace errors: shapes", () => {
  it("the stack helper and the tracer agree on this file's name", () => {
    expect(HERE.endsWith(path.join("packages", "ir", "src", "trace-errors.test.ts"))).toBe(true);
    const g = trace((x) => t.neg(x), [m23]), line = here();
    expect(g.nodes[0].loc).toMatchObject({ file: HERE, line });
  });

  it.each(["add", "sub", "mul", "div", "maximum", "eq"] as const)("binary %s with shapes that do not broadcast", (op) => {
    expectAt(here(), () => trace((x, y) => t[op](x, y), [m23, spec([4])]), ShapeError, `${op === "maximum" ? "max" : op}: cannot broadcast f32[2,3] with f32[4]`);
  });

  it("binary op via a method, and with mixed dtypes", () => {
    expectAt(here(), () => trace((x, y) => x.add(y), [spec([3, 2]), spec([3])]), ShapeError, "add: cannot broadcast f32[3,2] with f32[3]");
    expectAt(here(), () => trace((x, y) => t.mul(x, y), [spec([2], "i32"), spec([3])]), ShapeError, "mul: cannot broadcast i32[2] with f32[3]");
  });

  it("matmul inner, batch and rank mismatches", () => {
    // the location is the line calling t.matmul: here, inside `mm`
    const mm = (a: Spec, b: Spec) => () => trace((x, y) => t.matmul(x, y), [a, b]), line = here();
    expectAt(line, mm(m23, spec([4, 5])), ShapeError, "matmul: cannot multiply f32[2,3] by f32[4,5]: inner dimensions 3 and 4 differ");
    expectAt(line, mm(spec([3]), spec([4])), ShapeError, "matmul: cannot multiply f32[3] by f32[4]: inner dimensions 3 and 4 differ");
    expectAt(line, mm(spec([2, 2, 3]), spec([3, 3, 4])), ShapeError, "matmul: batch dimensions of f32[2,2,3] and f32[3,3,4] do not broadcast");
    expectAt(line, mm(spec([]), m23), ShapeError, "matmul: operands must be at least 1-D, got f32[] and f32[2,3]");
  });

  it("axis out of range: sum, softmax, take, concat, iota", () => {
    const range = "axis 2 is out of range for rank 2 (valid: -2..1) of f32[2,3]";
    expectAt(here(), tr1((x) => t.sum(x, 2)), ShapeError, `reduce_sum: ${range}`);
    // composites check their axes first, so the error names the op the user called
    expectAt(here(), tr1((x) => x.mean(-3)), ShapeError, "mean: axis -3 is out of range for rank 2 (valid: -2..1) of f32[2,3]");
    expectAt(here(), tr1((x) => t.softmax(x, 2)), ShapeError, `softmax: ${range}`);
    expectAt(here(), tr1((x) => t.logSoftmax(x, 2)), ShapeError, `logSoftmax: ${range}`);
    expectAt(here(), tr1((x) => t.logSumExp(x, 2)), ShapeError, `logSumExp: ${range}`);
    expectAt(here(), tr1((x) => t.min(x, 2)), ShapeError, `min: ${range}`);
    expectAt(here(), tr1((x) => t.layerNorm(x, undefined, undefined, { axis: 2 })), ShapeError, `layerNorm: ${range}`);
    expectAt(here(), tr1((x) => t.take(x, [0], 2)), ShapeError, `take: ${range}`);
    expectAt(here(), tr1((x) => t.concat([x, x], 2)), ShapeError, `concat: ${range}`);
    expectAt(here(), () => trace(() => t.iota([2, 3], 2), []), ShapeError, "iota: axis 2 is out of range for rank 2 (valid: -2..1)");
  });

  it("duplicate axes", () => {
    expectAt(here(), tr1((x) => t.sum(x, [0, -2])), ShapeError, "reduce_sum: duplicate axis 0 in [0,-2] of f32[2,3]");
    expectAt(here(), tr1((x) => t.max(x, [1, 1])), ShapeError, "reduce_max: duplicate axis 1 in [1,1] of f32[2,3]");
  });

  it("bad reshape: size, two -1s, a -1 that does not divide, a negative dimension", () => {
    expectAt(here(), tr1((x) => t.reshape(x, [4, 2])), ShapeError, "reshape: cannot reshape f32[2,3] (6 elements) to [4,2] (8 elements)");
    expectAt(here(), tr1((x) => t.reshape(x, [-1, -1])), ShapeError, "reshape: at most one -1 in [-1,-1]");
    expectAt(here(), tr1((x) => t.reshape(x, [-1, 4])), ShapeError, "reshape: cannot reshape f32[2,3] to [-1,4]");
    expectAt(here(), tr1((x) => t.reshape(x, [-2, -3])), ShapeError, "reshape: shape [-2,-3] has an invalid dimension -2");
  });

  it("slice out of range", () => {
    expectAt(here(), tr1((x) => t.slice(x, [0, 0], [3, 3])), ShapeError, "slice: slice [0, 3) is out of range for axis 0 of f32[2,3]");
    expectAt(here(), tr1((x) => t.slice(x, [0, 2], [2, 1])), ShapeError, "slice: slice [2, 1) is out of range for axis 1 of f32[2,3]");
    expectAt(here(), tr1((x) => t.slice(x, [0, 0, 0], [1])), ShapeError, "slice: too many bounds for f32[2,3]");
  });

  it("negative or misshapen padding", () => {
    expectAt(here(), tr1((x) => t.pad(x, [-1, 0], [0, 0])), ShapeError, "pad: needs 2 non-negative lo and hi paddings for f32[2,3], got [-1,0] and [0,0]");
    expectAt(here(), tr1((x) => t.pad(x, [1], [1])), ShapeError, "pad: needs 2 non-negative lo and hi paddings for f32[2,3], got [1] and [1]");
  });

  it("transpose with a bad permutation", () => {
    expectAt(here(), tr1((x) => t.transpose(x, [0, 0])), ShapeError, "transpose: perm [0,0] is not a permutation of 2 axes of f32[2,3]");
    expectAt(here(), tr1((x) => t.transpose(x, [0])), ShapeError, "transpose: perm [0] is not a permutation of 2 axes of f32[2,3]");
    expectAt(here(), tr1((x) => t.transpose(x, [0, 5])), ShapeError, "transpose: perm [0,5] is not a permutation of 2 axes of f32[2,3]");
  });

  it("broadcastTo, concat and constants that do not fit", () => {
    expectAt(here(), tr1((x) => t.broadcastTo(x, [3, 3])), ShapeError, "broadcast: cannot broadcast f32[2,3] to [3,3]");
    expectAt(here(), () => trace((x, y) => t.concat([x, y], 0), [m23, spec([2, 2])]), ShapeError, "concat: operands f32[2,3], f32[2,2] differ outside axis 0");
    expectAt(here(), () => trace(() => t.concat([]), []), ShapeError, "concat: needs at least one tensor");
    expectAt(here(), () => trace(() => t.constant([1, 2, 3], [2]), []), ShapeError, "constant: has 3 values but shape [2] holds 2");
    expectAt(here(), () => trace(() => t.full([2, -1], 0), []), ShapeError, "full: shape [2,-1] has an invalid dimension -1");
  });
});

describe("trace errors: dtypes", () => {
  it("where with a non-bool condition", () => {
    expectAt(here(), () => trace((c, x) => t.where(c, x, 0), [spec([2]), spec([2])]), ShapeError, "where: condition must be bool, got f32[2]; compare first (x.gt(0))");
  });

  it("gather with f32 indices, through take and as a raw op", () => {
    expectAt(here(), () => trace((x, i) => t.take(x, i), [m23, spec([2])]), ShapeError, "take: indices must be i32, got f32[2]");
    expectAt(here(), () => trace((x, i) => emit("gather", [x, i], { axis: 0 }), [m23, spec([2])]), ShapeError, "gather: indices must be i32, got f32[2]");
  });

  it("ops that reject bool say so; float-only ops promote bool and i32 to f32", () => {
    const b2 = spec([2], "bool");
    expectAt(here(), tr1((x) => t.neg(x), b2), ShapeError, "neg: expects f32 or i32 operands, got bool[2]");
    expectAt(here(), tr1((x) => t.sum(x), b2), ShapeError, "reduce_sum: cannot reduce bool[2]; cast it first");
    expectAt(here(), tr1((x) => t.add(x, x), b2), ShapeError, "add: expects f32 or i32 operands, got bool[2]");
    expectAt(here(), tr1((x) => t.matmul(x, x), spec([2, 2], "bool")), ShapeError, "matmul: operands must share a numeric dtype, got bool[2,2] and bool[2,2]");
    // exp of bool is defined: cast to f32 first, as NumPy does for integers
    const g = trace((x) => t.exp(x), [b2]);
    expect(g.nodes.map((n) => `${n.op}:${n.type.dtype}`)).toEqual(["cast:f32", "exp:f32"]);
  });
});

describe("trace errors: reading values while tracing", () => {
  const reads: Record<string, (x: Tensor) => unknown> = {
    "x.valueOf()": (x) => x.valueOf(),
    "+x": (x) => +x,
    "x > 0": (x) => (x as unknown as number) > 0,
    "x * 2": (x) => (x as unknown as number) * 2,
    "x.item()": (x) => x.item(),
    "x.data()": (x) => x.data(),
    "x.toArray()": (x) => x.toArray(),
  };

  it.each(Object.keys(reads))("%s throws a TraceError pointing to t.where", (what) => {
    const e = thrown(() => trace((x) => (reads[what](x), x), [m23]));
    expect(e).toBeInstanceOf(TraceError);
    expect(e.message).toMatch(/^(the value|item\(\)|data\(\)|toArray\(\)) of tensor %0 \(f32\[2,3\]\) was requested while tracing \(at /);
    expect(e.message).toContain("Use t.where(cond, a, b) or masking instead of if/else on tensor values");
  });

  it("names this file's line", () => {
    const e = thrown(() => trace((x) => x.item(), [m23])), line = here();
    expect(e.message).toContain(`item() of tensor %0 (f32[2,3]) was requested while tracing (at ${HERE}:${line}).`);
  });

  it("string conversion is allowed (for messages and logging)", () => {
    trace((x) => {
      expect(`${x}`).toBe("Tensor(%0: f32[2,3])");
      expect(String(x)).toBe("Tensor(%0: f32[2,3])");
      return x;
    }, [m23]);
  });
});

describe("trace errors: results, leaks and missing traces", () => {
  const must = "it must return a tensor, or an array or object of tensors";

  it("returning a non-tensor", () => {
    expectAt(here(), () => trace(() => 3, [m23]), TraceError, `the traced function returned the number 3 at result; ${must}`);
    expectAt(here(), () => trace(() => undefined, [m23]), TraceError, `the traced function returned undefined at result; ${must}`);
    expectAt(here(), () => trace(() => "loss", [m23]), TraceError, `the traced function returned the string "loss" at result; ${must}`);
    expectAt(here(), () => trace(() => null, [m23]), TraceError, `the traced function returned null at result; ${must}`);
    expectAt(here(), () => trace(() => new Map(), [m23]), TraceError, `the traced function returned a Map object at result; ${must}`);
    expectAt(here(), () => trace((x) => [x, 3], [m23]), TraceError, `the traced function returned the number 3 at result[1]; ${must}`);
    expectAt(here(), () => trace((x) => ({ a: x, b: { c: true } }), [m23]), TraceError, `the traced function returned boolean at result.b.c; ${must}`);
  });

  it("a tensor leaked from another trace", () => {
    let leaked: Tensor | undefined;
    trace((x) => (leaked = x), [m23]);
    const other = "belongs to another trace; tensors cannot leak out of the function that made them";
    const done = "belongs to a trace that has already finished; tensors cannot leak out of the function that made them";
    expectAt(here(), tr1((x) => t.add(x, leaked!)), ShapeError, `add: operand %0 ${other}`);
    expectAt(here(), tr1((x) => t.add(leaked!, x)), ShapeError, `add: operand %0 ${done}`);
    expectAt(here(), tr1(() => t.exp(leaked!)), ShapeError, `exp: operand %0 ${done}`);
    expectAt(here(), tr1(() => t.take(leaked!, [0])), ShapeError, `constant: called on ${done.replace("belongs to ", "")}`);
    // a returned value is checked where trace() is called
    expectAt(here(), () => trace(() => leaked, [m23]), ShapeError, `return: operand %0 ${other}`);
  });

  it("op use outside any trace", () => {
    const none = "no active trace; call tensor ops inside a function given to trace(), grad() or compile()";
    for (const [op, fn] of [["full", () => t.full([2], 1)], ["add", () => t.add(1, 2)], ["iota", () => t.iota([3])], ["constant", () => t.zeros([2])]] as const) {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(TraceError);
      expect(e.message).toBe(`${op === "constant" ? "full" : op}: ${none}`);
    }
    let leaked: Tensor | undefined;
    trace((x) => (leaked = x), [m23]);
    expectAt(here(), () => t.neg(leaked!), ShapeError, "neg: operand %0 belongs to a trace that has already finished; tensors cannot leak out of the function that made them");
  });

  it("bad input specs", () => {
    expect(thrown(() => trace((x) => x, [spec([2, -1])])).message).toBe("trace: input 0: shape [2,-1] has an invalid dimension -1");
    expect(thrown(() => trace((x) => x, [m23, spec([1.5], "f32", "w")])).message).toBe("trace: input 1 ('w'): shape [1.5] has an invalid dimension 1.5");
    const f64 = { shape: [2], dtype: "f64" } as unknown as Spec;
    expect(thrown(() => trace((x) => x, [f64])).message).toBe('trace: input 0 has dtype "f64"; expected one of f32, i32, bool');
  });
});

describe("broadcasting and promotion", () => {
  /** The printed type of each result of `fn` on inputs of the given types. */
  const types = (fn: (...xs: Tensor[]) => Tensor | Tensor[], ...specs: Spec[]) => {
    const g = trace(fn, specs);
    return g.outputs.map((o) => {
      const n = g.nodes.find((m) => m.id === o)!;
      return `${n.type.dtype}[${n.type.shape.join(",")}]`;
    });
  };
  const [f2, i2, b2] = [spec([2]), spec([2], "i32"), spec([2], "bool")];

  it("dtype promotion: bool < i32 < f32", () => {
    expect(types((a, b) => t.add(a, b), i2, f2)).toEqual(["f32[2]"]);
    expect(types((a, b) => t.add(a, b), b2, i2)).toEqual(["i32[2]"]);
    expect(types((a, b) => t.gt(a, b), i2, f2)).toEqual(["bool[2]"]);
    expect(types((a, b) => t.matmul(a, b), spec([2, 2], "i32"), spec([2, 2]))).toEqual(["f32[2,2]"]);
    expect(types((a, b) => t.concat([a, b]), i2, f2)).toEqual(["f32[4]"]);
    expect(types((a) => [t.pow(a, 2), t.mean(a), t.exp(a)], i2)).toEqual(["f32[2]", "f32[]", "f32[2]"]);
  });

  it("number constants adopt the tensor's dtype; a fraction promotes to f32", () => {
    expect(types((a) => [t.add(a, 2), t.mul(3, a)], f2)).toEqual(["f32[2]", "f32[2]"]);
    expect(types((a) => [t.add(a, 2), t.add(a, 1.5)], i2)).toEqual(["i32[2]", "f32[2]"]);
    expect(types((a) => [t.add(a, 1), t.add(a, 0.5)], b2)).toEqual(["i32[2]", "f32[2]"]);
    expect(types((c, a) => t.where(c, a, 0), b2, i2)).toEqual(["i32[2]"]);
    const g = trace((a) => t.add(a, 2), [i2]);
    expect(printGraph(g)).toContain("full {value = 2, shape = [2], dtype = i32} : i32[2]");
  });

  it("shape broadcasting (NumPy rules), made explicit in the IR", () => {
    expect(types((a, b) => t.add(a, b), spec([2, 1]), spec([3]))).toEqual(["f32[2,3]"]);
    expect(types((a, b) => t.mul(a, b), spec([]), spec([4, 1, 2]))).toEqual(["f32[4,1,2]"]);
    expect(types((a, b) => t.sub(a, b), spec([5, 1, 3]), spec([2, 1]))).toEqual(["f32[5,2,3]"]);
    expect(types((a, b) => t.add(a, b), spec([0, 1]), spec([3]))).toEqual(["f32[0,3]"]);
    expect(types((c, a) => t.where(c, a, 0), spec([2, 1], "bool"), spec([3]))).toEqual(["f32[2,3]"]);
    const g = trace((a, b) => t.add(a, b), [spec([2, 1], "i32"), spec([3])]);
    expect(g.nodes.map((n) => n.op)).toEqual(["cast", "broadcast", "broadcast", "add"]);
  });
});
