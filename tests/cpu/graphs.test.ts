// Whole graphs through the CPU backend against the interpreter: every op example and fused
// pattern of the conformance suite, and their gradients, under four plans: one kernel per
// node (structured loops; all opaque; reused memory) and the compiler's own fusion,
// scheduling and memory planning.
import { describe, it } from "vitest";
import { trace, type Graph, type HostTensor, type Spec } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels, type Plan } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";
import { gradientCases, opCases, patternCases } from "../conformance";
import { naivePlan } from "./naive-plan";
import { expectClose, runPlan } from "./util";

const PLANS: Record<string, (g: Graph) => Plan> = {
  "one loop per node": (g) => naivePlan(g),
  "all opaque": (g) => naivePlan(g, { opaque: true }),
  "reused memory": (g) => naivePlan(g, { reuse: true }),
  fused: (g) => planKernels(fuseKernels(g)),
};

const specsOf = (inputs: readonly HostTensor[]): Spec[] => inputs.map((x) => ({ shape: x.shape, dtype: x.dtype }));

function check(g: Graph, inputs: readonly HostTensor[]): void {
  const want = interpret(g, inputs);
  for (const [name, plan] of Object.entries(PLANS)) {
    const got = runPlan(plan(g), inputs);
    want.forEach((w, i) => expectClose(got[i], w, 1e-5, `${name}: output ${i}`));
  }
}

describe("op examples", () => {
  for (const [op, cases] of Object.entries(opCases)) {
    for (const c of cases) it(`${op}: ${c.name}`, () => check(trace(c.fn as never, specsOf(c.inputs)), c.inputs));
  }
});

describe("fused patterns", () => {
  for (const c of patternCases) it(c.name, () => check(trace(c.fn as never, specsOf(c.inputs)), c.inputs));
});

describe("gradients", () => {
  for (const c of gradientCases) {
    const argnums = c.inputs.flatMap((x, i) => (x.dtype === "f32" ? [i] : []));
    it(c.name, () => check(trace(valueAndGrad(c.fn as never, { argnums }) as never, specsOf(c.inputs)), c.inputs));
  }
});
