/**
 * Opt-in fast transcendental functions for generated loops (`CpuOptions.fastMath`).
 *
 * V8's Math.sin/cos/exp/log are calls into C++ (fdlibm) costing 12–16 ns each, Math.tanh ~35 ns;
 * a fused transcendental loop is bound by them. The versions here are plain JS double
 * arithmetic that TurboFan inlines: Cody–Waite range reduction plus Taylor polynomials whose
 * truncation error is below 1e-10 relative, far under half an f32 ulp (6e-8), so after the
 * store's Math.fround each result is within 1 f32 ulp of fround(Math.f(x)) (almost always
 * equal). NaN, ±Infinity, ±0, overflow, underflow and arguments beyond the reductions'
 * exact range go to Math.* itself, so special values match it exactly.
 *
 * The library is source text, the prelude of each kernel's source that uses it (worker threads
 * compile kernels from source); `compileKernel` runs the prelude once per compiled kernel, so
 * every call of the loop sees the same functions. `fastMath` is the same text compiled here,
 * for tests. `log` reads the exponent from the double's high word, which assumes a
 * little-endian host (every platform Node ships for).
 */

/**
 * The library, a kernel source's prelude. Constants: 2/π, log2(e) and fdlibm's
 * Cody–Waite splits of π/2 and ln 2, whose leading parts end in zero bits so k·part is exact.
 */
const LIBRARY = String.raw`
const __fm_b = new Float64Array(1), __fm_w = new Int32Array(__fm_b.buffer);
// 2^k for k in [-160, 160] (exact: powers of two), so exp scales without touching bits
const __fm_p2 = new Float64Array(321);
for (let i = 0, v = 1; i <= 160; i++, v *= 2) { __fm_p2[160 + i] = v; __fm_p2[160 - i] = 1 / v; }
function __fm_exp(x) {
  // beyond ±110 an f32 result is 0 or Infinity: Math.exp gives it exactly (NaN, ±Inf too)
  if (!(x > -110 && x < 110)) return Math.exp(x);
  const k = Math.floor(x * 1.4426950408889634 + 0.5);
  const r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10; // |r| <= ln2/2
  const z = r * r, z2 = z * z, z4 = z2 * z2;
  // Taylor to r^10 (truncation < 3e-13), evaluated by Estrin's scheme: a short dependency chain
  const p = ((1 + r) + z * (0.5 + r * 1.6666666666666666e-01))
    + z2 * ((4.1666666666666664e-02 + r * 8.3333333333333332e-03) + z * (1.3888888888888889e-03 + r * 1.9841269841269841e-04))
    + z4 * ((2.4801587301587302e-05 + r * 2.7557319223985893e-06) + z * 2.7557319223985888e-07);
  return p * __fm_p2[k + 160];
}
function __fm_log(x) {
  // zero, negatives, NaN, +Inf and doubles beyond 2^±150 (no f32 is): Math.log
  if (!(x >= 7.006492321624085e-46 && x < 1.42724769270596e45)) return Math.log(x);
  __fm_b[0] = x; // x = m·2^e, e read from its bits (little-endian: high word second)
  const hi = __fm_w[1];
  // +1 when the mantissa is >= √2 (0x6a09e), without a branch: m in [√½, √2)
  const e = (hi >> 20) - 1023 + (((hi & 0x000fffff) + 0x95f62) >> 20);
  const m = x * __fm_p2[160 - e]; // exact; no write back into the bits (a store-forwarding stall)
  const f = m - 1, s = f / (2 + f), z = s * s, z2 = z * z;
  // log(m) = 2·atanh(s) = 2s(1 + z/3 + z²/5 + ...) with |s| <= 0.1716: truncation < 2e-12
  const R = z * ((3.3333333333333331e-01 + z * 0.2) + z2 * ((1.4285714285714285e-01 + z * 1.1111111111111111e-01)
    + z2 * (9.0909090909090912e-02 + z * 7.6923076923076927e-02)));
  return e * 6.93147180369123816490e-01 + ((s + s) + ((s + s) * R + e * 1.90821492927058770002e-10));
}
// sin and cos share the reduction x = kπ/2 + r (|r| <= π/4) and evaluate both Taylor polynomials
// (sin to r^13, cos to r^12: truncation < 1e-11; a cos term more adds nothing seen, and sin to
// r^11 turns 6 in 1.2M results 1 ulp off), then pick by quadrant with arithmetic: a branch on k
// would mispredict on every other element of random data
function __fm_sin(x) { return __fm_sincos(x, 0); }
function __fm_cos(x) { return __fm_sincos(x, 1); }
// shift 0: sin; shift 1: cos, which is sin a quadrant on (cos x = sin(x + π/2))
function __fm_sincos(x, shift) {
  // NaN, ±Inf, ±0 and |x| > 1e5 (where k·π/2's first part stops being exact): Math.*
  if (!(x <= 1e5 && x >= -1e5) || x === 0) return shift ? Math.cos(x) : Math.sin(x);
  const k = Math.floor(x * 6.3661977236758138e-01 + 0.5);
  const r = ((x - k * 1.57079632673412561417e+00) - k * 6.07710050630396597660e-11) - k * 2.02226624879595063154e-21;
  const z = r * r, z2 = z * z, z4 = z2 * z2, q = (k + shift) & 3, odd = q & 1;
  const s = r + r * z * ((-1.6666666666666666e-01 + z * 8.3333333333333332e-03) + z2 * (-1.9841269841269841e-04 + z * 2.7557319223985893e-06)
    + z4 * (-2.5052108385441720e-08 + z * 1.6059043836821613e-10));
  const c = (1 - 0.5 * z) + z2 * ((4.1666666666666664e-02 - z * 1.3888888888888889e-03) + z2 * (2.4801587301587302e-05 - z * 2.7557319223985888e-07)
    + z4 * 2.0876756987868100e-09);
  return (s + odd * (c - s)) * (1 - (q & 2)); // quadrants 0..3: s, c, -s, -c
}
function __fm_tanh(x) {
  const a = Math.abs(x);
  if (a < 0.125) {
    if (x === 0) return x; // x + x·z·p would turn -0 into +0
    const z = x * x; // odd Taylor series (truncation < 1e-13); keeps denormals
    return x + x * z * (-3.3333333333333331e-01 + z * (1.3333333333333333e-01 + z * (-5.3968253968253971e-02
      + z * (2.1869488536155203e-02 + z * (-8.8632355299021973e-03 + z * 3.5921280365724811e-03)))));
  }
  if (!(a < 20)) return a === a ? (x > 0 ? 1 : -1) : x; // Math.tanh is ±1 from 19.1 on; NaN stays
  const t = 1 - 2 / (__fm_exp(a + a) + 1); // cancels at most 3 bits for a >= 0.125
  return x < 0 ? -t : t;
}
`;

