// Two threads over one shared arena: results are bit for bit those of one thread (each
// output element is computed by the same code in the same order, whichever thread runs it).
import { describe, expect, it } from "vitest";
import { spec, t, trace } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { lowerCpu } from "@adjoint/backend-cpu";
import { naivePlan } from "./naive-plan";
import { expectBitwise, expectClose, random } from "./util";

describe("threads", () => {
  // big enough that the matmuls and the elementwise loop are split across threads
  const g = trace((x, w) => {
    const h = t.tanh(t.matmul(x, w));
    return [t.sum(t.mul(t.sin(h), t.cos(h)), 1), t.matmul(t.transpose(h), x)];
  }, [spec([300, 256]), spec([256, 320])]);
  const inputs = [random([300, 256], 1), random([256, 320], 2)];

  it("two threads agree with one bit for bit, and with the interpreter", () => {
    // the wasm GEMM's row ranges run on the workers; the native GEMM splits on its own threads
    for (const [plan, nativeGemm] of [naivePlan(g, { reuse: true }), planKernels(fuseKernels(g))].flatMap((p) => [[p, false], [p, true]] as const)) {
      const one = lowerCpu(plan, { nativeGemm }), two = lowerCpu(plan, { threads: 2, nativeGemm });
      expect(two.threads).toBe(2);
      expect(two.arena).toBeInstanceOf(SharedArrayBuffer);
      const a = one.run(inputs);
      // run until the worker has taken part (it starts asynchronously), checking every result
      for (let r = 0; r < 3 || (two.workerChunks === 0 && r < 200); r++) two.run(inputs).forEach((b, i) => expectBitwise(b, a[i], `run ${r} output ${i}`));
      if (!nativeGemm) expect(two.workerChunks).toBeGreaterThan(0);
      const want = interpret(g, inputs);
      a.forEach((got, i) => expectClose(got, want[i], 1e-5, `output ${i}`));
      one.dispose();
      two.dispose();
      expect(() => two.run(inputs)).toThrow(/disposed/);
    }
  });

  it("splits a large reduction to one value: sum close to one thread's, max identical", () => {
    const h = trace((x) => [t.sum(t.add(t.mul(t.sin(x), t.cos(x)), t.exp(t.neg(t.mul(x, x))))), t.max(t.tanh(x))], [spec([1 << 19])]);
    const x = random([1 << 19], 5);
    const plan = planKernels(fuseKernels(h));
    const one = lowerCpu(plan), two = lowerCpu(plan, { threads: 2 });
    expect(two.sources.length).toBe(one.sources.length + 2); // a partial and a combining loop per reduction
    const [a, b] = [one.run([x]), two.run([x])];
    expectClose(b[0], a[0], 1e-6, "sum");
    expectBitwise(b[1], a[1], "max");
    expectClose(b[0], interpret(h, [x])[0], 1e-6, "sum vs interpreter");
    one.dispose();
    two.dispose();
  });
});
