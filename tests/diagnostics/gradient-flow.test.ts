// Gradient flow on real gradients (compile(valueAndGrad(...)) on the reference interpreter): a
// deep sigmoid chain vanishes, a badly initialised relu chain explodes, a tanh chain is healthy.
// Where a problem starts is recomputed here from the raw gradients with the documented rule.
import { describe, expect, it } from "vitest";
import { t, type Tensor } from "@adjoint/ir";
import { compile, seededRandom, spec, valueAndGrad, type HostTensor } from "adjoint";
import { formatGradientFlow, gradientFlowReport } from "../../packages/adjoint/src/diagnostics";

const WIDTH = 8, BATCH = 4;

/** Weights (and biases) of an L-layer chain h = act(h @ W_i + b_i), loss = mean(h²), and their gradients. */
async function chainGradients(layers: number, act: (x: Tensor) => Tensor, gain: number, seed: number) {
  const loss = (...a: Tensor[]) => {
    let h = a[2 * layers];
    for (let i = 0; i < layers; i++) h = act(t.add(t.matmul(h, a[2 * i]), a[2 * i + 1]));
    return t.mean(t.mul(h, h));
  };
  const names = Array.from({ length: layers }, (_, i) => [`w${i}`, `b${i}`]).flat();
  const specs = [...names.map((n) => spec(n.startsWith("w") ? [WIDTH, WIDTH] : [WIDTH], "f32", n)), spec([BATCH, WIDTH], "f32", "x")];
  const step = await compile(valueAndGrad(loss, { argnums: names.map((_, i) => i) }), specs, { backend: "interpret" });
  const rnd = seededRandom(seed);
  // uniform with unit variance, scaled by gain / sqrt(fan-in)
  const uniform = (n: number, scale: number) => Float32Array.from({ length: n }, () => rnd() * Math.sqrt(3) * scale);
  const values = names.map((n) => (n.startsWith("w") ? uniform(WIDTH * WIDTH, gain / Math.sqrt(WIDTH)) : new Float32Array(WIDTH).fill(0.1)));
  const [, grads] = (await step.run(...values, uniform(BATCH * WIDTH, 1))) as [HostTensor, HostTensor[]];
  step.dispose();
  return { names, params: Object.fromEntries(names.map((n, i) => [n, values[i]])), grads: Object.fromEntries(names.map((n, i) => [n, grads[i]])) };
}

const l2 = (xs: ArrayLike<number>) => Math.sqrt(Array.from(xs).reduce((s, v) => s + v * v, 0));

/** Per-layer norms (weight and bias together), input side first. */
function layerNorms(grads: Record<string, HostTensor>, layers: number): number[] {
  return Array.from({ length: layers }, (_, i) => Math.hypot(l2(grads[`w${i}`].data), l2(grads[`b${i}`].data)));
}

const pairs = (n: number) => Array.from({ length: n }, (_, i) => [i, i]).flat();

