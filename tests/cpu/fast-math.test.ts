// The opt-in fast transcendental functions (CpuOptions.fastMath): each f32 result within 1 ulp of
// fround(Math.f(x)) over ≥ 1e6 f32 arguments per function, special values exactly Math.f's, and
// fused kernels lowered with the flag against the interpreter (without it: still bitwise).
import { describe, expect, it } from "vitest";
import { t, trace, type Graph, type HostTensor, type Tensor } from "@adjoint/ir";
import { interpret, scalarSnippets } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";
import { fastMath, withFastMath } from "../../packages/backend-cpu/src/fast/fast-math";
import { lowerCpu, type CpuOptions } from "../../packages/backend-cpu/src/fast/lower";
import { expectBitwise, random } from "./util";

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const bitsOf = (v: number) => ((f32[0] = v), u32[0]);
const fromBits = (b: number) => ((u32[0] = b), f32[0]);
/** Position of an f32 on the number line in ulps (-0 and +0 both 0), for ulp distances. */
const ordinal = (v: number) => {
  const b = bitsOf(v);
  return b & 0x80000000 ? -(b & 0x7fffffff) : b;
};
/** f32 ulps between fround(a) and fround(b); NaN against NaN is 0, NaN against a number is Infinity. */
const ulps = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? (Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity) : Math.abs(ordinal(a) - ordinal(b)));

/** `count` positive f32s from lo to hi, evenly spaced in bit pattern (so in every binade), with their negations when `signed`. */
function logSweep(lo: number, hi: number, count: number, signed: boolean): number[] {
  const a = bitsOf(lo), b = bitsOf(hi), out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = fromBits(a + Math.floor(((b - a) * i) / (count - 1)));
    out.push(v);
    if (signed) out.push(-v);
  }
  return out;
}
/** `count` f32s evenly spaced in [lo, hi]. */
const linSweep = (lo: number, hi: number, count: number) => Array.from({ length: count }, (_, i) => Math.fround(lo + ((hi - lo) * i) / (count - 1)));

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-40, -1e-40, 1.1754943508222875e-38, 3.4028234663852886e38, -3.4028234663852886e38, 1, -1, 0.5, 0.125, -0.125];
/** Arguments of every function whose result must be Math.f's bit for bit (before rounding). */
const NON_FINITE = [NaN, Infinity, -Infinity, 0, -0];
/** Per function, more such arguments: tiny ones (the result is x or 1) and the ranges handed to Math.* itself. */
const EXACT: Record<string, readonly number[]> = {
  exp: [1e-45, -1e-45, 1e-30, -1e-30, 110, -110, 200, -200, 710, -746, 3.4028234663852886e38, -3.4028234663852886e38],
  log: [-1e-45, -1, -3.4028234663852886e38, 1, 5e-324, 1e-310],
  sin: [1e-45, -1e-45, 1e-30, -1e-30, 100001, -100001, 1e6, -1e6, 3.4028234663852886e38, -3.4028234663852886e38],
  cos: [1e-45, -1e-45, 1e-30, -1e-30, 100001, -100001, 1e6, -1e6, 3.4028234663852886e38, -3.4028234663852886e38],
  tanh: [1e-45, -1e-45, 1e-30, -1e-30, 20, -20, 100, -100, 3.4028234663852886e38, -3.4028234663852886e38],
  sigmoid: [1e-45, -1e-45, 200, -200, 1000, -1000, 3.4028234663852886e38, -3.4028234663852886e38],
};

/** Sigmoid as the generated loops compute it: the op's snippet with Math.exp rewritten. */
const fastSigmoid = new Function(withFastMath(`"use strict";\nreturn (x) => ${scalarSnippets.sigmoid(["x"])};`))() as (x: number) => number;
const refSigmoid = new Function("x", `"use strict";\nreturn ${scalarSnippets.sigmoid(["x"])};`) as (x: number) => number;

