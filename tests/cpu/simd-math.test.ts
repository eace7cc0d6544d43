// The f32x4 transcendentals of the wasm SIMD kernels (packages/backend-cpu/src/fast/wasm/simd-math.ts):
// the error of each against Math.* rounded to f32 (the interpreter's definition) over ≥ 1M
// arguments spanning the whole range it is defined on, the bound MAX_ULP states, and special
// values (NaN, ±Inf, ±0, overflow, underflow, denormals, large sin/cos arguments) exactly.
import { describe, expect, it } from "vitest";
import type { Node } from "@adjoint/ir";
import { simdModuleBytes } from "../../packages/backend-cpu/src/fast/wasm/simd-module";
import { simdBases } from "../../packages/backend-cpu/src/fast/wasm/simd-emit";
import type { SimdProgram } from "../../packages/backend-cpu/src/fast/wasm/simd-kernel";
import { MAX_ULP, MATH_IMPORTS, SINCOS_LIMIT } from "../../packages/backend-cpu/src/fast/wasm/simd-math";
import { wasm } from "../../packages/backend-cpu/src/fast/wasm/api";

type Fn = keyof typeof MAX_ULP;

/** Runs `op` over `xs` through one SIMD program (load, op, store), as a fused elementwise kernel would. */
function simdApply(op: Fn, xs: Float32Array): Float32Array {
  const n = xs.length;
  const node = { id: 1, op, args: [0], attrs: {}, type: { dtype: "f32", shape: [n] }, loc: { file: "test", line: 0 } } as unknown as Node;
  const program: SimdProgram = {
    kernel: 0, outer: 1, inner: n, splitInner: true, extent: n,
    streams: [{ elem: 0, outer: 0, inner: 1 }, { elem: n, outer: 0, inner: 1 }],
    body: { vals: [{ kind: "load", stream: 0 }, { kind: "op", node, args: [0] }], stores: [{ stream: 1, val: 1 }] },
  };
  const memory = new wasm.Memory({ initial: Math.ceil((8 * n) / 65536) + 1 });
  const env = { memory, ...Object.fromEntries(MATH_IMPORTS.map((m) => [m.name, m.fn])) };
  const k0 = new wasm.Instance(new wasm.Module(simdModuleBytes([program], false)), { env }).exports.k0 as (lo: number, hi: number, ...bases: number[]) => void;
  const F = new Float32Array(memory.buffer);
  F.set(xs);
  k0(0, n, ...simdBases(program));
  return F.slice(n, 2 * n);
}

/** The interpreter's scalar semantics of each function (packages/ir/src/ops/elementwise.ts). */
const REF: Record<Fn, (x: number) => number> = {
  exp: Math.exp, log: Math.log, sin: Math.sin, cos: Math.cos, tanh: Math.tanh,
  sigmoid: (a) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))),
};

const bits = new Int32Array(1), f32 = new Float32Array(bits.buffer);
/** f32 values as integers in order (-0 and +0 adjacent), so ulps are a difference. */
const ordered = (v: number) => ((f32[0] = v), bits[0] < 0 ? -2147483648 - bits[0] : bits[0]);
const ulps = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? (Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity) : Math.abs(ordered(a) - ordered(b)));

/** n evenly spaced f32 arguments in [lo, hi]. */
const linear = (lo: number, hi: number, n: number) => Float32Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
/** n arguments log-spaced in [lo, hi], alternately signed when `signed`. */
const logSpaced = (lo: number, hi: number, n: number, signed: boolean) =>
  Float32Array.from({ length: n }, (_, i) => Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (n - 1)) * (signed && i & 1 ? -1 : 1));

const SWEEPS: Record<Fn, () => Float32Array[]> = {
  exp: () => [linear(-104, 89, 600_000), logSpaced(1e-45, 104, 500_000, true)],
  log: () => [logSpaced(1e-45, 3.4e38, 600_000, false), linear(0, 4, 500_000)],
  sin: () => [linear(-10, 10, 300_000), linear(-SINCOS_LIMIT, SINCOS_LIMIT, 400_000), linear(-1e5, 1e5, 100_000), logSpaced(1e-45, 1e30, 300_000, true)],
  cos: () => [linear(-10, 10, 300_000), linear(-SINCOS_LIMIT, SINCOS_LIMIT, 400_000), linear(-1e5, 1e5, 100_000), logSpaced(1e-45, 1e30, 300_000, true)],
  tanh: () => [linear(-10, 10, 600_000), logSpaced(1e-45, 100, 500_000, true)],
  sigmoid: () => [linear(-110, 110, 600_000), logSpaced(1e-45, 110, 500_000, true)],
};

const SPECIAL = Float32Array.from([
  NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38,
  88.72, 88.73, 89, 100, -87.3, -103.2, -103.3, -104, -150, 1e-30, 1e10, -1e30, SINCOS_LIMIT, 8192.5, 65536, 1e5,
  Math.PI / 2, Math.PI, -Math.PI / 4, 0.625, -0.625, 9.1, 20,
]);

describe("wasm SIMD transcendentals against Math.* rounded to f32", () => {
  for (const fn of Object.keys(MAX_ULP) as Fn[]) {
    it(`${fn}: ≥ 1M arguments within ${MAX_ULP[fn]} ulp; special values exact`, () => {
      const sweeps = SWEEPS[fn]();
      expect(sweeps.reduce((s, a) => s + a.length, 0)).toBeGreaterThanOrEqual(1_000_000);
      let worst = 0, at = NaN;
      for (const xs of sweeps) {
        const got = simdApply(fn, xs);
        for (let i = 0; i < xs.length; i++) {
          const u = ulps(got[i], Math.fround(REF[fn](xs[i])));
          if (u > worst) (worst = u), (at = xs[i]);
        }
      }
      expect(worst, `${fn}: worst ${worst} ulp at ${at}`).toBeLessThanOrEqual(MAX_ULP[fn]);
      const got = simdApply(fn, SPECIAL);
      SPECIAL.forEach((x, i) => {
        const want = Math.fround(REF[fn](x));
        // exact where the result is special (NaN, ±∞, ±0) or the argument is; else within the bound
        if (!Number.isFinite(want) || want === 0 || !Number.isFinite(x) || x === 0) expect(Object.is(got[i], want), `${fn}(${x}) = ${got[i]}, want ${want}`).toBe(true);
        else expect(ulps(got[i], want), `${fn}(${x}) = ${got[i]}, want ${want}`).toBeLessThanOrEqual(MAX_ULP[fn]);
      });
    });
  }

  it("sin/cos beyond SINCOS_LIMIT call Math.* per lane, so they are exactly Math's, rounded", () => {
    const xs = Float32Array.from([1e6, -3e7, 1e30, 12345.678, 2, 0.5, SINCOS_LIMIT * 2, -1e20]);
    for (const fn of ["sin", "cos"] as const) {
      const got = simdApply(fn, xs);
      // a vector with one large lane is recomputed whole through Math.*: every lane exact
      xs.forEach((x, i) => expect(Object.is(got[i], Math.fround(REF[fn](x))), `${fn}(${x})`).toBe(true));
    }
  });
});
