// compile(): trace → simplify passes → backend, the report, dumps and run-time argument errors.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { t, type Tensor } from "@adjoint/ir";
import { compile, cpuBackend, interpret, spec, trace, valueAndGrad, type HostTensor } from "adjoint";

const loss = (w: Tensor, x: Tensor) => t.sum(t.tanh(t.mul(t.matmul(x, w), 1)));
const specs = [spec([3, 2], "f32", "w"), spec([4, 3], "f32", "x")];
const w = Float32Array.from([0.1, -0.2, 0.3, 0.4, -0.5, 0.6]);
const x = Float32Array.from({ length: 12 }, (_, i) => i / 10);

describe("compile", () => {
  it("gives the reference interpreter's numbers on the unoptimised graph", async () => {
    const step = await compile(valueAndGrad(loss), specs, { verify: true });
    const [value, dw] = (await step.run(w, x)) as [HostTensor, HostTensor];
    const [refValue, refDw] = interpret(trace(valueAndGrad(loss), specs), [
      { shape: [3, 2], dtype: "f32", data: w }, { shape: [4, 3], dtype: "f32", data: x },
    ]);
    expect(value.data[0]).toBeCloseTo(refValue.data[0], 5);
    Array.from(dw.data).forEach((v, i) => expect(v).toBeCloseTo(refDw.data[i], 5));
    step.dispose();
  });

  it("takes a backend object as well as a registered name (backend options without registering)", async () => {
    const fast = { ...cpuBackend({ fastMath: false }), name: "cpu-exact" }; // registered nowhere
    const f = (a: Tensor) => t.sum(t.mul(t.exp(a), t.sin(a)));
    const a = Float32Array.from({ length: 64 }, (_, i) => (i - 32) / 9);
    const step = await compile(valueAndGrad(f), [spec([64])], { backend: fast });
    expect(step.report.backend).toBe("cpu-exact");
    const [value, da] = (await step.run(a)) as [HostTensor, HostTensor];
    const [refValue, refDa] = interpret(trace(valueAndGrad(f), [spec([64])]), [{ shape: [64], dtype: "f32", data: a }]);
    expect(value.data[0]).toBeCloseTo(refValue.data[0], 3);
    Array.from(da.data).forEach((v, i) => expect(v).toBeCloseTo(refDa.data[i], 4));
    step.dispose();
  });

  it("reports kernels, bytes, flops and pass times", async () => {
    const step = await compile(valueAndGrad(loss), specs);
    const r = step.report;
    // the default (cpu) backend fuses: fewer dispatches than nodes
    expect(r.backend).toBe("cpu");
    expect(r.kernels).toBe(step.plan.kernels.length);
    expect(r.kernels).toBeLessThan(step.graph.nodes.length);
    expect(r.activationBytes).toBe(step.plan.memory.arenaBytes);
    expect(r.forwardFlops).toBeGreaterThanOrEqual(2 * 4 * 3 * 2); // the forward matmul at least
    expect(r.backwardFlops).toBeGreaterThan(0);
    expect(r.recomputeFlops).toBe(0);
    expect(r.peakBytes).toBeGreaterThan(r.activationBytes);
    expect(r.passes.map((p) => p.name)).toEqual(expect.arrayContaining(["dce", "cse"]));
    // x * 1 is gone after simplification
    expect(step.graph.nodes.some((n) => n.op === "mul" && !n.loc.origin)).toBe(false);
  });

  it("writes per-pass dumps for a compile option", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "adjoint-dump-"));
    await compile(loss, specs, { dump: dir });
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(["00-input.ir", "graph.dot", "summary.txt"]));
    expect(files.some((f) => /^\d\d-algebraic\.ir$/.test(f))).toBe(true);
    expect(readFileSync(path.join(dir, "00-input.ir"), "utf8")).toContain("graph @loss");
  });

  it("reads ADJOINT_DUMP and ADJOINT_DUMP_PASSES at the entry edge", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "adjoint-dump-env-"));
    process.env.ADJOINT_DUMP = dir;
    process.env.ADJOINT_DUMP_PASSES = "^dce$";
    try {
      await compile(loss, specs);
    } finally {
      delete process.env.ADJOINT_DUMP;
      delete process.env.ADJOINT_DUMP_PASSES;
    }
    expect(readdirSync(dir).filter((f) => /^\d\d-.*\.ir$/.test(f) && f !== "00-input.ir").every((f) => f.endsWith("-dce.ir"))).toBe(true);
  });

  it("rejects bad arguments to run with clear errors", async () => {
    const step = await compile(loss, specs);
    await expect(step.run(w)).rejects.toThrow(/takes 2 arguments \(w: f32\[3,2\], x: f32\[4,3\]\), got 1/);
    await expect(step.run(w, new Float32Array(10))).rejects.toThrow(/argument 1 \('x'\): expected 12 values for f32\[4,3\], got 10/);
    await expect(step.run({ shape: [2, 3], data: w }, x)).rejects.toThrow(/argument 0 \('w'\): expected f32\[3,2\], got f32\[2,3\]/);
    step.dispose();
    await expect(step.run(w, x)).rejects.toThrow(/was disposed/);
  });

  it("names the registered backends when asked for an unknown one", async () => {
    await expect(compile(loss, specs, { backend: "tpu" })).rejects.toThrow(/unknown backend 'tpu'; registered backends: interpret/);
  });
});

