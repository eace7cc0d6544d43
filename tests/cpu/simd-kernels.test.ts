// Fused kernels lowered to wasm SIMD under fastMath (packages/backend-cpu/src/fast/wasm/simd-*.ts),
// against the reference interpreter: every supported op, which kernels take the path and which
// keep their JavaScript loop, tails (n % 4), broadcasts, reductions, special values, threads.
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Graph, type HostTensor, type Tensor } from "@adjoint/ir";
import { valueAndGrad } from "adjoint";
import { interpret } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { lowerCpu, type CpuOptions } from "../../packages/backend-cpu/src/fast/lower";
import { MAX_ULP } from "../../packages/backend-cpu/src/fast/wasm/simd-math";
import { expectBitwise, expectClose, random, tensor } from "./util";

/** Fuses, plans and runs `g` once with `opts` (fastMath on unless said); outputs and the SIMD kernel count. */
function run(g: Graph, inputs: readonly HostTensor[], opts: CpuOptions = {}): { out: HostTensor[]; simd: number; kernels: number; sources: readonly string[] } {
  const exe = lowerCpu(planKernels(fuseKernels(g), { alignment: 64 }), { fastMath: true, ...opts });
  try {
    return { out: exe.run(inputs), simd: exe.simdKernels, kernels: exe.kernels, sources: exe.sources };
  } finally {
    exe.dispose();
  }
}

const bits = new Int32Array(1), f32 = new Float32Array(bits.buffer);
const ordered = (v: number) => ((f32[0] = v), bits[0] < 0 ? -2147483648 - bits[0] : bits[0]);
/** Every element within `ulp` f32 ulps of the interpreter's (NaN matches NaN; ±∞ and ±0 exactly). */
function expectUlps(got: HostTensor, want: HostTensor, ulp: number, what: string): void {
  expect(got.data.length).toBe(want.data.length);
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i], e = want.data[i];
    const ok = Number.isFinite(e) && e !== 0 ? Number.isFinite(a) && Math.abs(ordered(a) - ordered(e)) <= ulp : Object.is(a, e) || (e === 0 && a === 0 && ulp > 0 && Math.abs(ordered(a) - ordered(e)) <= ulp);
    if (!ok) expect.fail(`${what} element ${i}: got ${a}, interpreter gives ${e}`);
  }
}

/** Arguments that exercise an op: random values plus NaN, ±Inf, ±0, tiny, huge. */
function withSpecials(n: number, seed: number, scale: number): HostTensor {
  const r = random([n], seed);
  const data = Float32Array.from(r.data, (v) => v * scale);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-40, 3e38, -3e38, 1, -1, 0.5];
  specials.forEach((v, i) => (data[(i * 7) % n] = v));
  return tensor("f32", [n], data);
}

const N = 1003; // 250 vectors and a tail of 3
type Case = { name: string; fn: (x: Tensor, y: Tensor) => Tensor; ulp: number; scale?: number };
const CASES: Case[] = [
  // +, −, ×, ÷, √ of f32 operands are correctly rounded in f32x4 as in the interpreter: bitwise
  { name: "add", fn: (x, y) => t.add(x, y), ulp: 0 },
  { name: "sub", fn: (x, y) => t.sub(x, y), ulp: 0 },
  { name: "mul", fn: (x, y) => t.mul(x, y), ulp: 0 },
  { name: "div", fn: (x, y) => t.div(x, y), ulp: 0 },
  { name: "neg", fn: (x) => t.neg(x), ulp: 0 },
  { name: "abs", fn: (x) => t.abs(x), ulp: 0 },
  { name: "max", fn: (x, y) => t.maximum(x, y), ulp: 0 },
  { name: "min", fn: (x, y) => t.minimum(x, y), ulp: 0 },
  { name: "sqrt", fn: (x) => t.sqrt(x), ulp: 0 },
  { name: "relu", fn: (x) => t.relu(x), ulp: 0 },
  { name: "sign", fn: (x) => t.sign(x), ulp: 0 },
  { name: "reciprocal", fn: (x) => t.reciprocal(x), ulp: 0 },
  // the interpreter rounds 1/√x once, f32x4 twice
  { name: "rsqrt", fn: (x) => t.rsqrt(x), ulp: 1 },
  { name: "exp", fn: (x) => t.exp(x), ulp: MAX_ULP.exp, scale: 100 },
  { name: "log", fn: (x) => t.log(x), ulp: MAX_ULP.log, scale: 1e3 },
  { name: "sin", fn: (x) => t.sin(x), ulp: MAX_ULP.sin, scale: 50 },
  { name: "cos", fn: (x) => t.cos(x), ulp: MAX_ULP.cos, scale: 50 },
  { name: "tanh", fn: (x) => t.tanh(x), ulp: MAX_ULP.tanh, scale: 10 },
  { name: "sigmoid", fn: (x) => t.sigmoid(x), ulp: MAX_ULP.sigmoid, scale: 100 },
  { name: "where(gt) and casts", fn: (x, y) => t.add(t.where(t.gt(x, y), x, t.mul(y, 2)), t.cast(t.cast(x, "bool"), "f32")), ulp: 0 },
  { name: "comparisons cast to f32", fn: (x, y) => t.add(t.add(t.cast(t.eq(x, y), "f32"), t.cast(t.le(x, 0.5), "f32")), t.add(t.cast(t.ne(x, x), "f32"), t.cast(t.ge(y, x), "f32"))), ulp: 0 },
];

