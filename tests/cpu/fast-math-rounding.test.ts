// Where fastMath loops round to f32 (packages/backend-cpu/src/fast/codegen/f32-rounding.ts): each
// rule on a graph whose result it changes (the interpreter's, f32 after every op, is the oracle),
// the fuzzer's random graphs with fastMath on, and the default code keeping one Math.fround per
// f32 op (so it stays bitwise with the interpreter).
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Graph, type HostTensor, type Tensor } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels, type Kernel, type Plan } from "@adjoint/passes";
import { PRELUDE_END } from "../../packages/backend-cpu/src/fast/fast-math";
import { lowerCpu, type CpuOptions } from "../../packages/backend-cpu/src/fast/lower";
import { MAX_LOCALS } from "../../packages/backend-cpu/src/fast/codegen/registers";
import { randomCase } from "../fuse/random-graph";
import { expectBitwise, expectClose, idsOf, planOf, random, tensor } from "./util";

/**
 * Lowers `plan` with `opts`, runs it once; outputs and generated sources. The rules are the
 * JavaScript loops', so fastMath runs without SIMD kernels unless `opts.simd` says otherwise.
 */
function run(plan: Plan, inputs: readonly HostTensor[], opts: CpuOptions): { out: HostTensor[]; sources: readonly string[] } {
  const exe = lowerCpu(plan, { simd: false, ...opts });
  try {
    return { out: exe.run(inputs), sources: exe.sources };
  } finally {
    exe.dispose();
  }
}

const fused = (g: Graph) => planKernels(fuseKernels(g));
/** The loops' Math.fround calls (after the fastMath library, when a source has it). */
const frounds = (sources: readonly string[]) => sources.map((s) => s.slice(s.indexOf(PRELUDE_END) + 1).split("Math.fround(").length - 1).reduce((a, b) => a + b, 0);

/**
 * x clamped to [-4, 4] (min and max return an operand, so it is an exact f32): a sum of two
 * stays within f32's range, so the overflow rule leaves it unrounded and the rule under test decides.
 */
const clamp = (x: Tensor) => t.minimum(t.maximum(x, -4), 4);

describe("fastMath rounding rules, each on a graph whose result it decides", () => {
  const cases: { rule: string; fn: (x: Tensor, y: Tensor) => Tensor[]; x: number[]; y: number[] }[] = [
    {
      // x·x is 1e40 as a double but +Infinity in f32: ·0, ÷ itself, log and − itself must see the infinity
      rule: "overflow: a result beyond f32's range is rounded to ±Infinity",
      fn: (x) => [t.mul(t.mul(x, x), 0), t.div(t.exp(x), t.exp(x)), t.log(t.mul(x, x)), t.sub(t.mul(x, x), t.mul(t.mul(x, x), 0.5))],
      x: [1e20, 100, -3e19, 2],
      y: [0, 0, 0, 0],
    },
    {
      // sin(1e-30)² is 1e-60 as a double but 0 in f32 (reciprocal: 1e60 overflows to ∞ as 1/0 does)
      rule: "zero: log, sqrt, rsqrt, sign and a divisor read a value that f32 flushes to 0 as 0",
      fn: (x) => {
        const s = t.sin(x), sq = t.mul(s, s);
        return [t.log(sq), t.sqrt(t.neg(sq)), t.reciprocal(sq), t.sign(sq), t.div(s, sq), t.rsqrt(sq)];
      },
      x: [1e-30, -1e-25, 0.5, 3e-23],
      y: [0, 0, 0, 0],
    },
    {
      // (3 − 2^-22) + 1.5·2^-23 is 3 − 2^-24 as a double, 3 in f32; 2 + 2^-25 is 2 in f32
      rule: "discontinuous consumers: casts and pow round their operands",
      fn: (x, y) => [t.cast(t.add(clamp(x), clamp(y)), "i32"), t.cast(t.mul(t.sin(x), t.sin(y)), "bool"), t.pow(t.full([4], -8), t.add(clamp(x), clamp(y)))],
      x: [3 - 2 ** -22, 2, 1e-30, -1],
      y: [1.5 * 2 ** -23, 2 ** -25, 1e-30, 0.5],
    },
    {
      rule: "comparisons round their operands",
      // a sum per output: a shared one would be stored, and so rounded, by fusion
      fn: (x, y) => {
        const sum = () => t.add(clamp(x), clamp(y));
        return [t.eq(sum(), 3), t.lt(sum(), 3), t.ge(sum(), 3), t.ne(sum(), t.full([4], 3))];
      },
      x: [3 - 2 ** -22, 3, 1, 3 - 2 ** -22],
      y: [1.5 * 2 ** -23, 0, 2, 1.5 * 2 ** -23],
    },
  ];
  for (const c of cases) {
    it(c.rule, () => {
      const g = trace((x: Tensor, y: Tensor) => c.fn(x, y), [spec([4]), spec([4])]);
      const inputs = [tensor("f32", [4], c.x), tensor("f32", [4], c.y)];
      const plan = fused(g);
      // elementwise kernels storing only the outputs: every intermediate stays in a loop
      expect(plan.kernels.every((k) => k.loop.kind === "elementwise")).toBe(true);
      expect(plan.kernels.flatMap((k) => k.stores).sort()).toEqual([...g.outputs].sort());
      const { out } = run(plan, inputs, { fastMath: true });
      // the interpreter's values are exact results of f32 ops here (0, ±∞, NaN, small integers, 1 or 2 ulps of sin)
      interpret(g, inputs).forEach((want, i) => expectClose(out[i], want, 1e-6, `output ${i}`));
      interpret(g, inputs).forEach((want, i) => {
        for (let k = 0; k < 4; k++) {
          const e = want.data[k];
          if (!Number.isFinite(e) || e === 0) expect(Object.is(out[i].data[k], e), `output ${i} element ${k}: ${out[i].data[k]}, interpreter ${e}`).toBe(true);
        }
      });
    });
  }
});

