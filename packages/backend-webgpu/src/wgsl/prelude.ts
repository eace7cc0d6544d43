/**
 * WGSL helper functions that give ops the reference semantics of packages/ir (JavaScript
 * numbers rounded to the stored dtype), where WGSL builtins differ: NaN-propagating max/min,
 * log/sqrt outside their domain, pow for negative bases, i32 division by zero, f32 → i32
 * wrap-around. NaN is tested by bit pattern: WGSL has no isNan and compilers may fold x != x.
 */

/** Always included: non-finite constants (never constant expressions) and the NaN test. */
const BASE = `var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn NAN_F32() -> f32 { return bitcast<f32>(NAN_BITS); }
fn INF_F32() -> f32 { return bitcast<f32>(INF_BITS); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_nonfinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }`;

/** Helper functions by name; `requires` lists helpers a helper calls. */
export const HELPERS = {
  max_f32: `fn max_f32(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return NAN_F32(); } return select(b, a, a > b); }`,
  min_f32: `fn min_f32(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return NAN_F32(); } return select(b, a, a < b); }`,
  log_f32: `fn log_f32(a: f32) -> f32 {
  if (is_nan(a) || a < 0.0) { return NAN_F32(); }
  if (a == 0.0) { return -INF_F32(); }
  if (a == INF_F32()) { return a; }
  return log(a);
}`,
  exp_f32: `fn exp_f32(a: f32) -> f32 {
  if (is_nan(a)) { return a; }
  if (a > 88.8) { return INF_F32(); }
  if (a < -104.0) { return 0.0; }
  return exp(a);
}`,
  sqrt_f32: `fn sqrt_f32(a: f32) -> f32 {
  if (is_nan(a) || a < 0.0) { return NAN_F32(); }
  if (a == 0.0 || a == INF_F32()) { return a; }
  return sqrt(a);
}`,
  // sin/cos are only accurate near [-π, π] on GPUs: reduce by 2π first (Cody–Waite, 2π split
  // into an 8-bit head, exact in k * head for |k| < 2^16, and a tail). Good to ~1e-6 for |x| < 1e5.
  reduce_2pi: `fn reduce_2pi(x: f32) -> f32 {
  if (abs(x) <= 3.14159265) { return x; }
  let k = round(x * 0.15915494309189535);
  return (x - k * 6.28125) - k * 0.0019353071795864769;
}`,
  // tanh(|x| > 10) rounds to ±1 in f32; some drivers compute tanh through exp and overflow to NaN
  tanh_f32: `fn tanh_f32(a: f32) -> f32 {
  if (abs(a) > 10.0) { return select(-1.0, 1.0, a > 0.0); }
  return tanh(a);
}`,
  sigmoid_f32: `fn sigmoid_f32(a: f32) -> f32 {
  let e = exp_f32(-abs(a));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), a >= 0.0);
}`,
  // ECMAScript Number::exponentiate: integer powers of negative bases, ±0, ±Inf and NaN cases
  pow_f32: `fn pow_f32(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (is_nan(x) || is_nan(y)) { return NAN_F32(); }
  let ax = abs(x);
  let ay = abs(y);
  if (ay == INF_F32()) {
    if (ax == 1.0) { return NAN_F32(); }
    return select(0.0, INF_F32(), (ax > 1.0) == (y > 0.0));
  }
  let y_int = floor(y) == y;
  let odd = y_int && ay < 16777216.0 && (i32(ay) & 1) == 1;
  if (x < 0.0 && ax != INF_F32() && !y_int) { return NAN_F32(); }
  var m: f32;
  if (ax == 0.0) { m = select(INF_F32(), 0.0, y > 0.0); }
  else if (ax == INF_F32()) { m = select(0.0, INF_F32(), y > 0.0); }
  else if (y == 1.0) { m = ax; }
  else if (y == 2.0) { m = ax * ax; }
  else {
    // exp2's error grows with its argument: take the integer part exactly with ldexp
    let z = y * log2(ax);
    let zi = clamp(round(z), -300.0, 300.0);
    m = ldexp(exp2(z - zi), i32(zi));
  }
  return select(m, -m, odd && (bitcast<u32>(x) >> 31u) == 1u);
}`,
  relu_f32: `fn relu_f32(a: f32) -> f32 { return select(a, 0.0, a <= 0.0 && !is_nan(a)); }`,
  // GPUs may compute a / b as a * (1 / b), which flushes to 0 for |b| > 2^126: scale both first
  div_f32: `fn div_f32(a: f32, b: f32) -> f32 {
  let s = select(1.0, 0.25, abs(b) > 8.5e37);
  return (a * s) / (b * s);
}`,
  // i32 division truncates toward zero; division by zero gives 0 (ToInt32 of ±Inf/NaN), never a trap
  div_i32: `fn div_i32(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  if (b == -1) { return bitcast<i32>(0u - bitcast<u32>(a)); }
  return a / b;
}`,
  // ToInt32: truncate, then wrap modulo 2^32; NaN and ±Inf give 0
  f32_to_i32: `fn f32_to_i32(x: f32) -> i32 {
  if (abs(x) < 2147483648.0) { return i32(x); }
  let bits = bitcast<u32>(x);
  let e = (bits >> 23u) & 0xffu;
  if (e == 0xffu || e >= 182u) { return 0; }
  let m = ((bits & 0x7fffffu) | 0x800000u) << (e - 150u);
  return bitcast<i32>(select(m, 0u - m, (bits >> 31u) == 1u));
}`,
} as const;

/** A helper's name. */
export type HelperName = keyof typeof HELPERS;

const REQUIRES: Partial<Record<HelperName, readonly HelperName[]>> = { sigmoid_f32: ["exp_f32"] };

/** The prelude for a module that calls `used` helpers, each once, dependencies first. */
export function preludeFor(used: Iterable<HelperName>): string {
  const out: HelperName[] = [];
  const add = (h: HelperName) => {
    if (out.includes(h)) return;
    for (const r of REQUIRES[h] ?? []) add(r);
    out.push(h);
  };
  for (const h of used) add(h);
  return [BASE, ...out.map((h) => HELPERS[h])].join("\n");
}
