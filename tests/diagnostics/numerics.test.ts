// checkNumerics on the interpret backend: the first op that makes a NaN or an infinity is named
// with its source line; a backward op also names the forward op it differentiates and that
// op's line; non-finite inputs are reported as inputs; passing on a value is not producing it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import { t, type Tensor } from "@adjoint/ir";
import { AdjointError, compile, jvp, parseGraph, spec, trace, valueAndGrad, type HostTensor } from "adjoint";
// from the source until index.ts exports the diagnostics
import { NumericsChecker, NumericsError, pinpointNumerics } from "../../packages/adjoint/src/diagnostics";

const FILE = "tests/diagnostics/numerics.test.ts";
/** The line of this file holding `marker`: where the op under test is written. */
const lineOf = (marker: string): number => {
  const lines = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(marker) && !l.includes("lineOf("));
  if (i < 0) throw new Error(`marker ${marker} not found`);
  return i + 1;
};

async function failure(run: () => Promise<unknown>): Promise<NumericsError> {
  const e = await run().then(() => undefined, (err: unknown) => err);
  expect(e, "the run should have thrown").toBeInstanceOf(NumericsError);
  return e as NumericsError;
}

const logSum = (x: Tensor) => t.sum(t.log(x)); // @log-line
const norm = (x: Tensor) => t.sqrt(t.sum(t.mul(x, x))); // @sqrt-line
const expSum = (x: Tensor) => t.sum(t.exp(x)); // @exp-line

describe("checkNumerics: forward ops", () => {
  it("names the op that made a NaN and its source line", async () => {
    const step = await compile(valueAndGrad(logSum), [spec([3], "f32", "x")], { backend: "interpret", checkNumerics: true });
    const e = await failure(() => step.run(Float32Array.from([1, -1, 2])));
    const log = step.graph.nodes.find((n) => n.op === "log" && !n.loc.origin)!;
    expect(e).toBeInstanceOf(AdjointError);
    expect(e.op).toBe("log");
    expect(e.details.nodeId).toBe(log.id);
    expect(e.loc?.line).toBe(lineOf("@log-line"));
    expect(e.details).toMatchObject({ value: "NaN", element: [1], count: 1, type: "f32[3]" });
    expect(e.details.origin).toBeUndefined();
    expect(e.message).toBe(
      `checkNumerics: NaN produced by %${log.id} log at ${FILE}:${lineOf("@log-line")} (element [1] of f32[3], 1 of 3 elements not finite; its operands are finite)`,
    );
  });

  it("names an op that overflowed to Inf", async () => {
    const step = await compile(expSum, [spec([2], "f32", "x")], { backend: "interpret", checkNumerics: true });
    const e = await failure(() => step.run(Float32Array.from([0, 100]))); // e^100 > f32 max (3.4e38)
    expect(e.op).toBe("exp");
    expect(e.details).toMatchObject({ value: "Inf", element: [1] });
    expect(e.message).toContain(`Inf produced by %`);
    expect(e.message).toContain(`exp at ${FILE}:${lineOf("@exp-line")}`);
  });

  it("reports a non-finite input as the input, not as an op", async () => {
    const step = await compile(valueAndGrad(logSum), [spec([3], "f32", "x")], { backend: "interpret", checkNumerics: true });
    const e = await failure(() => step.run(Float32Array.from([1, 2, NaN])));
    expect(e.op).toBeUndefined();
    expect(e.details.nodeId).toBeUndefined();
    expect(e.details.input).toEqual({ index: 0, name: "x" });
    expect(e.message).toBe("checkNumerics: input 0 'x' holds NaN (element [2] of f32[3], 1 of 3 elements not finite): the data passed to run is not finite; no op produced it");
  });
});

describe("checkNumerics: backward ops", () => {
  it("names the backward op and the forward op it differentiates, with the forward op's line", async () => {
    // |x| at x = 0: sqrt(0) = 0 is fine, its derivative 1 / (2 sqrt(0)) is not
    const step = await compile(valueAndGrad(norm), [spec([3], "f32", "x")], { backend: "interpret", checkNumerics: true });
    const e = await failure(() => step.run(new Float32Array(3)));
    const sqrt = step.graph.nodes.find((n) => n.op === "sqrt" && !n.loc.origin)!;
    const blamed = step.graph.nodes.find((n) => n.id === e.details.nodeId)!;
    expect(blamed.loc.origin).toEqual({ kind: "grad", of: sqrt.id });
    expect(e.details.origin).toMatchObject({ kind: "grad", id: sqrt.id, op: "sqrt", finite: true });
    expect(e.details.origin!.loc.line).toBe(lineOf("@sqrt-line"));
    expect(e.message).toMatch(new RegExp(`^checkNumerics: (Inf|NaN) produced by %${blamed.id} ${blamed.op} in the backward pass \\(`));
    expect(e.message).toContain(`): it computes the gradient of %${sqrt.id} sqrt at ${FILE}:${lineOf("@sqrt-line")}, whose forward value was finite`);
  });

  it("is what stops the run: without it the gradient silently holds NaN", async () => {
    const step = await compile(valueAndGrad(norm), [spec([3], "f32", "x")], { backend: "interpret" });
    const [, dx] = (await step.run(new Float32Array(3))) as [HostTensor, HostTensor];
    expect(Array.from(dx.data).every(Number.isNaN)).toBe(true);
  });

  it("names the forward op of a tangent (forward-mode) op", async () => {
    const tangentOfNorm = (x: Tensor, v: Tensor) => jvp(norm, [x], [v])[1] as Tensor;
    const step = await compile(tangentOfNorm, [spec([3], "f32", "x"), spec([3], "f32", "v")], { backend: "interpret", checkNumerics: true });
    const e = await failure(() => step.run(new Float32Array(3), Float32Array.from([1, 1, 1])));
    expect(e.details.origin).toMatchObject({ kind: "tangent", op: "sqrt" });
    expect(e.message).toContain(`in the forward-mode tangent computation`);
    expect(e.message).toContain(`it computes the tangent of %${e.details.origin!.id} sqrt at ${FILE}:${lineOf("@sqrt-line")}`);
  });
});

