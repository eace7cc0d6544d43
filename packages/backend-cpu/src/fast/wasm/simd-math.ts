/**
 * f32x4 elementwise math for the wasm SIMD kernels (simd-emit.ts): expression builders over a
 * `FnBuilder`, and exp, log, sin/cos, tanh and sigmoid as polynomials with range reduction, in
 * the manner of Cephes' expf/logf/sinf/cosf/tanhf (coefficients are Cephes'; the code is ours).
 * Every op rounds to f32, as the interpreter's per-op rounding does.
 *
 * Measured error against Math.* rounded to f32 (tests/cpu/simd-math.test.ts, ≥ 1M arguments
 * per function over the whole f32 range plus special values): see MAX_ULP.
 */
import { F64, FnBuilder, SIMD, V128 } from "./assemble";

/** An emitter that pushes one v128. */
export type E = () => void;

/** Largest error in f32 ulps measured per function (tests/cpu/simd-math.test.ts asserts these bounds). */
export const MAX_ULP = { exp: 1, log: 1, sin: 2, cos: 2, tanh: 1, sigmoid: 2 } as const;

/** |x| beyond which sin/cos call Math.sin/Math.cos per lane (k·π/2's parts stop being exact products past 2^13). */
export const SINCOS_LIMIT = 8192;

/** Host functions the math imports, in import order (function indices 0 and 1). */
export const MATH_IMPORTS = [
  { name: "sin", params: [F64], results: [F64], fn: Math.sin },
  { name: "cos", params: [F64], results: [F64], fn: Math.cos },
] as const;

/** The f32 sign bit as an i32 lane. */
const SIGN = -0x80000000;

/** Builds f32x4 expressions; `let` materialises a value in a local so it can be used twice. */
export class Vec {
  constructor(readonly f: FnBuilder) {}

  private readonly locals = new WeakMap<E, number>();

  /** Evaluates `e` once into a fresh local and returns a reader of it. */
  let(e: E): E {
    const l = this.f.local(V128);
    e();
    this.f.set(l);
    const reader: E = () => void this.f.get(l);
    this.locals.set(reader, l);
    return reader;
  }
  /** The local a reader made by `let` reads. */
  localOf(reader: E): number {
    const l = this.locals.get(reader);
    if (l === undefined) throw new Error("Vec.localOf: not a reader made by let");
    return l;
  }
  /** Constants by lane bits: each lives in a local set once at function entry (see `hoistConstants`). */
  private readonly consts = new Map<string, number>();
  private constant(key: string, init: (t: FnBuilder) => void): E {
    let l = this.consts.get(key);
    if (l === undefined) {
      l = this.f.local(V128);
      this.consts.set(key, l);
      this.inits.push([l, init]);
    }
    const local = l;
    return () => void this.f.get(local);
  }
  private readonly inits: [number, (t: FnBuilder) => void][] = [];
  /** A splat f32 constant (bitwise: NaN and −0 are their own constants). */
  k = (v: number): E => this.constant(`f${new Int32Array(new Float32Array([v]).buffer)[0]}`, (t) => t.f32x4Const(v));
  /** A splat i32 constant. */
  ki = (v: number): E => this.constant(`i${v | 0}`, (t) => t.i32x4Const(v));

  /**
   * Puts the constants' initialisation at the start of the function: V8 materialises a
   * v128.const in the loop body with several instructions each time, while a local set once
   * stays in a register or is reloaded from the stack as one operand (no difference measurable
   * here under the machine's load; it keeps the loop bodies short).
   */
  hoistConstants(): void {
    const t = new FnBuilder(this.f.params);
    for (const [l, init] of this.inits) {
      init(t);
      t.set(l);
    }
    this.f.code.splice(0, 0, ...t.code);
  }
  /** Any SIMD op on operand emitters; the named ones below are the common f32x4 and bitwise ops. */
  op = (code: number, ...args: E[]): E => () => {
    for (const a of args) a();
    this.f.v(code);
  };
  add = (a: E, b: E) => this.op(SIMD.f32x4_add, a, b);
  sub = (a: E, b: E) => this.op(SIMD.f32x4_sub, a, b);
  mul = (a: E, b: E) => this.op(SIMD.f32x4_mul, a, b);
  div = (a: E, b: E) => this.op(SIMD.f32x4_div, a, b);
  and = (a: E, b: E) => this.op(SIMD.v128_and, a, b);
  or = (a: E, b: E) => this.op(SIMD.v128_or, a, b);
  xor = (a: E, b: E) => this.op(SIMD.v128_xor, a, b);
  /** Lanes of `a` where `mask` is all ones, else of `b`. */
  sel = (a: E, b: E, mask: E) => this.op(SIMD.v128_bitselect, a, b, mask);
  /** Horner: c[0]·x^(n-1) + ... + c[n-1]. */
  poly(x: E, c: readonly number[]): E {
    let p = this.k(c[0]);
    for (let i = 1; i < c.length; i++) p = this.add(this.mul(p, x), this.k(c[i]));
    return p;
  }
  /** 2^n for i32 lanes n in [-126, 127]. */
  pow2 = (n: E) => this.op(SIMD.i32x4_shl, this.op(SIMD.i32x4_add, n, this.ki(127)), () => void this.f.i32(23));
}