describe("carried values", () => {
  it("feed an output back into an input between runs, and queue concurrent runs", async () => {
    // one step of x ← x / 2 + c, with x carried
    const step = await compile((x: Tensor, c: Tensor) => [t.add(t.div(x, 2), c)], [spec([2]), spec([2])], { carry: [{ output: 0, input: 0 }] });
    await expect(step.run(null, [1, 1])).rejects.toThrow(/nothing has been carried into it yet/);
    await step.run([8, 4], [1, 1]);
    const runs = [step.run(null, [1, 1]), step.run(null, [1, 1])];
    await Promise.all(runs);
    // [8, 4] → [5, 3] → [3.5, 2.5] → [2.75, 2.25], one run after the other
    expect(Array.from(step.carried(0)!.data)).toEqual([2.75, 2.25]);
    await expect(step.run([1, 1], null)).rejects.toThrow(/it is not carried/);
  });
  it("rejects a carry between values of different types", async () => {
    await expect(compile((x: Tensor) => [t.sum(x)], [spec([2])], { carry: [{ output: 0, input: 0 }] })).rejects.toThrow(/carry output 0 \(f32\[\]\) into input 0 \(f32\[2\]\)/);
  });
});

describe("compile: in-place slot reuse", () => {
  // h is stored (a reduce and an elementwise kernel read it) and dies in the elementwise kernel,
  // which reads it at the point it writes y: on "cpu" (capability `inplace`) y takes h's slot.
  const f = (x: Tensor, w: Tensor) => {
    const h = t.matmul(x, w);
    const r = t.sum(h, 1, { keepdims: true });
    return t.tanh(t.sub(h, t.div(r, 64)));
  };
  const fSpecs = [spec([64, 32]), spec([32, 64])];
  const data = fSpecs.map((s, j) => Float32Array.from({ length: s.shape[0] * s.shape[1] }, (_, i) => Math.sin(i * (j + 1) * 0.37)));

  it("is applied where the backend allows it, shown in the report, and leaves the numbers unchanged", async () => {
    const cpu = await compile(f, fSpecs, { backend: "cpu" });
    const interp = await compile(f, fSpecs, { backend: "interpret" });
    expect(cpu.report.memory.inplacePairs).toBeGreaterThan(0);
    expect(cpu.report.memory.inplaceBytesSaved).toBeGreaterThanOrEqual(64 * 64 * 4);
    expect(interp.report.memory.inplacePairs).toBe(0); // no capability: no reuse
    const got = (await cpu.run(...data)) as HostTensor;
    const [ref] = interpret(trace(f, fSpecs), fSpecs.map((s, i) => ({ shape: s.shape, dtype: "f32" as const, data: data[i] })));
    Array.from(got.data).forEach((v, i) => expect(Math.abs(v - ref.data[i])).toBeLessThan(1e-5));
    cpu.dispose();
    interp.dispose();
  });
});
