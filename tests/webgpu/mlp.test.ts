// End to end: valueAndGrad of a 2-layer MLP with cross-entropy, traced, simplified, planned
// one kernel per node (bump arena, and the real scheduler + memory planner with reuse), run
// on WebGPU and compared with the interpreter; then SGD steps with the parameters resident
// on the GPU (carried from the step's outputs) against the same steps on the interpreter.
import { describe, expect, it } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import { spec, t, trace, type HostTensor, type Tensor } from "@adjoint/ir";
import { runPasses, simplifyPipeline } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";
import { randomTensor } from "../conformance/patterns";
import { checkPlan, expectClose } from "./compare";
import { testBackend } from "./gpu";
import { reusePlan, simplePlan } from "./plans";

const [N, D, H, C] = [16, 12, 32, 5];
const mlpLoss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, x: Tensor, y: Tensor) =>
  t.mean(t.crossEntropy(t.add(t.matmul(t.tanh(t.add(t.matmul(x, w1), b1)), w2), b2), y));
const specs = [spec([D, H]), spec([H]), spec([H, C]), spec([C]), spec([N, D]), spec([N], "i32")];
const inputs: HostTensor[] = [
  randomTensor([D, H], 1), randomTensor([H], 2), randomTensor([H, C], 3), randomTensor([C], 4),
  randomTensor([N, D], 5), randomTensor([N], 6, "i32", C),
];
const jointGraph = () => runPasses(trace(valueAndGrad(mlpLoss, { argnums: [0, 1, 2, 3] }) as never, specs), simplifyPipeline).graph;

describe("valueAndGrad of an MLP on WebGPU", () => {
  it("matches the interpreter with a bump arena", async () => {
    const g = jointGraph();
    const got = await checkPlan(await testBackend(), g, simplePlan(g), inputs);
    expect(got.length).toBe(5);
  });

  it("matches the interpreter with arena reuse from the memory planner, in GPU and CPU-adapter code", async () => {
    const g = jointGraph();
    const plan = await reusePlan(g);
    expect(plan.memory.arenaBytes).toBeLessThan(simplePlan(g).memory.arenaBytes);
    for (const target of ["gpu", "cpu"] as const) await checkPlan(await testBackend(), g, plan, inputs, 1e-5, `mlp, ${target} code`, { target, matmul: target === "gpu" ? "tiled" : "direct" });
  });

  it("trains with parameters resident on the GPU", async () => {
    const lr = 0.5;
    const step = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, x: Tensor, y: Tensor) => {
      const [loss, grads] = valueAndGrad(mlpLoss, { argnums: [0, 1, 2, 3] })(w1, b1, w2, b2, x, y);
      return [loss, ...[w1, b1, w2, b2].map((p, i) => t.sub(p, t.mul(lr, grads[i])))];
    };
    const g = runPasses(trace(step as never, specs), simplifyPipeline).graph;
    const exe = await (await testBackend()).lower(await reusePlan(g), { carry: [0, 1, 2, 3].map((i) => ({ output: i + 1, input: i })) });
    const steps = 8;
    const losses: number[] = [];
    let last: HostTensor[] = [];
    for (let s = 0; s < steps; s++) {
      // parameters go up once; later steps pass null and use the GPU's (updated) copy
      last = await exe.run(s === 0 ? inputs : [null, null, null, null, inputs[4], inputs[5]] as never);
      losses.push(last[0].data[0]);
    }
    exe.dispose();
    // the same steps on the interpreter
    let params = inputs.slice(0, 4);
    let want: HostTensor[] = [];
    for (let s = 0; s < steps; s++) {
      want = interpret(g, [...params, inputs[4], inputs[5]]);
      params = want.slice(1);
    }
    expect(losses[steps - 1]).toBeLessThan(losses[0]);
    want.forEach((w, i) => expectClose(last[i], w, 1e-4, `after ${steps} steps, output ${i}`));
  });
});