describe("every supported op through the SIMD path, against the interpreter", () => {
  for (const c of CASES) {
    it(`${c.name} (${N} points, specials included), within ${c.ulp} ulp`, () => {
      const g = trace((x: Tensor, y: Tensor) => c.fn(x, y), [spec([N]), spec([N])]);
      const inputs = [withSpecials(N, 1, c.scale ?? 4), withSpecials(N, 2, c.scale ?? 4)];
      inputs[1].data.reverse(); // specials meet other values
      const { out, simd, kernels } = run(g, inputs);
      expect(simd, "the kernel runs as wasm SIMD").toBe(kernels);
      expectUlps(out[0], interpret(g, inputs)[0], c.ulp, c.name);
    });
  }
});

describe("which kernels take the SIMD path", () => {
  const x = random([8, 12], 3);
  it("a contiguous elementwise kernel does; the same without fastMath, or with simd: false, does not", () => {
    const g = trace((a: Tensor) => t.exp(t.mul(a, 2)), [spec([8, 12])]);
    const on = run(g, [x]);
    expect(on.simd).toBe(1);
    expect(on.sources[0]).toContain("runs as wasm SIMD");
    expect(run(g, [x], { simd: false }).simd).toBe(0);
    const plain = run(g, [x], { fastMath: false });
    expect(plain.simd).toBe(0);
    expect(plain.sources.join("\n")).not.toContain("wasm SIMD");
    expectBitwise(plain.out[0], interpret(g, [x])[0], "default path unchanged");
  });
  it("a transposed read (stride 12 along the inner loop) does not, and still agrees", () => {
    const g = trace((a: Tensor) => t.exp(t.transpose(a, [1, 0])), [spec([8, 12])]);
    const r = run(g, [x]);
    expect(r.simd).toBe(0);
    expectClose(r.out[0], interpret(g, [x])[0], 1e-6);
  });
  it("an op outside the set (pow) or an i32 value keeps the JavaScript loop", () => {
    expect(run(trace((a: Tensor) => t.pow(a, t.add(a, 1)), [spec([8, 12])]), [x]).simd).toBe(0);
    const gi = trace((a: Tensor) => t.add(t.cast(a, "i32"), 1), [spec([8, 12])]);
    expect(run(gi, [x]).simd).toBe(0);
  });
});

