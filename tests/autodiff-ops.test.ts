// Every primitive op's derivative rules, checked against f64 central finite differences.
import { describe, expect, it } from "vitest";
import { t, type OpName, type Tensor } from "@adjoint/ir";
import { gradcheck, seededRandom, type ArgLike } from "adjoint";

interface Case {
  /** A function exercising the op, differentiable in its f32 inputs. */
  readonly fn: (...xs: Tensor[]) => Tensor;
  /** Input shapes and value range (all f32 unless an explicit tensor is given). */
  readonly inputs: readonly (readonly number[] | { readonly shape: readonly number[]; readonly dtype: "i32"; readonly data: readonly number[] })[];
  readonly range?: readonly [number, number];
}

/** Ops whose output has no tangent; their zero-gradient is tested separately. */
type NonDiff = { readonly nondiff: string };

const ew2 = (fn: (a: Tensor, b: Tensor) => Tensor): Case => ({ fn: (a, b) => fn(a, b), inputs: [[2, 3], [2, 3]] });
const ew1 = (fn: (a: Tensor) => Tensor, range?: readonly [number, number]): Case => ({ fn, inputs: [[2, 3]], range });

// Keyed by OpName so that adding an op without a derivative test is a compile error.
const cases: Record<OpName, Case | NonDiff> = {
  constant: { nondiff: "a constant has zero tangent" },
  full: { nondiff: "a constant has zero tangent" },
  iota: { nondiff: "integer output" },
  neg: ew1(t.neg),
  abs: ew1(t.abs, [0.2, 2]),
  sign: { nondiff: "piecewise constant" },
  exp: ew1(t.exp),
  log: ew1(t.log, [0.2, 3]),
  sin: ew1(t.sin),
  cos: ew1(t.cos),
  tanh: ew1(t.tanh),
  sigmoid: ew1(t.sigmoid),
  relu: ew1(t.relu, [0.1, 2]),
  sqrt: ew1(t.sqrt, [0.2, 3]),
  rsqrt: ew1(t.rsqrt, [0.2, 3]),
  reciprocal: ew1(t.reciprocal, [0.3, 3]),
  add: ew2(t.add),
  sub: ew2(t.sub),
  mul: ew2(t.mul),
  div: { fn: (a, b) => t.div(a, t.add(t.abs(b), 0.5)), inputs: [[2, 3], [2, 3]] },
  pow: { fn: (a, b) => t.pow(t.add(t.abs(a), 0.5), b), inputs: [[2, 3], [2, 3]] },
  max: ew2(t.maximum),
  min: ew2(t.minimum),
  eq: { nondiff: "boolean output" },
  ne: { nondiff: "boolean output" },
  lt: { nondiff: "boolean output" },
  le: { nondiff: "boolean output" },
  gt: { nondiff: "boolean output" },
  ge: { nondiff: "boolean output" },
  where: { fn: (c, a, b) => t.where(t.gt(c, 0), a, b), inputs: [[2, 3], [2, 3], [2, 3]] },
  cast: { fn: (a) => t.add(t.cast(t.cast(a, "i32"), "f32"), a), inputs: [[2, 3]] },
  stop_gradient: { nondiff: "zero derivative by definition, which finite differences cannot see (autodiff-transforms.test.ts)" },
  reduce_sum: { fn: (a) => t.sum(a, [0, 2], { keepdims: true }), inputs: [[2, 3, 4]] },
  reduce_max: { fn: (a) => t.max(a, 1), inputs: [[3, 4]] },
  broadcast: { fn: (a) => t.broadcastTo(a, [4, 2, 3]), inputs: [[2, 1]] },
  reshape: { fn: (a) => t.reshape(a, [3, 2]), inputs: [[2, 3]] },
  transpose: { fn: (a) => t.transpose(a, [2, 0, 1]), inputs: [[2, 3, 4]] },
  slice: { fn: (a) => t.slice(a, [1, 0], [3, 2]), inputs: [[4, 3]] },
  pad: { fn: (a) => t.pad(a, [1, 0], [2, 1], 3), inputs: [[2, 3]] },
  concat: { fn: (a, b) => t.concat([a, b, a], 1), inputs: [[2, 3], [2, 1]] },
  matmul: { fn: (a, b) => t.matmul(a, b), inputs: [[2, 3, 4], [4, 5]] },
  gather: { fn: (x, i) => t.take(x, i, 1), inputs: [[3, 4], { shape: [2, 2], dtype: "i32", data: [0, 3, 3, 1] }] },
  scatter_add: { fn: (u, i) => t.scatterAdd(u, i, 0, 4), inputs: [[3, 2], { shape: [3], dtype: "i32", data: [1, 1, 3] }] },
  custom_vjp: { fn: (a) => t.logSumExp(a), inputs: [[2, 3]] }, // exercised for real in custom-vjp.test.ts
};