describe("gradientFlowReport", () => {
  it("flags vanishing gradients in a 30-layer sigmoid chain, from the layer where they fall past the threshold", async () => {
    const { params, grads } = await chainGradients(30, t.sigmoid, 1, 1);
    const r = gradientFlowReport(params, grads, { layers: pairs(30) });
    const norms = layerNorms(grads, 30);
    // sigmoid' ≤ 1/4: thirty layers shrink the gradient by many orders of magnitude
    expect(norms[0] / norms[29]).toBeLessThan(1e-10);
    // the documented rule, from the output side: below 1e-7, or 1/1000 of the largest nearer the output
    let start = -1, peak = 0;
    for (let i = 29; i >= 0 && start < 0; i--) {
      if (norms[i] < 1e-7 || norms[i] * 1e3 < peak) start = i;
      peak = Math.max(peak, norms[i]);
    }
    expect(start).toBeGreaterThan(15);
    expect(r.vanishing?.layer).toBe(start);
    expect(r.vanishing?.names).toEqual([`w${start}`, `b${start}`]);
    expect(r.exploding).toBeUndefined();
    expect(r.factorPerLayer).toBeLessThan(0.5);
    expect(r.messages[0]).toMatch(new RegExp(`^vanishing gradients from layer ${start} \\('w${start}', 'b${start}'\\) toward the input: gradient norm \\S+ is 1/\\S+ of layer \\d+ \\('w\\d+', 'b\\d+'\\)'s \\S+ \\(×0\\.\\d+ per layer toward the input on average\\)$`));
    expect(r.layers.filter((l) => l.flag === "vanishing").map((l) => l.layer)).toContain(0);
  });

  it("flags exploding gradients in a relu chain initialised 4× too large", async () => {
    const { params, grads } = await chainGradients(12, t.relu, 4, 2);
    const r = gradientFlowReport(params, grads, { layers: pairs(12) });
    const norms = layerNorms(grads, 12);
    // every layer is past the absolute threshold: it starts at the last layer, seen from the output
    expect(Math.min(...norms)).toBeGreaterThan(1e3);
    expect(r.exploding?.layer).toBe(11);
    expect(r.exploding?.because).toEqual({ threshold: 1e3 });
    expect(r.vanishing).toBeUndefined();
    expect(r.messages[0]).toMatch(/^exploding gradients from layer 11 \('w11', 'b11'\) toward the input: gradient norm \S+ is above 1\.0e\+3/);
  });

  it("flags gradients that grow by a large factor toward the input, where the growth passes the ratio", async () => {
    // bias gradients are products of the layers above: they grow geometrically toward the input
    const { grads, params } = await chainGradients(12, t.relu, 4, 2);
    const biases = (o: Record<string, HostTensor | Float32Array>) => Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`b${i}`, o[`b${i}`]]));
    const r = gradientFlowReport(biases(params), biases(grads), { explodingAbove: Infinity });
    const norms = Array.from({ length: 12 }, (_, i) => l2(grads[`b${i}`].data));
    let start = -1, trough = Infinity;
    for (let i = 11; i >= 0 && start < 0; i--) {
      if (norms[i] > trough * 1e3) start = i;
      trough = Math.min(trough, norms[i]);
    }
    expect(start).toBeGreaterThanOrEqual(0);
    expect(r.exploding?.layer).toBe(start);
    expect(r.exploding?.because).toMatchObject({ layer: 11 });
    expect(r.factorPerLayer).toBeGreaterThan(2);
  });

  it("finds nothing wrong in a short, well-initialised tanh chain", async () => {
    const { params, grads } = await chainGradients(6, t.tanh, 1, 3);
    const r = gradientFlowReport(params, grads, { layers: pairs(6) });
    expect(r.messages).toEqual([]);
    expect(formatGradientFlow(r).split("\n").at(-1)).toBe("no vanishing or exploding gradients found");
  });

  it("reports update/weight ratios and flags updates that rewrite the weight", () => {
    const w = Float32Array.from([3, 4]); // |w| = 5
    const r = gradientFlowReport({ a: w, b: w }, { a: [1, 0], b: [1, 0] }, { updates: { a: [0.3, 0.4], b: [0.003, 0.004] } });
    expect(r.params[0].updateRatio).toBeCloseTo(0.1, 6); // |[0.3, 0.4]| / |w| = 0.5 / 5
    expect(r.params[1].updateRatio).toBeCloseTo(0.001, 6);
    const big = gradientFlowReport({ a: w }, { a: [1, 0] }, { updates: { a: [1.5, 2] } }); // 2.5 / 5
    expect(big.params[0].updateRatio).toBeCloseTo(0.5, 6);
    expect(big.messages).toEqual(["'a': update/weight 5.0e-1 above 1.0e-1: one step rewrites the weight"]);
  });

  it("flags gradients below the absolute threshold", () => {
    const r = gradientFlowReport([[1], [1]], [[0], [0]]);
    expect(r.vanishing?.because).toEqual({ threshold: 1e-7 });
    expect(r.messages).toEqual(["vanishing gradients from layer 1 ('param1') toward the input: gradient norm 0 is below 1.0e-7"]);
  });

  it("flags non-finite gradients with their layer", () => {
    const r = gradientFlowReport([[1], [1], [1]], [[1], [NaN], [1]]);
    expect(r.nonFinite?.layer).toBe(1);
    expect(r.messages[0]).toBe("non-finite gradients from layer 1 ('param1'): norm NaN");
  });

  it("formats one row per parameter with the layer's flag", async () => {
    const { params, grads } = await chainGradients(30, t.sigmoid, 1, 1);
    const text = formatGradientFlow(gradientFlowReport(params, grads, { layers: pairs(30) }));
    const lines = text.split("\n");
    expect(lines[0]).toBe("gradient flow over 60 parameters in 30 layers (input side first)");
    expect(lines.filter((l) => /^\s+\d+\s+w\d+\s/.test(l))).toHaveLength(30);
    expect(lines.find((l) => /^\s+0\s+w0\s/.test(l))).toMatch(/ vanishing$/);
  });

  it("refuses gradients that do not match the parameters", () => {
    expect(() => gradientFlowReport({ a: [1, 2] }, { b: [1, 2] })).toThrow("gradients entry 0 is 'b' but parameter 0 is 'a'");
    expect(() => gradientFlowReport({ a: [1, 2] }, { a: [1] })).toThrow("gradients of 'a' has 1 elements, the parameter 2");
    expect(() => gradientFlowReport([[1]], [])).toThrow("1 parameters but 0 gradients");
  });
});
