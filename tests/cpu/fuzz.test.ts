// The fusion fuzzer's seeded random graphs (elementwise chains with broadcasting, reductions,
// movement, matmuls, indexing, gradients) through the CPU backend, against the interpreter.
// bench/cpu-fuzz.ts runs thousands more.
import { describe, it } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { randomCase } from "../fuse/random-graph";
import { naivePlan } from "./naive-plan";
import { expectClose, runPlan } from "./util";

describe("random graphs", () => {
  it("fused, scheduled and memory-planned: 150 seeds", () => {
    for (let seed = 1; seed <= 150; seed++) {
      const c = randomCase(seed);
      const plan = planKernels(fuseKernels(c.graph, { maxBuffers: c.maxBuffers, materialize: c.materialize }), { alignment: 64 });
      const want = interpret(c.graph, c.inputs);
      runPlan(plan, c.inputs).forEach((got, i) => expectClose(got, want[i], 1e-5, `seed ${seed} output ${i}`));
    }
  });

  it("one opaque kernel per node in reused memory: 60 seeds", () => {
    for (let seed = 1000; seed < 1060; seed++) {
      const c = randomCase(seed);
      const want = interpret(c.graph, c.inputs);
      runPlan(naivePlan(c.graph, { opaque: true, reuse: true }), c.inputs).forEach((got, i) => expectClose(got, want[i], 1e-5, `seed ${seed} output ${i}`));
    }
  });

  it("on two threads: 20 seeds", () => {
    for (let seed = 2000; seed < 2020; seed++) {
      const c = randomCase(seed);
      const want = interpret(c.graph, c.inputs);
      runPlan(planKernels(fuseKernels(c.graph)), c.inputs, { threads: 2 }).forEach((got, i) => expectClose(got, want[i], 1e-5, `seed ${seed} output ${i}`));
    }
  });
});