const CASES: { name: string; fast: (x: number) => number; ref: (x: number) => number; args: () => number[] }[] = [
  { name: "exp", fast: fastMath.exp, ref: Math.exp, args: () => [...logSweep(1e-45, 120, 300_000, true), ...linSweep(-104, 89, 500_000)] },
  { name: "log", fast: fastMath.log, ref: Math.log, args: () => [...logSweep(1e-45, 3.4028234663852886e38, 600_000, false), ...linSweep(0, 4, 500_000), ...linSweep(-1, 0, 1000)] },
  { name: "sin", fast: fastMath.sin, ref: Math.sin, args: () => [...logSweep(1e-45, 2e5, 300_000, true), ...linSweep(-1e5, 1e5, 300_000), ...linSweep(-10, 10, 300_000)] },
  { name: "cos", fast: fastMath.cos, ref: Math.cos, args: () => [...logSweep(1e-45, 2e5, 300_000, true), ...linSweep(-1e5, 1e5, 300_000), ...linSweep(-10, 10, 300_000)] },
  { name: "tanh", fast: fastMath.tanh, ref: Math.tanh, args: () => [...logSweep(1e-45, 100, 300_000, true), ...linSweep(-10, 10, 500_000)] },
  { name: "sigmoid", fast: fastSigmoid, ref: refSigmoid, args: () => [...logSweep(1e-45, 120, 300_000, true), ...linSweep(-110, 110, 500_000)] },
];

describe("fast math functions against Math.*", () => {
  for (const c of CASES) {
    it(`${c.name}: ≥ 1e6 f32 arguments within 1 ulp after fround`, () => {
      const args = [...c.args(), ...SPECIAL];
      expect(args.length).toBeGreaterThanOrEqual(1_000_000);
      let worst = 0, at = NaN, differ = 0;
      for (const x of args) {
        const u = ulps(Math.fround(c.fast(x)), Math.fround(c.ref(x)));
        if (u > 0) differ++;
        if (u > worst) (worst = u), (at = x);
      }
      if (process.env.FAST_MATH_STATS) console.log(`${c.name}: max ${worst} ulp at ${at}; ${differ} of ${args.length} differ`);
      expect(worst, `${c.name}(${at}) is ${worst} ulps from Math's (${differ} of ${args.length} differ)`).toBeLessThanOrEqual(1);
    });

    it(`${c.name}: special values and fallback ranges exactly Math's`, () => {
      for (const x of [...NON_FINITE, ...EXACT[c.name]]) expect(Object.is(c.fast(x), c.ref(x)), `${c.name}(${x}): ${c.fast(x)} vs ${c.ref(x)}`).toBe(true);
    });
  }

  it("exp: every f32 argument with a denormal f32 result rounds exactly as Math.exp's", () => {
    // fround(exp(x)) is denormal for x in (-103.98, -87.34): ~2.2M arguments, all checked
    let bad = 0, first = NaN;
    for (let b = bitsOf(-87.3); b <= bitsOf(-104); b++) {
      const x = fromBits(b);
      if (!Object.is(Math.fround(fastMath.exp(x)), Math.fround(Math.exp(x)))) (bad++, Number.isNaN(first) && (first = x));
    }
    expect(bad, `first at ${first}`).toBe(0);
  });

  it("sin and cos switch to Math.* beyond 1e5, keeping results exact there", () => {
    for (const x of [100000.0078125, -100000.0078125, 123456.7890625, 1e7, 1e20, -3e38]) {
      expect(fastMath.sin(x)).toBe(Math.sin(x));
      expect(fastMath.cos(x)).toBe(Math.cos(x));
    }
  });
});

describe("withFastMath", () => {
  it("rewrites only Math.exp/log/sin/cos/tanh calls and leaves other sources alone", () => {
    const src = `"use strict";\nF[0] = Math.log(Math.exp(F[1])) + Math.log1p(F[2]) + Math.sinh(F[3]) + Math.sin(F[4]);`;
    const out = withFastMath(src);
    expect(out.startsWith(`"use strict";`)).toBe(true);
    expect(out).toContain("__fm_log(__fm_exp(F[1]))");
    expect(out).toContain("Math.log1p(F[2]) + Math.sinh(F[3]) + __fm_sin(F[4])");
    const plain = `"use strict";\nF[0] = Math.sqrt(F[1]);`;
    expect(withFastMath(plain)).toBe(plain);
  });
});

/** Fuses and plans `fn`'s graph, runs it with `opts`, returns outputs and the generated sources. */
function runFused(g: Graph, inputs: readonly HostTensor[], opts: CpuOptions): { out: HostTensor[]; sources: readonly string[] } {
  const exe = lowerCpu(planKernels(fuseKernels(g)), opts);
  try {
    return { out: exe.run(inputs), sources: exe.sources };
  } finally {
    exe.dispose();
  }
}

/** |got - want| <= 2.4e-7·|want| + atol per element (2 f32 ulps relative, plus what cancellation leaves). */
function expectNear(got: HostTensor, want: HostTensor, atol: number, what: string): void {
  expect(got.data.length).toBe(want.data.length);
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i], e = want.data[i];
    const ok = Number.isFinite(e) ? Math.abs(a - e) <= 2.4e-7 * Math.abs(e) + atol : Object.is(a, e);
    if (!ok) expect.fail(`${what} element ${i}: got ${a}, interpreter gives ${e} (atol ${atol})`);
  }
}