/**
 * y = sin(x)·3 per row, its max, and the mask eq(y, max): reduce_max's VJP mask. Kernel 0 folds y
 * computed inline into the max; kernel 1 computes y inline again and compares it with the stored
 * max, so the comparison's operand is a double the loop never rounded.
 */
function maskPlan(rows: number, cols: number): { g: Graph; plan: Plan } {
  const g = trace((x: Tensor) => {
    const y = t.mul(t.sin(x), 3);
    const m = t.max(y, 1, { keepdims: true });
    return [m, t.cast(t.eq(y, m), "f32")];
  }, [spec([rows, cols])]);
  const [sin] = idsOf(g, "sin"), [mul] = idsOf(g, "mul"), [max] = idsOf(g, "reduce_max"), [bm] = idsOf(g, "broadcast");
  const [eq] = idsOf(g, "eq"), [cast] = idsOf(g, "cast");
  const kernels: Kernel[] = [
    {
      id: 0, loop: { kind: "reduce", domain: [rows, 1], reduce: [cols], prologue: [sin, mul], reducer: max, epilogue: [] },
      nodes: [sin, mul, max], loads: new Map([[0, { source: 0, strides: [cols, 0, 1], offset: 0 }]]), stores: [max],
    },
    {
      id: 1, loop: { kind: "elementwise", domain: [rows, cols] }, nodes: [sin, mul, eq, cast],
      loads: new Map([[0, { source: 0, strides: [cols, 1], offset: 0 }], [bm, { source: max, strides: [1, 0], offset: 0 }]]), stores: [cast],
    },
  ];
  return { g, plan: planOf(g, kernels) };
}