/** The functions the rewrite maps `Math.<name>(` to. */
const NAMES = ["exp", "log", "sin", "cos", "tanh"] as const;
const CALL = /\bMath\.(exp|log|sin|cos|tanh)\(/g;

/** The fast functions, compiled from the same text generated loops embed (for tests and benches). */
export const fastMath: { readonly [K in (typeof NAMES)[number]]: (x: number) => number } = new Function(
  `"use strict";${LIBRARY}\nreturn { ${NAMES.map((n) => `${n}: __fm_${n}`).join(", ")} };`,
)();

/** Ends the library in a kernel source: what precedes it runs once per compiled kernel, not per call. */
export const PRELUDE_END = "/*@end-prelude*/";

/**
 * Source of `compileKernel(source)`, which compiles a kernel source to `(F, I, U, D, lo, hi)`.
 * A source with a prelude becomes a factory: the prelude runs once and the loop's closure
 * keeps the same library functions on every call (new closures per call would defeat
 * TurboFan's inlining and allocate); other sources compile as before. Text, because worker
 * threads compile their kernels from source too.
 */
export const COMPILE_KERNEL_SOURCE = `
function compileKernel(source) {
  const at = source.indexOf(${JSON.stringify(PRELUDE_END)});
  if (at < 0) return new Function("F", "I", "U", "D", "lo", "hi", source);
  return new Function(source.slice(0, at) + "\\nreturn function (F, I, U, D, lo, hi) {\\n" + source.slice(at) + "\\n};")();
}
`;

/** `compileKernel` (see COMPILE_KERNEL_SOURCE) for this thread. */
export const compileKernel: (source: string) => (F: Float32Array, I: Int32Array, U: Uint8Array, D: Float64Array, lo: number, hi: number) => void =
  new Function(`"use strict";${COMPILE_KERNEL_SOURCE}\nreturn compileKernel;`)();

/**
 * A kernel source with every Math.exp/log/sin/cos/tanh call replaced by the fast version and
 * the library declared at its top as a prelude (after a leading "use strict"); unchanged when
 * it calls none. Compile it with `compileKernel`.
 */
export function withFastMath(source: string): string {
  const body = source.replace(CALL, (_, name: string) => `__fm_${name}(`);
  if (body === source) return source;
  const strict = `"use strict";`;
  const rest = body.startsWith(strict) ? body.slice(strict.length) : body;
  return `${strict}${LIBRARY}${PRELUDE_END}${rest}`;
}
