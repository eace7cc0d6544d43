// Nothing in the pipeline may recurse to a depth proportional to the graph: a 100k-layer tanh
// chain traces, differentiates, goes through every pass and runs. The gradient is checked
// against the chain rule computed here in plain f64 (independent of Adjoint).
// Measured (quiet 2-core machine, interpret): compile ~26 s, run ~2 s; bench/scale.ts has figures.
import { describe, expect, it } from "vitest";
import { cpuBackend } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { compile, parseGraph, spec, t, valueAndGrad, type HostTensor, type Tensor } from "adjoint";

const LAYERS = 100_000;
const chain = (n: number) => (x: Tensor) => {
  let y = x;
  for (let i = 0; i < n; i++) y = t.tanh(y);
  return t.sum(y);
};

/** sum(tanh^n(x)) and its gradient, by the chain rule in f64. */
function reference(x: readonly number[], n: number): { value: number; grad: number[] } {
  let value = 0;
  const grad = x.map((x0) => {
    let y = x0, d = 1;
    for (let i = 0; i < n; i++) ((y = Math.tanh(y)), (d *= 1 - y * y));
    value += y;
    return d;
  });
  return { value, grad };
}

describe("scale", () => {
  it(`a ${LAYERS}-layer tanh chain: trace, vjp, every pass, run (interpret)`, async () => {
    const x = [0.5, -1, 2, 0.25];
    const exe = await compile(valueAndGrad(chain(LAYERS)), [spec([4])], { backend: "interpret" });
    expect(exe.graph.nodes.length).toBeGreaterThan(3 * LAYERS);
    const [value, grad] = (await exe.run(x)) as [HostTensor, HostTensor];
    exe.dispose();
    const want = reference(x, LAYERS);
    // tanh^n(x) ≈ sign(x)·sqrt(3/(2n)) for large n: small values, kept to f32 rounding over 100k steps
    expect(value.data[0]).toBeCloseTo(want.value, 4);
    want.grad.forEach((g, i) => expect(Math.abs(grad.data[i] - g)).toBeLessThanOrEqual(1e-3 * Math.abs(g) + 1e-9));
  }, 300_000);

  // Fixed bug (RELIABILITY.md finding 3): fusion puts the whole chain in one kernel, and the CPU
  // backend emitted one JS function with a `const` per value, so ~150k values overflowed V8's
  // stack frame when it ran ("Maximum call stack size exceeded"). Long bodies now share locals by
  // liveness (packages/backend-cpu/src/fast/codegen/registers.ts). The value is checked against
  // the same chain computed here in plain f64 with f32 rounding per step, as the IR specifies
  // (the chain converges to one fixed point, so this guards the run more than the renaming:
  // tests/cpu/long-body.test.ts checks renamed bodies bit for bit against the interpreter).
  it("cpu backend: a 150k-value fused elementwise chain runs", async () => {
    const lines = ['graph @chain(%0: f32[4] "x" loc(unknown)) {'];
    let prev = 0;
    for (let i = 0, id = 1; i < 50_000; i++, id += 3) {
      lines.push(`  %${id} = tanh %${prev} : f32[4] loc(unknown)`, `  %${id + 1} = full {value = ${1 + i * 1e-7}, shape = [4], dtype = f32} : f32[4] loc(unknown)`);
      lines.push(`  %${id + 2} = mul %${id}, %${id + 1} : f32[4] loc(unknown)`);
      prev = id + 2;
    }
    const g = parseGraph([...lines, `  return %${prev}`, "}"].join("\n"));
    const kernels = planKernels(fuseKernels(g), { alignment: 64 });
    expect(kernels.kernels.length).toBe(1); // the case under test: one kernel with every value
    // fastMath off: the JavaScript loop rounding every op, so the f64 replay below is exact
    const program = await cpuBackend({ fastMath: false }).lower(kernels, {});
    let out: HostTensor[];
    try {
      out = await program.run([{ shape: [4], dtype: "f32", data: Float32Array.from([1, 2, 3, 4]) }]);
    } finally {
      program.dispose();
    }
    const want = [1, 2, 3, 4].map((x0) => {
      let y = x0;
      for (let i = 0; i < 50_000; i++) y = Math.fround(Math.fround(Math.tanh(y)) * Math.fround(1 + i * 1e-7));
      return y;
    });
    expect(Array.from(out[0].data)).toEqual(want);
  }, 300_000);
});
