// explainMemory: inference vs training peaks for each checkpoint policy, what is live at the
// training peak and the source lines that made it; its plans match compile()'s reports.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { t, type Tensor } from "@adjoint/ir";
import { compile, getBackend, spec, valueAndGrad } from "adjoint";
import { explainMemory, formatMemoryExplanation } from "../../packages/adjoint/src/diagnostics";

const L = 6, BATCH = 128, WIDTH = 32;
const mlp = (...a: Tensor[]): Tensor => {
  let h = a[L];
  for (let i = 0; i < L; i++) h = t.tanh(t.matmul(h, a[i])); // @tanh-line
  return t.mean(t.mul(h, h));
};
const params = Array.from({ length: L }, (_, i) => i);
const specs = [...params.map((i) => spec([WIDTH, WIDTH], "f32", `w${i}`)), spec([BATCH, WIDTH], "f32", "x")];
const ACT = BATCH * WIDTH * 4; // bytes of one activation
const tanhLine = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").findIndex((l) => l.includes("// @tanh-line")) + 1;

describe("explainMemory", () => {
  const e = explainMemory(mlp, specs, { params });

  it("compares the inference peak with the training peak of each policy", () => {
    expect(e.training.map((p) => p.policy)).toEqual(["none", "sqrt", "all", "budget"]);
    const none = e.training[0];
    // both hold the same inputs: the weights and the batch
    expect(e.inference.inputBytes).toBe(L * WIDTH * WIDTH * 4 + ACT);
    expect(e.inference.parameterBytes).toBe(L * WIDTH * WIDTH * 4);
    expect(none.inputBytes).toBe(e.inference.inputBytes);
    // inference frees each activation after the next layer: a few live at once; training keeps them all
    expect(e.inference.activationBytes).toBeLessThanOrEqual(3 * ACT);
    expect(none.activationBytes).toBeGreaterThanOrEqual(L * ACT);
    expect(e.ratio).toBe(none.peakBytes / e.inference.peakBytes);
    expect(e.ratio).toBeGreaterThan(1.5);
    for (const p of e.training) expect(p.ratio).toBeCloseTo(p.peakBytes / e.inference.peakBytes, 12);
  });

  it("says what is live at the training peak: the saved activations, made by the tanh line", () => {
    const forward = e.atPeak.find((s) => s.kind === "forward")!;
    expect(forward.what).toBe("forward values kept for the backward pass");
    expect(forward.bytes).toBeGreaterThanOrEqual((L - 1) * ACT);
    const top = e.training[0].topLive;
    expect(top.length).toBeGreaterThan(0);
    expect(top.some((v) => v.op === "tanh" && v.loc === `tests/diagnostics/memory-explain.test.ts:${tanhLine}`)).toBe(true);
  });

  it("trades memory for recomputation across the policies", () => {
    const [none, , all] = e.training;
    expect(none.recomputeFlops).toBe(0);
    expect(all.recomputeFlops).toBeGreaterThan(0);
    expect(all.activationBytes).toBeLessThan(none.activationBytes);
  });

  it("reports a budget no plan meets, with the smallest one that can be", () => {
    const tight = explainMemory(mlp, specs, { params, budgetBytes: 1024 });
    expect(tight.failed.map((f) => f.policy)).toEqual(["budget"]);
    expect(tight.failed[0].error).toMatch(/no plan fits a budget of 1024 bytes; the smallest budget that can be met is \d+ bytes/);
    expect(formatMemoryExplanation(tight)).toMatch(/\n {2}budget 1\.0 KiB +not possible: checkpoint: no plan fits a budget of 1024 bytes/);
  });

  it("formats the answer", () => {
    const text = formatMemoryExplanation(e);
    expect(text.split("\n")[0]).toMatch(/^training @mlp uses \d+\.\d× the memory of inference \(peak \S+ \S+ vs \S+ \S+\)$/);
    expect(text).toContain("forward values kept for the backward pass");
    expect(text).toMatch(/\n {2}sqrt {15}/);
    expect(text).toContain(`tanh f32[${BATCH},${WIDTH}]  tests/diagnostics/memory-explain.test.ts:${tanhLine}`);
  });

  it("plans exactly what compile() plans for the same options", async () => {
    // the interpreter neither fuses nor lets a store take a dying value's slot
    const unfused = explainMemory(mlp, specs, { params, fuse: false, inplaceReuse: false });
    const inference = await compile(mlp, specs, { backend: "interpret" });
    expect(unfused.inference.peakBytes).toBe(inference.report.peakBytes);
    const training = await compile(valueAndGrad(mlp, { argnums: params }), specs, { backend: "interpret", checkpoint: "sqrt" });
    expect(unfused.training[1].peakBytes).toBe(training.report.peakBytes);
    expect(unfused.training[1].recomputeFlops).toBe(training.report.recomputeFlops);
  });

  it("plans what compile() plans on cpu by default: fused, with in-place slot reuse", async () => {
    const { alignment, maxBuffersPerKernel } = (await getBackend("cpu")).capabilities;
    const e = explainMemory(mlp, specs, { params, alignment, maxBuffersPerKernel });
    const training = await compile(valueAndGrad(mlp, { argnums: params }), specs, { backend: "cpu", checkpoint: "sqrt" });
    expect(training.report.memory.inplacePairs).toBeGreaterThan(0);
    expect(e.training[1].peakBytes).toBe(training.report.peakBytes);
    const without = explainMemory(mlp, specs, { params, alignment, maxBuffersPerKernel, inplaceReuse: false });
    expect(without.training[1].peakBytes).toBeGreaterThan(e.training[1].peakBytes);
    training.dispose();
  });
});