describe("tails, broadcasts and reductions", () => {
  for (const n of [1, 3, 4, 5, 4 * 257 + 3]) {
    it(`n = ${n}: elementwise and a full sum`, () => {
      const g = trace((a: Tensor, b: Tensor) => [t.mul(t.sin(a), b), t.sum(t.mul(t.cos(a), b))], [spec([n]), spec([n])]);
      const inputs = [random([n], n), random([n], n + 1)];
      const r = run(g, inputs);
      expect(r.simd).toBe(r.kernels);
      const want = interpret(g, inputs);
      expectUlps(r.out[0], want[0], 3, "sin·b");
      expectClose(r.out[1], want[1], 1e-5, "Σ cos·b");
    });
  }
  it("row and column broadcasts (outer strides 0 and 1 around a contiguous inner run) and a scalar", () => {
    const g = trace((m: Tensor, row: Tensor, col: Tensor) => t.add(t.mul(m, row), t.sub(col, 0.25)), [spec([7, 13]), spec([13]), spec([7, 1])]);
    const inputs = [random([7, 13], 4), random([13], 5), random([7, 1], 6)];
    const r = run(g, inputs);
    expect(r.simd).toBe(r.kernels);
    expectBitwise(r.out[0], interpret(g, inputs)[0], "broadcasts");
  });
  it("row sums with an epilogue, a row max and the layer-norm pattern (rows of 10 and 131)", () => {
    for (const cols of [10, 131]) {
      const g = trace((a: Tensor) => {
        const m = t.max(a, 1, { keepdims: true });
        const s = t.sum(t.exp(t.sub(a, m)), 1, { keepdims: true });
        const mean = t.div(t.sum(a, 1, { keepdims: true }), cols);
        const v = t.sum(t.mul(t.sub(a, mean), t.sub(a, mean)), 1, { keepdims: true });
        return [m, t.log(s), t.rsqrt(t.add(v, 1e-5))];
      }, [spec([33, cols])]);
      const inputs = [random([33, cols], cols)];
      const r = run(g, inputs);
      expect(r.simd, `cols ${cols}: every reduction is SIMD`).toBeGreaterThanOrEqual(3);
      const want = interpret(g, inputs);
      expectBitwise(r.out[0], want[0], "row max");
      expectClose(r.out[1], want[1], 1e-5, "log Σ exp");
      expectClose(r.out[2], want[2], 1e-5, "rsqrt var");
    }
  });
  it("a 2^20-term sum (W4's size) within 1e-5 of the interpreter: f64x2 partial sums", () => {
    const n = 1 << 20;
    const g = trace((a: Tensor) => t.sum(t.add(t.mul(t.sin(a), t.cos(a)), t.exp(t.neg(t.mul(a, a))))), [spec([n])]);
    const x = random([n], 41);
    x.data.forEach((v, i) => (x.data[i] = v * 3));
    const r = run(g, [x]);
    expect(r.simd).toBe(1);
    expectClose(r.out[0], interpret(g, [x])[0], 1e-6, "sum");
  });
  it("one-point reductions over rows with a per-row broadcast (two loops into one accumulator), with an epilogue", () => {
    for (const cols of [10, 3, 17]) {
      const g = trace((a: Tensor, c: Tensor) => {
        const d = t.sub(a, c);
        return [t.mul(t.sum(t.mul(d, d)), -0.5), t.max(t.mul(a, c)), t.exp(d)];
      }, [spec([33, cols]), spec([33, 1])]);
      const inputs = [random([33, cols], cols + 40), random([33, 1], cols + 41)];
      const r = run(g, inputs);
      const want = interpret(g, inputs);
      expect(r.simd, `cols ${cols}: ${r.simd} of ${r.kernels}`).toBe(r.kernels);
      expectClose(r.out[0], want[0], 1e-6, "−½ Σ d²");
      expectBitwise(r.out[1], want[1], "max");
      expectUlps(r.out[2], want[2], MAX_ULP.exp, "exp d");
    }
  });

  it("a reduce_max over rows with NaN and ±Infinity lanes", () => {
    const data = random([4, 9], 8).data as Float32Array;
    data[3] = NaN;
    data[9 + 8] = Infinity;
    data.fill(-Infinity, 18, 27);
    const x = tensor("f32", [4, 9], data);
    const g = trace((a: Tensor) => t.max(t.mul(a, 2), 1), [spec([4, 9])]);
    const r = run(g, [x]);
    expect(r.simd).toBe(1);
    expectBitwise(r.out[0], interpret(g, [x])[0], "max");
  });
});

describe("a gelu layer's forward and backward (the tanh approximation)", () => {
  it("valueAndGrad(Σ gelu(x)·w): the loss (a one-point sum over rows with w broadcast) and dx run as SIMD, within 1e-5", () => {
    const loss = (x: Tensor, w: Tensor) => t.sum(t.mul(t.gelu(x), w));
    const g = trace(valueAndGrad(loss, { argnums: [0, 1] }) as (x: Tensor, w: Tensor) => Tensor[], [spec([37, 29]), spec([29])]);
    const inputs = [random([37, 29], 21), random([29], 22)];
    inputs[0].data.forEach((v, i) => (inputs[0].data[i] = v * 6));
    const r = run(g, inputs);
    // dw sums columns (a strided inner loop) and keeps its JavaScript loop
    expect(r.simd, `${r.simd} of ${r.kernels} kernels`).toBeGreaterThanOrEqual(2);
    interpret(g, inputs).forEach((want, i) => expectClose(r.out[i], want, 1e-5, `output ${i}`));
  });
});