// exp: x = k·ln2 + r, |r| <= ln2/2, ln2 split so that k·C1 is exact (Cephes)
const EXP_C1 = 0.693359375, EXP_C2 = -2.12194440e-4;
const EXP_P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** exp(x): NaN stays, results below 2^-150 are 0 and above FLT_MAX are +Infinity, denormals rounded once. */
export function exp(v: Vec, x: E): E {
  // clamping keeps k within [-150, 128]; pmax(x, c) = x < c ? c : x and pmin(x, c) = c < x ? c : x
  // keep a NaN x (one minps/maxps each, where min/max with IEEE NaN rules cost eight instructions)
  const xc = v.let(v.op(SIMD.f32x4_pmin, v.op(SIMD.f32x4_pmax, x, v.k(-104)), v.k(89)));
  const k = v.let(v.op(SIMD.f32x4_nearest, v.mul(xc, v.k(Math.LOG2E))));
  const r = v.let(v.sub(v.sub(xc, v.mul(k, v.k(EXP_C1))), v.mul(k, v.k(EXP_C2))));
  const y = v.let(v.add(v.add(v.mul(v.poly(r, EXP_P), v.mul(r, r)), r), v.k(1)));
  // 2^k as two factors so a denormal result is rounded once, by the last multiply
  const n = v.let(v.op(SIMD.i32x4_trunc_sat_f32x4_s, k));
  const n1 = v.let(v.op(SIMD.i32x4_shr_s, n, () => void v.f.i32(1)));
  return v.mul(v.mul(y, v.pow2(n1)), v.pow2(v.op(SIMD.i32x4_sub, n, n1)));
}

const SQRTHF = 0.70710678118654752440;
const LOG_P = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1];

/** log(x): x = m·2^e with m in [√½, √2), log(m) by a polynomial in m − 1 (Cephes logf); 0 → −∞, < 0 → NaN. */
export function log(v: Vec, x0: E): E {
  const x = v.let(x0);
  // denormals (and non-positive x, fixed at the end) are scaled by 2^23 first
  const den = v.let(v.op(SIMD.f32x4_lt, x, v.k(2 ** -126)));
  const xs = v.let(v.sel(v.mul(x, v.k(2 ** 23)), x, den));
  const e0 = v.op(SIMD.i32x4_sub, v.op(SIMD.i32x4_shr_u, xs, () => void v.f.i32(23)), v.ki(126));
  const e1 = v.op(SIMD.i32x4_add, e0, v.and(den, v.ki(-23)));
  const m = v.let(v.or(v.and(xs, v.ki(0x007fffff)), v.ki(0x3f000000))); // in [0.5, 1)
  const small = v.let(v.op(SIMD.f32x4_lt, m, v.k(SQRTHF)));
  const e = v.let(v.op(SIMD.f32x4_convert_i32x4_s, v.op(SIMD.i32x4_add, e1, small))); // small: -1
  const f = v.let(v.sub(v.sel(v.add(m, m), m, small), v.k(1)));
  const z = v.let(v.mul(f, f));
  let y = v.mul(v.mul(f, z), v.poly(f, LOG_P));
  y = v.add(y, v.mul(e, v.k(EXP_C2)));
  y = v.sub(y, v.mul(z, v.k(0.5)));
  const r = v.let(v.add(v.add(f, y), v.mul(e, v.k(EXP_C1))));
  const inf = v.sel(v.k(Infinity), r, v.op(SIMD.f32x4_eq, x, v.k(Infinity)));
  const zero = v.sel(v.k(-Infinity), inf, v.op(SIMD.f32x4_eq, x, v.k(0)));
  return v.sel(v.k(NaN), zero, v.or(v.op(SIMD.f32x4_lt, x, v.k(0)), v.op(SIMD.f32x4_ne, x, x)));
}