describe("reduce_max's mask under fastMath", () => {
  it("finds every row's maximum when the compared value is computed inline in both kernels", () => {
    const { g, plan } = maskPlan(64, 17);
    const x = random([64, 17], 11);
    const { out, sources } = run(plan, [x], { fastMath: true });
    expect(sources[1], "kernel 1 computes y in the loop").toMatch(/const v\d+ = \(v\d+ \* k\d+\);/);
    const [m, mask] = interpret(g, [x]);
    expectBitwise(out[1], mask, "mask");
    expectClose(out[0], m, 1.2e-7, "max");
    for (let r = 0; r < 64; r++) expect(Array.from(out[1].data.slice(r * 17, r * 17 + 17)).reduce((a, b) => a + b), `row ${r}'s ones`).toBe(1);
  });

  it("finds it when one kernel loads a stored operand of the compared value and another recomputes it", () => {
    // v = sin(x)·1.1 is stored by kernel 0; kernel 1 recomputes v and w = v·0.7 inline into the
    // max; kernel 2 loads v and compares its w with the max. v is rounded where computed (memory
    // rule), so both kernels' w agree; unrounded, some rows' w would differ by double rounding.
    const rows = 256, cols = 9;
    const g = trace((x: Tensor) => {
      const v = t.mul(t.sin(x), 1.1);
      const w = t.mul(v, 0.7);
      const m = t.max(w, 1, { keepdims: true });
      return [v, t.cast(t.eq(w, m), "f32")];
    }, [spec([rows, cols])]);
    const [sin] = idsOf(g, "sin"), [v, w] = idsOf(g, "mul"), [max] = idsOf(g, "reduce_max"), [bm] = idsOf(g, "broadcast");
    const [eq] = idsOf(g, "eq"), [cast] = idsOf(g, "cast");
    const xs = { source: 0, strides: [cols, 1], offset: 0 };
    const kernels: Kernel[] = [
      { id: 0, loop: { kind: "elementwise", domain: [rows, cols] }, nodes: [sin, v], loads: new Map([[0, xs]]), stores: [v] },
      {
        id: 1, loop: { kind: "reduce", domain: [rows, 1], reduce: [cols], prologue: [sin, v, w], reducer: max, epilogue: [] },
        nodes: [sin, v, w, max], loads: new Map([[0, { source: 0, strides: [cols, 0, 1], offset: 0 }]]), stores: [max],
      },
      {
        id: 2, loop: { kind: "elementwise", domain: [rows, cols] }, nodes: [w, eq, cast],
        loads: new Map([[v, { source: v, strides: [cols, 1], offset: 0 }], [bm, { source: max, strides: [1, 0], offset: 0 }]]), stores: [cast],
      },
    ];
    const x = random([rows, cols], 12);
    const { out } = run(planOf(g, kernels), [x], { fastMath: true });
    expectBitwise(out[1], interpret(g, [x])[1], "mask");
  });
});

describe("fastMath in a body long enough to share locals (codegen/registers.ts)", () => {
  it(`a chain of ${4 * (MAX_LOCALS + 100)} ops with a rounded comparison operand per step`, () => {
    const g = trace((x: Tensor) => {
      let y = x;
      for (let i = 0; i < MAX_LOCALS + 100; i++) {
        const s = t.mul(t.sin(y), 1 + i * 1e-4);
        y = t.where(t.gt(s, 5), y, s); // never true: |s| < 1.3, but s is compared unrounded
      }
      return y;
    }, [spec([3, 5])]);
    const x = random([3, 5], 7);
    const { out, sources } = run(fused(g), [x], { fastMath: true });
    expect(sources[0]).toMatch(/^let t0/m); // the long-body path
    expect(sources[0]).toMatch(/ = Math\.fround\(t\d+\);/); // the comparison's operand, on a shared local
    // sin contracts, so the chain's roundings do not pile up: 1e-6 of the interpreter's values
    expectClose(out[0], interpret(g, [x])[0], 1e-6, "output");
  });
});

