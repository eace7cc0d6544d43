// Elementwise semantics at the edges, against the interpreter: NaN, ±Inf, ±0, subnormals,
// huge and tiny values, i32 extremes, division by zero and f32 → i32 wrap-around. One
// elementwise kernel per op; every pair of special values for the binary ops.
import { describe, it } from "vitest";
import { t, trace, type DType, type HostTensor, type Tensor } from "@adjoint/ir";
import { checkPlan, RTOL, TRANSCENDENTAL_RTOL, TRIG_RTOL } from "./compare";
import { testBackend } from "./gpu";
import { simplePlan } from "./plans";

// No subnormals: WGSL lets implementations flush them to zero, and SwiftShader does.
const F = [0, -0, 1, -1, 0.5, -2.5, 3, 7, 100, -100, 1e-30, 1e30, 3e38, Infinity, -Infinity, NaN, 88.5, 89, -104, -110, Math.PI, 2.5e-8, 20, 12345.678];
/** sin and cos are accurate for |x| < 1e5 (argument reduction in f32); beyond, GPUs give no guarantee. */
const TRIG = F.filter((x) => !(Math.abs(x) >= 1e5 && Number.isFinite(x)));
const I = [0, 1, -1, 2, -7, 7, 100, 2147483647, -2147483648, 65536, -65536, 123456789];

const tensor = (dtype: DType, values: readonly number[]): HostTensor =>
  ({ shape: [values.length], dtype, data: dtype === "f32" ? Float32Array.from(values) : Int32Array.from(values) });
/** Every (a, b) pair of `values`, as two flat tensors. */
function pairs(dtype: DType, values: readonly number[]): [HostTensor, HostTensor] {
  const a: number[] = [], b: number[] = [];
  for (const x of values) for (const y of values) (a.push(x), b.push(y));
  return [tensor(dtype, a), tensor(dtype, b)];
}

type Unary = (x: Tensor) => Tensor;
type Binary = (x: Tensor, y: Tensor) => Tensor;
const UNARY_F32: Record<string, [Unary, number]> = {
  neg: [t.neg, RTOL], abs: [t.abs, RTOL], sign: [t.sign, RTOL], relu: [t.relu, RTOL], reciprocal: [t.reciprocal, RTOL],
  exp: [t.exp, TRANSCENDENTAL_RTOL], log: [t.log, TRANSCENDENTAL_RTOL], sin: [t.sin, TRIG_RTOL], cos: [t.cos, TRIG_RTOL],
  tanh: [t.tanh, TRANSCENDENTAL_RTOL], sigmoid: [t.sigmoid, TRANSCENDENTAL_RTOL], sqrt: [t.sqrt, TRANSCENDENTAL_RTOL], rsqrt: [t.rsqrt, TRANSCENDENTAL_RTOL],
  "cast to i32": [(x) => t.cast(x, "i32"), 0], "cast to bool": [(x) => t.cast(x, "bool"), 0],
};
const BINARY: Record<string, Binary> = {
  add: t.add, sub: t.sub, mul: t.mul, div: t.div, max: t.maximum, min: t.minimum,
  eq: t.eq, ne: t.ne, lt: t.lt, le: t.le, gt: t.gt, ge: t.ge,
};

async function check(name: string, fn: (...xs: Tensor[]) => Tensor, inputs: HostTensor[], rtol: number): Promise<void> {
  const graph = trace(fn as never, inputs.map((x) => ({ shape: x.shape, dtype: x.dtype })));
  await checkPlan(await testBackend(), graph, simplePlan(graph), inputs, rtol, name);
}

describe("f32 special values", () => {
  for (const [name, [fn, rtol]] of Object.entries(UNARY_F32)) {
    it(name, () => check(name, fn, [tensor("f32", name === "sin" || name === "cos" ? TRIG : F)], rtol));
  }
  for (const [name, fn] of Object.entries(BINARY)) it(name, () => check(name, fn, pairs("f32", F), RTOL));
  it("pow", () => check("pow", t.pow, pairs("f32", F.filter((x) => Math.abs(x) < 1e29 || !Number.isFinite(x))), TRANSCENDENTAL_RTOL));
  it("where", () => check("where", (c, a, b) => t.where(t.gt(c, 0), a, b), [tensor("f32", F), tensor("f32", F.map((x) => x * 2)), tensor("f32", F.map((x) => -x))], 0));
});

describe("i32 extremes", () => {
  for (const [name, fn] of Object.entries({ neg: t.neg, abs: t.abs, sign: t.sign, relu: t.relu, "cast to f32": (x: Tensor) => t.cast(x, "f32"), "cast to bool": (x: Tensor) => t.cast(x, "bool") })) {
    it(name, () => check(name, fn, [tensor("i32", I)], 0));
  }
  // add/sub wrap like Int32Array stores; mul is left out: the interpreter multiplies in doubles, which loses bits above 2^53
  for (const [name, fn] of Object.entries({ add: t.add, sub: t.sub, div: t.div, max: t.maximum, min: t.minimum, eq: t.eq, lt: t.lt, ge: t.ge })) {
    it(`${name} (division by zero gives 0)`, () => check(name, fn as Binary, pairs("i32", I), 0));
  }
  it("mul of small values", () => check("mul", t.mul, pairs("i32", I.filter((x) => Math.abs(x) <= 65536)), 0));
});