// π/2 in four parts of ≤ 11 significant bits (the last an f32 of the rest; π/2 − Σ ≈ 8e-20), so
// k·part is exact for k < 2^13 and r keeps its bits near multiples of π/2 (three parts: 18 ulp at 1204.8)
const DP1 = 1.5703125, DP2 = 0.0004837512969970703, DP3 = 7.549533620476723e-8, DP4 = 2.5633440682570896e-12;
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1];
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2];

/** sin(x) and cos(x) from one reduction |x| = k·π/2 + r; lanes beyond SINCOS_LIMIT (and ±∞) call Math.sin/cos. */
export function sincos(v: Vec, x0: E, want: { sin: boolean; cos: boolean }, imports: { sin: number; cos: number }): { sin?: E; cos?: E } {
  const f = v.f;
  const x = v.let(x0);
  const a = v.let(v.op(SIMD.f32x4_abs, x));
  const k = v.let(v.op(SIMD.f32x4_nearest, v.mul(a, v.k(2 / Math.PI))));
  const r = v.let(v.sub(v.sub(v.sub(v.sub(a, v.mul(k, v.k(DP1))), v.mul(k, v.k(DP2))), v.mul(k, v.k(DP3))), v.mul(k, v.k(DP4))));
  const z = v.let(v.mul(r, r));
  const s = v.let(v.add(r, v.mul(v.mul(r, z), v.poly(z, SIN_P))));
  // small terms first, 1 last (Cephes' order): 1 − z/2 rounded first would lose the tail near |r| = π/4
  const c = v.let(v.add(v.sub(v.mul(v.mul(z, z), v.poly(z, COS_P)), v.mul(z, v.k(0.5))), v.k(1)));
  const q = v.let(v.op(SIMD.i32x4_trunc_sat_f32x4_s, k));
  // quadrant q: s, c, −s, −c (cos x = sin(x + π/2): quadrant q + 1)
  const pick = (qq: E) => {
    const odd = v.op(SIMD.i32x4_eq, v.and(qq, v.ki(1)), v.ki(1));
    const flip = v.op(SIMD.i32x4_shl, v.and(qq, v.ki(2)), () => void f.i32(30));
    return v.xor(v.sel(c, s, odd), flip);
  };
  const out: { sin?: E; cos?: E } = {};
  const results: [E, number][] = [];
  if (want.sin) {
    const l = v.let(v.xor(pick(q), v.and(x, v.ki(SIGN)))); // sin is odd: the sign of x, −0 kept
    out.sin = l;
    results.push([l, imports.sin]);
  }
  if (want.cos) {
    const l = v.let(pick(v.op(SIMD.i32x4_add, q, v.ki(1))));
    out.cos = l;
    results.push([l, imports.cos]);
  }
  // rare: some lane is large or infinite: recompute every lane with Math.* (exact reference)
  v.op(SIMD.v128_any_true, v.op(SIMD.f32x4_gt, a, v.k(SINCOS_LIMIT)))();
  f.if(() => {
    for (const [res, fn] of results) {
      const local = f.local(V128);
      res();
      f.set(local);
      for (let lane = 0; lane < 4; lane++) {
        f.get(local);
        x();
        f.f32x4ExtractLane(lane).f64PromoteF32().call(fn).f32DemoteF64().f32x4ReplaceLane(lane).set(local);
      }
      f.get(local).set(v.localOf(res));
    }
  });
  return out;
}

const TANH_P = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1];

/** tanh(x): an odd polynomial below 0.625 (Cephes tanhf), else 1 − 2/(exp(2|x|) + 1); the sign of x restored (−0 kept). */
export function tanh(v: Vec, x0: E): E {
  const x = v.let(x0);
  const a = v.let(v.op(SIMD.f32x4_abs, x));
  const z = v.let(v.mul(a, a));
  const small = v.add(a, v.mul(v.mul(a, z), v.poly(z, TANH_P)));
  const e = exp(v, v.add(a, a));
  const big = v.sub(v.k(1), v.div(v.k(2), v.add(e, v.k(1))));
  const t = v.sel(small, big, v.op(SIMD.f32x4_lt, a, v.k(0.625)));
  return v.sel(x, t, v.ki(SIGN));
}

/** sigmoid(x) = 1/(1 + e^−x) for x ≥ 0, e^x/(1 + e^x) below (no overflow, tiny results kept), as the interpreter. */
export function sigmoid(v: Vec, x0: E): E {
  const x = v.let(x0);
  const e = v.let(exp(v, v.op(SIMD.f32x4_neg, v.op(SIMD.f32x4_abs, x))));
  const d = v.let(v.add(v.k(1), e));
  return v.sel(v.div(v.k(1), d), v.div(e, d), v.op(SIMD.f32x4_ge, x, v.k(0)));
}