describe("matmul epilogues", () => {
  it("bias + gelu after a GEMM, and its backward, run their epilogues as SIMD within 1e-5", () => {
    const gelu = (x: Tensor) => t.mul(t.mul(x, 0.5), t.add(t.tanh(t.mul(t.add(x, t.mul(t.mul(t.mul(x, x), x), 0.044715)), 0.7978845608)), 1));
    const f = (x: Tensor, w: Tensor, b: Tensor) => t.sum(gelu(t.add(t.matmul(x, w), b)));
    const g = trace(valueAndGrad(f, { argnums: [0, 1, 2] }) as never, [spec([37, 24]), spec([24, 43]), spec([43])]);
    const inputs = [random([37, 24], 31), random([24, 43], 32), random([43], 33)];
    const plan = planKernels(fuseKernels(g), { alignment: 64 });
    const exe = lowerCpu(plan, { fastMath: true });
    try {
      const matmuls = plan.kernels.filter((k) => k.loop.kind === "matmul" && k.loop.epilogue.length > 0).map((k) => k.id);
      const simdEpilogues = matmuls.filter((id) => exe.sources.some((s) => s.includes(`// kernel ${id} runs as wasm SIMD`)));
      expect(matmuls.length).toBeGreaterThanOrEqual(1);
      expect(simdEpilogues, "matmul kernels whose epilogue is SIMD").toEqual(matmuls);
      const want = interpret(g, inputs);
      exe.run(inputs).forEach((got, i) => expectClose(got, want[i], 1e-5, `output ${i}`));
    } finally {
      exe.dispose();
    }
  });

  it("a batched matmul's epilogue (3 × 17 × 9, a residual add and relu) agrees with the interpreter", () => {
    const g = trace((a: Tensor, b: Tensor, r: Tensor) => t.relu(t.add(t.matmul(a, b), r)), [spec([3, 17, 5]), spec([3, 5, 9]), spec([3, 17, 9])]);
    const inputs = [random([3, 17, 5], 41), random([3, 5, 9], 42), random([3, 17, 9], 43)];
    const r = run(g, inputs);
    expect(r.simd).toBe(1);
    expectClose(r.out[0], interpret(g, inputs)[0], 1e-6, "relu(a@b + r)");
  });
});

describe("shared functions", () => {
  it("kernels alike but for their addresses (two tanh layers' epilogues) share one wasm function and each reads its own data", () => {
    const f = (x: Tensor, w1: Tensor, w2: Tensor) => t.sum(t.tanh(t.matmul(t.tanh(t.matmul(x, w1)), w2)));
    const g = trace(valueAndGrad(f, { argnums: [1, 2] }) as never, [spec([16, 12]), spec([12, 12]), spec([12, 12])]);
    const inputs = [random([16, 12], 51), random([12, 12], 52), random([12, 12], 53)];
    const exe = lowerCpu(planKernels(fuseKernels(g), { alignment: 64 }), { fastMath: true });
    try {
      expect(exe.simdFunctions).toBeGreaterThan(0);
      expect(exe.simdFunctions, `${exe.simdKernels} SIMD kernels`).toBeLessThan(exe.simdKernels);
      const want = interpret(g, inputs);
      exe.run(inputs).forEach((got, i) => expectClose(got, want[i], 1e-5, `output ${i}`));
    } finally {
      exe.dispose();
    }
  });
});