describe("checkNumerics: infinities turned into NaN, and recompute ops", () => {
  it("blames the op that turns infinities into a NaN", async () => {
    const cancel = (x: Tensor) => t.sum(t.sub(t.add(x, -Infinity), t.add(x, -Infinity))); // @cancel-line
    const step = await compile(cancel, [spec([2], "f32", "x")], { backend: "interpret", checkNumerics: true });
    const e = await failure(() => step.run(Float32Array.from([1, 2])));
    expect(e.op).toBe("sub");
    expect(e.message).toBe(`checkNumerics: NaN produced by %${e.details.nodeId} sub at ${FILE}:${lineOf("@cancel-line")} (element [0] of f32[2], 2 of 2 elements not finite; from operands holding ±Inf)`);
  });

  it("names the forward op a recompute op clones", () => {
    const g = parseGraph(`graph @g(%0: f32[2] "x" loc("m.ts":1:1)) {
  %1 = log %0 : f32[2] loc("m.ts":4:9)
  %2 = log %0 : f32[2] loc(recompute of %1 "m.ts":4:9)
  return %1, %2
}`);
    const checker = new NumericsChecker(g);
    checker.checkInputs([{ shape: [2], dtype: "f32", data: Float32Array.from([1, 2]) }]);
    checker.onValue(g.nodes[0], { shape: [2], dtype: "f32", data: Float32Array.from([0, 0.7]) });
    let e: unknown;
    try {
      checker.onValue(g.nodes[1], { shape: [2], dtype: "f32", data: Float32Array.from([NaN, 0.7]) });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(NumericsError);
    expect((e as NumericsError).message).toBe("checkNumerics: NaN produced by %2 log, a recompute of %1 log at m.ts:4 for the backward pass (element [0] of f32[2], 1 of 2 elements not finite; its operands are finite)");
    expect((e as NumericsError).details.origin).toMatchObject({ kind: "recompute", id: 1, op: "log", finite: true });
  });
});

describe("checkNumerics: what is not an error", () => {
  it("lets a -Inf literal mask pass through ops that only propagate it", async () => {
    const masked = (x: Tensor) => t.sum(t.exp(t.add(x, -Infinity))); // exp(-inf) = 0
    const step = await compile(valueAndGrad(masked), [spec([2], "f32", "x")], { backend: "interpret", checkNumerics: true });
    const [value, dx] = (await step.run(Float32Array.from([1, 2]))) as [HostTensor, HostTensor];
    expect(value.data[0]).toBe(0);
    expect(Array.from(dx.data)).toEqual([0, 0]);
  });

  it("gives the interpreter's results on finite data", async () => {
    const specs = [spec([3], "f32", "x")];
    const x = Float32Array.from([0.5, 1, 2]);
    const step = await compile(valueAndGrad(norm), specs, { backend: "interpret", checkNumerics: true });
    const [value, dx] = (await step.run(x)) as [HostTensor, HostTensor];
    const [refValue, refDx] = interpret(trace(valueAndGrad(norm), specs), [{ shape: [3], dtype: "f32", data: x }]);
    expect(value.data[0]).toBe(refValue.data[0]);
    expect(Array.from(dx.data)).toEqual(Array.from(refDx.data));
  });
});

describe("interpret's onValue hook", () => {
  it("sees every node once, in graph order, with its value", () => {
    const g = trace(valueAndGrad(norm), [spec([3])]);
    const seen: number[] = [];
    const out = interpret(g, [{ shape: [3], dtype: "f32", data: Float32Array.from([3, 4, 0]) }], {
      onValue: (node, value) => {
        seen.push(node.id);
        expect(value.shape).toEqual(node.type.shape);
      },
    });
    expect(seen).toEqual(g.nodes.map((n) => n.id));
    expect(out[0].data[0]).toBe(5);
  });
});

describe("pinpointNumerics", () => {
  it("names the op for a backend that only saw a bad kernel store, or says the interpreter found none", () => {
    const g = trace(valueAndGrad(logSum), [spec([2], "f32", "x")]);
    const bad = pinpointNumerics(g, [{ shape: [2], dtype: "f32", data: Float32Array.from([-1, 1]) }]);
    expect(bad?.op).toBe("log");
    expect(bad?.loc?.line).toBe(lineOf("@log-line"));
    expect(pinpointNumerics(g, [{ shape: [2], dtype: "f32", data: Float32Array.from([1, 1]) }])).toBeUndefined();
  });
});