function inputsFor(c: Case, seed: number): ArgLike[] {
  const rand = seededRandom(seed);
  const [lo, hi] = c.range ?? [-2, 2];
  return c.inputs.map((s) =>
    Array.isArray(s)
      ? { shape: s, dtype: "f32" as const, data: Float32Array.from({ length: s.reduce((a: number, b: number) => a * b, 1) }, () => lo + ((rand() + 1) / 2) * (hi - lo)) }
      : (s as ArgLike),
  );
}

describe("gradcheck of every primitive op at random points", () => {
  for (const [op, c] of Object.entries(cases)) {
    if ("nondiff" in c) continue;
    it(op, () => {
      for (const seed of [1, 2, 3]) {
        const r = gradcheck(c.fn, inputsFor(c, seed * 7919 + op.length));
        expect(r.ok, r.message).toBe(true);
        expect(r.checked).toBeGreaterThan(0);
      }
    });
  }
});

describe("composites", () => {
  const x = (shape: number[], seed = 5) => inputsFor({ fn: t.neg, inputs: [shape] }, seed)[0];
  const labels = { shape: [3], dtype: "i32" as const, data: [2, 0, 1] };
  it.each([
    ["softmax", (a: Tensor) => t.softmax(a, -1)],
    ["softmax axis 0", (a: Tensor) => t.softmax(a, 0)],
    ["logSoftmax", (a: Tensor) => t.logSoftmax(a)],
    ["layerNorm", (a: Tensor) => t.layerNorm(a)],
    ["gelu", (a: Tensor) => t.gelu(a)],
    ["mean", (a: Tensor) => t.mean(a, 0)],
    ["min", (a: Tensor) => t.min(a, 1)],
  ])("%s", (_, fn) => {
    const r = gradcheck(fn, [x([3, 4])]);
    expect(r.ok, r.message).toBe(true);
  });
  it("layerNorm with gamma and beta", () => {
    const r = gradcheck((a, g, b) => t.layerNorm(a, g, b), [x([3, 4]), x([4], 6), x([4], 7)]);
    expect(r.ok, r.message).toBe(true);
  });
  it("crossEntropy with integer labels", () => {
    const r = gradcheck((logits, y) => t.crossEntropy(logits, y), [x([3, 4]), labels]);
    expect(r.ok, r.message).toBe(true);
  });
});

describe("random compositions of ops", () => {
  const unary: ((a: Tensor) => Tensor)[] = [t.tanh, t.sin, t.sigmoid, (a) => t.mul(a, a), t.exp, (a) => t.log(t.add(t.mul(a, a), 1)), t.gelu];
  const binary: ((a: Tensor, b: Tensor) => Tensor)[] = [t.add, t.sub, t.mul, (a, b) => t.div(a, t.add(t.mul(b, b), 1)), (a, b) => t.matmul(a, t.transpose(b))];
  for (let seed = 1; seed <= 12; seed++) {
    it(`program ${seed}`, () => {
      const rand = seededRandom(seed);
      const pick = <T,>(xs: T[]) => xs[Math.floor(((rand() + 1) / 2) * xs.length)];
      const steps = Array.from({ length: 6 }, () => ({ u: pick(unary), b: pick(binary), which: rand() > 0 }));
      const fn = (a: Tensor, b: Tensor) => {
        let x = a, y = b;
        for (const s of steps) {
          const z = s.which ? s.u(x) : s.b(x, y);
          y = x;
          x = t.mul(z, 0.5); // keep magnitudes moderate
        }
        return t.sum(t.mul(x, t.add(y, 1)));
      };
      const r = gradcheck(fn, [x3(seed), x3(seed + 100)], { rtol: 1e-3 });
      expect(r.ok, r.message).toBe(true);
    });
  }
  function x3(seed: number) {
    return inputsFor({ fn: t.neg, inputs: [[3, 3]] }, seed)[0];
  }
});
