// Every op's hand-computed conformance cases, run on WebGPU through one-kernel-per-node plans
// (movement folded into strided loads, and not folded), against the expected values and the
// interpreter.
import { describe, it } from "vitest";
import { OP_NAMES, trace, type HostTensor, type OpName } from "@adjoint/ir";
import { opCases, expectTensor } from "../conformance/op-cases";
import { checkPlan, RTOL, TRANSCENDENTAL_RTOL, TRIG_RTOL } from "./compare";
import { testBackend } from "./gpu";
import { simplePlan } from "./plans";

const TRANSCENDENTAL = new Set<OpName>(["exp", "log", "tanh", "sigmoid", "pow", "sqrt", "rsqrt"]);
const rtolOf = (op: OpName) => (op === "sin" || op === "cos" ? TRIG_RTOL : TRANSCENDENTAL.has(op) ? TRANSCENDENTAL_RTOL : RTOL);
const specsOf = (xs: readonly HostTensor[]) => xs.map((x) => ({ shape: x.shape, dtype: x.dtype }));

describe("every op on WebGPU", () => {
  for (const op of OP_NAMES) {
    for (const c of opCases[op]) {
      it(`${op}: ${c.name}`, async () => {
        const backend = await testBackend();
        const graph = trace(c.fn as never, specsOf(c.inputs));
        const rtol = rtolOf(op);
        const [folded] = await checkPlan(backend, graph, simplePlan(graph), c.inputs, rtol, `${op} (folded)`);
        expectTensor(folded, c.expected, Math.max(rtol, 1e-6));
        await checkPlan(backend, graph, simplePlan(graph, { fold: false }), c.inputs, rtol, `${op} (unfolded)`);
      });
    }
  }
});