describe("threads", () => {
  it("with 2 threads big SIMD kernels split across the workers: an elementwise one with one thread's bits, a one-point sum into partial folds", () => {
    const n = 1 << 18;
    const g = trace((a: Tensor) => [t.sum(t.exp(t.neg(t.mul(a, a)))), t.tanh(t.mul(t.sin(a), 3))], [spec([n])]);
    const x = random([n], 9);
    const plan = planKernels(fuseKernels(g));
    const one = lowerCpu(plan, { fastMath: true }), two = lowerCpu(plan, { fastMath: true, threads: 2 });
    try {
      const kinds = two.sources.map((s) => s.includes("runs as wasm SIMD"));
      expect(two.simdKernels).toBe(2);
      expect(kinds.every(Boolean), "every loop source is a SIMD kernel's JavaScript equivalent").toBe(true);
      const want = one.run([x]);
      const ref = interpret(g, [x]);
      // run until a worker has taken part (they start asynchronously), checking every result:
      // the sum is associated by the split (two partial folds), the same on every run
      let sum: number | undefined;
      for (let r = 0; r < 3 || (two.workerChunks === 0 && r < 400); r++) {
        const out = two.run([x]);
        expectBitwise(out[1], want[1], `run ${r} tanh`);
        expectClose(out[0], ref[0], 1e-5, `run ${r} sum`);
        sum ??= out[0].data[0];
        expect(out[0].data[0], `run ${r}: the split sum is the same on every run`).toBe(sum);
      }
      expect(two.workerChunks, "the kernels' ranges were split").toBeGreaterThan(0);
      expectClose(want[0], ref[0], 1e-5, "sum");
      expectClose(want[1], ref[1], 1e-6, "tanh");
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  it("splits a one-point max and a one-point sum with a stored elementwise output (W4's shape) across two threads", () => {
    const n = (1 << 18) + 3; // rows that do not divide evenly, and a tail
    const g = trace((a: Tensor) => {
      const y = t.add(t.mul(t.sin(a), t.cos(a)), t.exp(t.neg(t.mul(a, a))));
      return [t.sum(y), t.max(t.mul(y, 2)), t.mul(y, y)];
    }, [spec([n])]);
    const x = random([n], 12, "f32", 3);
    // a NaN and an infinity reach one chunk only: the merge must carry them
    const withSpecial = { ...x, data: Float32Array.from(x.data as Float32Array, (v, i) => (i === 5 ? Infinity : v)) };
    const plan = planKernels(fuseKernels(g));
    const two = lowerCpu(plan, { fastMath: true, threads: 2 });
    try {
      for (const input of [x, withSpecial]) {
        const ref = interpret(g, [input]);
        for (let r = 0; r < 3 || (two.workerChunks === 0 && r < 400); r++) {
          const out = two.run([input]);
          expectClose(out[0], ref[0], 1e-5, `run ${r} sum`);
          expectBitwise(out[1], ref[1], `run ${r} max`);
          expectClose(out[2], ref[2], 1e-5, `run ${r} y²`);
        }
      }
      expect(two.workerChunks).toBeGreaterThan(0);
    } finally {
      two.dispose();
    }
  });

  it("splits a one-point sum over rows (a broadcast sum that does not merge into one dim) into partial folds", () => {
    const g = trace((a: Tensor, b: Tensor) => t.sum(t.tanh(t.add(a, b))), [spec([600, 1]), spec([1, 1000])]);
    const inputs = [random([600, 1], 21), random([1, 1000], 22)];
    const two = lowerCpu(planKernels(fuseKernels(g)), { fastMath: true, threads: 2 });
    try {
      const ref = interpret(g, inputs);
      let sum: number | undefined;
      for (let r = 0; r < 3 || (two.workerChunks === 0 && r < 400); r++) {
        const out = two.run(inputs)[0];
        expectClose(out, ref[0], 1e-5, `run ${r}`);
        sum ??= out.data[0];
        expect(out.data[0]).toBe(sum);
      }
      expect(two.workerChunks).toBeGreaterThan(0);
    } finally {
      two.dispose();
    }
  });

  it("splits the SIMD kernels of a matmul epilogue and row-wise reductions across two threads with one thread's bits", () => {
    // a GELU-like epilogue over a 512×1024 product and a softmax's row reductions, as W3oh has
    const g = trace((x: Tensor, w: Tensor) => {
      const h = t.matmul(x, w);
      const act = t.mul(h, t.sigmoid(t.mul(h, 1.702)));
      return [act, t.logSoftmax(act, 1)];
    }, [spec([512, 64]), spec([64, 1024])]);
    const inputs = [random([512, 64], 3), random([64, 1024], 4)];
    const plan = planKernels(fuseKernels(g));
    const one = lowerCpu(plan, { fastMath: true }), two = lowerCpu(plan, { fastMath: true, threads: 2 });
    try {
      expect(two.simdKernels).toBeGreaterThan(1);
      const want = one.run(inputs);
      for (let r = 0; r < 3 || (two.workerChunks === 0 && r < 400); r++) two.run(inputs).forEach((got, i) => expectBitwise(got, want[i], `run ${r} output ${i}`));
      expect(two.workerChunks).toBeGreaterThan(0);
      const ref = interpret(g, inputs);
      want.forEach((got, i) => expectClose(got, ref[i], 1e-5, `output ${i}`));
    } finally {
      one.dispose();
      two.dispose();
    }
  });
});
