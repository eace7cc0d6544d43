// Horizontal fusion on the fast CPU backend: a reduce kernel storing prologue values (the
// gradient beside the loss) against the interpreter — bitwise on one thread (same op order
// and rounding), and through the threaded split of a one-point reduction.
import { describe, expect, it } from "vitest";
import { interpret, lowerCpu } from "@adjoint/backend-cpu";
import type { Graph, HostTensor } from "@adjoint/ir";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { expectBitwise, expectClose } from "../cpu/util";
import { randomInputs } from "./helpers";
import { joint, maxVjp, sumsVjp, w4 } from "./horizontal-graphs";

function runFused(g: Graph, inputs: readonly HostTensor[], threads: number) {
  const plan = planKernels(fuseKernels(g, { maxBuffers: 8 }));
  const exe = lowerCpu(plan, { threads });
  try {
    return { kernels: plan.kernels, got: exe.run(inputs) };
  } finally {
    exe.dispose();
  }
}

const cases: [string, () => Graph, number][] = [
  ["W4 gradient, 65536 points", () => joint(w4, [1 << 16]), 1],
  ["row sums vjp [6,10]", () => sumsVjp(1), 1],
  ["row sums vjp [64,300]", () => sumsVjp(1, 64, 300), 1],
  ["column sums vjp [6,10] (not merged)", () => sumsVjp(0), 2],
  ["row maxima vjp [6,10] (not merged: the gradient reads the maxima)", () => maxVjp(), 3],
];

describe("horizontal fusion on the CPU backend", () => {
  for (const [name, make, kernels] of cases) {
    it(`${name}: ${kernels} kernel(s), bitwise equal on one thread`, () => {
      const g = make();
      const inputs = randomInputs(g, 7);
      const { kernels: ks, got } = runFused(g, inputs, 1);
      expect(ks).toHaveLength(kernels);
      interpret(g, inputs).forEach((w, i) => expectBitwise(got[i], w, `${name} output ${i}`));
    });
  }

  it("W4 gradient, threaded split of the loss: gradient bitwise, loss within 1e-6", () => {
    const g = joint(w4, [1 << 16]);
    const inputs = randomInputs(g, 8);
    const { got } = runFused(g, inputs, 3);
    const want = interpret(g, inputs);
    const loss = g.outputs.findIndex((o) => g.nodes.find((n) => n.id === o)!.type.shape.length === 0);
    want.forEach((w, i) => (i === loss ? expectClose(got[i], w, 1e-6, "loss") : expectBitwise(got[i], w, `output ${i}`)));
  });
});
