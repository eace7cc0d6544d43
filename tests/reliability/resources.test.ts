// Long runs lose nothing, concurrent runs never interleave, and results are bitwise repeatable.
// bench/soak.ts runs 1,000 executables with GC figures; here 100, with a bound far above what a
// healthy run uses (≤ ~80 MB measured) and far below what a leak of the inputs would (~400 MB).
import { describe, expect, it } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import { compile, spec, t, trace, valueAndGrad, type HostTensor, type Tensor } from "adjoint";
import { seeded } from "../conformance/patterns";

const BACKENDS = ["interpret", "cpu"];
const bits = (h: HostTensor) => Array.from(new Uint32Array(Float32Array.from(h.data).buffer));
const random = (n: number, seed: number) => Float32Array.from({ length: n }, seeded(seed));

// reductions, a matmul and a scatter with repeated indices: everything whose order could vary
const step = (w: Tensor, x: Tensor, ids: Tensor) => {
  const h = t.tanh(t.matmul(x, w));
  return [t.sum(t.softmax(h)), t.scatterAdd(h, ids, 0, 3), t.mean(h, 0), valueAndGrad((v: Tensor) => t.sum(t.square(t.matmul(x, v))))(w)];
};
const specs = [spec([64, 32]), spec([8, 64]), spec([8], "i32")];
const ids = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 0]);

describe("resources", () => {
  for (const backend of BACKENDS) {
    it(`${backend}: 100 executables compiled, run and disposed keep memory flat`, async () => {
      const loss = (w: Tensor, x: Tensor) => t.sum(t.tanh(t.matmul(x, w)));
      const s = [spec([1024, 1024]), spec([4, 1024])];
      const data = [new Float32Array(1024 * 1024).fill(0.001), new Float32Array(4096).fill(0.5)];
      const cycle = async () => {
        const exe = await compile(valueAndGrad(loss), s, { backend });
        await exe.run(...data);
        exe.dispose();
      };
      for (let i = 0; i < 5; i++) await cycle(); // warm up: JIT, caches
      const before = process.memoryUsage();
      for (let i = 0; i < 100; i++) await cycle();
      const after = process.memoryUsage();
      // each executable takes in 4 MB of weights: keeping them would add ~400 MB
      expect(after.heapUsed + after.external - (before.heapUsed + before.external)).toBeLessThan(256 * 2 ** 20);
    }, 120_000);
  }
});

describe("concurrency and determinism", () => {
  for (const backend of BACKENDS) {
    it(`${backend}: 20 concurrent runs with different inputs each get their own results`, async () => {
      const exe = await compile(step, specs, { backend });
      const inputs = Array.from({ length: 20 }, (_, i) => [random(64 * 32, 100 + i), random(8 * 64, 200 + i)]);
      const results = await Promise.all(inputs.map(([w, x]) => exe.run(w, x, ids)));
      const g = trace(step, specs);
      results.forEach((r, i) => {
        const got = (r as HostTensor[]).flat(2) as HostTensor[];
        const want = interpret(g, [{ shape: [64, 32], dtype: "f32", data: inputs[i][0] }, { shape: [8, 64], dtype: "f32", data: inputs[i][1] }, { shape: [8], dtype: "i32", data: ids }]);
        expect(got.length).toBe(want.length);
        // the CPU backend's sums may associate differently: a run's own inputs give its results to 1e-5
        got.forEach((o, k) => o.data.forEach((v, j) => expect(Math.abs(v - want[k].data[j])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[k].data[j])))));
      });
      exe.dispose();
    });

    it(`${backend}: the same inputs give bitwise identical results, run after run and executable after executable`, async () => {
      const w = random(64 * 32, 1), x = random(8 * 64, 2);
      const runs: HostTensor[][] = [];
      for (let e = 0; e < 2; e++) {
        const exe = await compile(step, specs, { backend });
        for (let i = 0; i < 5; i++) runs.push((await exe.run(w, x, ids)) as unknown as HostTensor[]);
        exe.dispose();
      }
      const flat = runs.map((r) => (r as unknown as HostTensor[][]).flat(2) as HostTensor[]);
      for (const r of flat.slice(1)) r.forEach((o, k) => expect(bits(o)).toEqual(bits(flat[0][k])));
    });
  }
});