const spec = (shape: number[]) => ({ shape, dtype: "f32" as const });
const n = 4096;
// atol: sums of n terms of magnitude ≤ 1.5 may move by an ulp per term; elementwise results
// combine O(1) intermediates (cos² − sin² cancels), each off by ≤ 1 ulp (1.2e-7)
const GRAPHS: { name: string; graph: () => Graph; inputs: () => HostTensor[]; atol: readonly number[]; fns: readonly string[]; bitwise: boolean }[] = [
  {
    name: "W4: Σ sin·cos + exp(−x²) and its gradient",
    graph: () => trace(valueAndGrad((x: Tensor) => t.sum(t.add(t.mul(t.sin(x), t.cos(x)), t.exp(t.neg(t.mul(x, x)))))) as never, [spec([n])]),
    inputs: () => [{ ...random([n], 41), data: (random([n], 41).data as Float32Array).map((v) => v * 3) }],
    atol: [n * 1.5 * 1.2e-7, 1e-6],
    fns: ["__fm_sin(", "__fm_cos(", "__fm_exp("],
    bitwise: true,
  },
  {
    name: "softmax rows and the gradient of Σ log softmax · w",
    graph: () => trace(valueAndGrad((x: Tensor, w: Tensor) => t.sum(t.mul(t.log(t.softmax(x)), w))) as never, [spec([64, 33]), spec([64, 33])]),
    inputs: () => [random([64, 33], 7), random([64, 33], 8)],
    atol: [64 * 33 * 4 * 1.2e-7, 1e-6],
    fns: ["__fm_exp(", "__fm_log("],
    bitwise: true,
  },
  {
    name: "tanh MLP with a sigmoid head and its gradients",
    graph: () =>
      trace(valueAndGrad((x: Tensor, w1: Tensor, w2: Tensor) => t.sum(t.sigmoid(t.matmul(t.tanh(t.matmul(x, w1)), w2))), { argnums: [1, 2] }) as never, [spec([32, 16]), spec([16, 24]), spec([24, 8])]),
    inputs: () => [random([32, 16], 1), random([16, 24], 2), random([24, 8], 3)],
    atol: [32 * 8 * 1.2e-7, 1e-5],
    fns: ["__fm_tanh(", "__fm_exp("],
    // the wasm GEMM sums in its own order, so matmul results are close to the interpreter's, not bitwise
    bitwise: false,
  },
];

describe("fused kernels with fastMath against the interpreter", () => {
  for (const c of GRAPHS) {
    it(`${c.name}: fastMath within 2 ulp-ish; default ${c.bitwise ? "bitwise" : "as close"}`, () => {
      const g = c.graph(), inputs = c.inputs(), want = interpret(g, inputs);
      // the JavaScript loops' fast math (SIMD kernels: simd-kernels.test.ts)
      const fast = runFused(g, inputs, { fastMath: true, simd: false });
      const joined = fast.sources.join("\n");
      for (const f of c.fns) expect(joined, `the fast kernels call ${f}`).toContain(f);
      want.forEach((w, i) => expectNear(fast.out[i], w, c.atol[Math.min(i, c.atol.length - 1)], `fastMath output ${i}`));
      const plain = runFused(g, inputs, {});
      expect(plain.sources.join("\n")).not.toContain("__fm_");
      want.forEach((w, i) => (c.bitwise ? expectBitwise(plain.out[i], w, `default output ${i}`) : expectNear(plain.out[i], w, c.atol[Math.min(i, c.atol.length - 1)], `default output ${i}`)));
    });
  }

  it("fastMath runs the same sources on worker threads", () => {
    const big = 1 << 17;
    const g = trace((x: Tensor) => t.tanh(t.mul(t.sin(x), t.exp(x))), [spec([big])]);
    const inputs = [random([big], 5)];
    const want = interpret(g, inputs);
    const exe = lowerCpu(planKernels(fuseKernels(g)), { fastMath: true, simd: false, threads: 2 });
    try {
      // run until a worker has taken part (workers start asynchronously), checking every result
      for (let r = 0; r < 3 || (exe.workerChunks === 0 && r < 200); r++) expectNear(exe.run(inputs)[0], want[0], 0, `threads 2, run ${r}`);
      expect(exe.workerChunks).toBeGreaterThan(0);
    } finally {
      exe.dispose();
    }
  });
});