describe("fastMath on the fuzzer's random graphs", () => {
  it("fused, scheduled and memory-planned: 150 seeds within 1e-5 of the interpreter", () => {
    // the default fuzz test's tolerance (relative to each result's largest magnitude): fast
    // transcendentals are within 1 ulp and doubles only remove roundings (worst seen over seeds 1–4000: 7.8e-7)
    for (let seed = 1; seed <= 150; seed++) {
      const c = randomCase(seed);
      const plan = planKernels(fuseKernels(c.graph, { maxBuffers: c.maxBuffers, materialize: c.materialize }), { alignment: 64 });
      const want = interpret(c.graph, c.inputs);
      run(plan, c.inputs, { fastMath: true }).out.forEach((got, i) => expectClose(got, want[i], 1e-5, `seed ${seed} output ${i}`));
    }
  });

  it("on two threads: 20 seeds", () => {
    for (let seed = 2000; seed < 2020; seed++) {
      const c = randomCase(seed);
      const want = interpret(c.graph, c.inputs);
      run(fused(c.graph), c.inputs, { fastMath: true, threads: 2 }).out.forEach((got, i) => expectClose(got, want[i], 1e-5, `seed ${seed} output ${i}`));
    }
  });

  it("with SIMD kernels (and SIMD matmul epilogues), on 1 and 2 threads: 150 seeds", () => {
    let simd = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const c = randomCase(seed);
      const plan = planKernels(fuseKernels(c.graph, { maxBuffers: c.maxBuffers, materialize: c.materialize }), { alignment: 64 });
      const want = interpret(c.graph, c.inputs);
      const exe = lowerCpu(plan, { fastMath: true, simd: true, threads: seed % 2 ? 1 : 2 });
      try {
        simd += exe.simdKernels;
        exe.run(c.inputs).forEach((got, i) => expectClose(got, want[i], 1e-5, `seed ${seed} output ${i}`));
      } finally {
        exe.dispose();
      }
    }
    expect(simd, "SIMD kernels over the 150 seeds").toBeGreaterThan(100);
  });
});

describe("Math.fround counts: one per f32 op by default, only where a rule asks with fastMath", () => {
  // expected counts are read off each graph by hand: ops whose result is an operand (neg, max,
  // where, ...) need no rounding by default; with fastMath only stores, overflow and the rules above
  const cases: { name: string; graph: () => Graph; plain: number; fast: number }[] = [
    {
      // default: sin, cos, mul, tanh, mul, add; fastMath: the stored add (sin·cos + tanh/2 is within ±1.5)
      name: "sin·cos + tanh·0.5",
      graph: () => trace((x: Tensor) => t.add(t.mul(t.sin(x), t.cos(x)), t.mul(t.tanh(x), 0.5)), [spec([64])]),
      plain: 6,
      fast: 1,
    },
    {
      // default: sin, exp, the sum, the epilogue's mul; fastMath: the sum and the stored mul
      name: "Σ exp(sin x) · 2 over rows",
      graph: () => trace((x: Tensor) => t.mul(t.sum(t.exp(t.sin(x)), 1), 2), [spec([8, 16])]),
      plain: 4,
      fast: 2,
    },
    {
      // default: exp, mul (neg is exact); fastMath: exp (unbounded) and mul (may overflow), and
      // then the stored neg of a rounded value is exact
      name: "−(exp(x)·y)",
      graph: () => trace((x: Tensor, y: Tensor) => t.neg(t.mul(t.exp(x), y)), [spec([64]), spec([64])]),
      plain: 2,
      fast: 2,
    },
    {
      // where, neg and max return operands; gt's operands are loads: nothing to round either way
      name: "where(x > y, −x, max(x, y))",
      graph: () => trace((x: Tensor, y: Tensor) => t.where(t.gt(x, y), t.neg(x), t.maximum(x, y)), [spec([64]), spec([64])]),
      plain: 0,
      fast: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const g = c.graph(), plan = fused(g);
      expect(plan.kernels.length).toBe(1);
      const inputs = g.inputs.map((i, k) => random(i.type.shape, 30 + k));
      const plain = run(plan, inputs, {}), fast = run(plan, inputs, { fastMath: true });
      expect(frounds(plain.sources), plain.sources.join("\n")).toBe(c.plain);
      expect(frounds(fast.sources), fast.sources.join("\n")).toBe(c.fast);
      interpret(g, inputs).forEach((want, i) => {
        expectBitwise(plain.out[i], want, `default output ${i}`);
        expectClose(fast.out[i], want, 1e-6, `fastMath output ${i}`);
      });
    });
  }
});
