// The trap from DESIGN.md: recompute nodes placed early hold memory as long as the saved
// values they replace. The scheduler must pull them in just before their backward consumers.
import { describe, expect, it } from "vitest";
import { spec, trace, verifyGraph } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { valueAndGrad } from "adjoint";
import { planMemory, scheduleKernels } from "@adjoint/passes";
import { kernelPerNode } from "./kernel-per-node";
import { orderProblems, simulateArena } from "./oracle";
import { tanhChain } from "./random-graphs";
import { withRecompute } from "./recompute-graph";

const [LAYERS, WIDTH, BATCH, EVERY] = [32, 16, 64, 8];
const ACT = BATCH * WIDTH * 4; // one f32[64,16] activation: 4 KiB
const specs = [spec([BATCH, WIDTH]), ...Array.from({ length: LAYERS }, () => spec([WIDTH, WIDTH]))];
// gradient w.r.t. x only, so activations (not weight gradients) dominate memory
const training = trace(valueAndGrad(tanhChain, { argnums: [0] }), specs);
const tanhs = training.nodes.filter((n) => n.op === "tanh" && !n.loc.origin).map((n) => n.id);
// save every 8th layer's output; recompute the rest from the last saved one
const checkpointed = withRecompute(training, (n) => n.op === "tanh" && tanhs.indexOf(n.id) % EVERY === EVERY - 1);

describe("recompute kernels are scheduled late", () => {
  it("the hand-checkpointed graph is valid and computes the same values", () => {
    verifyGraph(checkpointed);
    expect(checkpointed.nodes.some((n) => n.loc.origin?.kind === "recompute")).toBe(true);
    const inputs = specs.map((s, i) => ({ shape: s.shape, dtype: "f32" as const, data: Float32Array.from({ length: s.shape[0] * s.shape[1] }, (_, j) => Math.sin(i * 7 + j) * 0.3) }));
    const [a, b] = [interpret(training, inputs), interpret(checkpointed, inputs)];
    expect(b.map((x) => Array.from(x.data))).toEqual(a.map((x) => Array.from(x.data)));
  });

  it("in the given order recomputing saves nothing; scheduled, it cuts the peak to about a quarter", () => {
    const plain = scheduleKernels(kernelPerNode(training));
    const kg = kernelPerNode(checkpointed);
    const s = scheduleKernels(kg);
    expect(orderProblems(checkpointed, kg.kernels, s.kernels)).toEqual([]);
    // early recompute holds every recomputed activation through the backward pass, as if saved
    expect(s.naivePeak).toBeGreaterThanOrEqual(plain.peak);
    // all 32 activations live at the start of the backward pass, against 4 checkpoints plus one
    // recomputed segment of 8 (and a few temporaries) when recompute is placed late
    expect(plain.peak).toBeGreaterThanOrEqual(LAYERS * ACT);
    expect(s.peak).toBeLessThanOrEqual((LAYERS / EVERY + EVERY + 4) * ACT);
    expect(s.strategy).toMatch(/lazy/);
    const plan = planMemory(checkpointed, s.kernels);
    expect(simulateArena(checkpointed, s.kernels, plan)).toEqual([]);
  });

  it("each recompute kernel runs in the backward pass, with only recompute kernels between it and its first consumer", () => {
    const kg = kernelPerNode(checkpointed);
    const order = scheduleKernels(kg).kernels;
    const origin = (k: (typeof order)[number]) => checkpointed.nodes.find((n) => n.id === k.nodes[0])!.loc.origin?.kind;
    const firstBackward = order.findIndex((k) => origin(k) === "grad");
    order.forEach((k, i) => {
      if (origin(k) !== "recompute") return;
      expect(i).toBeGreaterThan(firstBackward);
      const consumer = order.findIndex((c) => [...c.loads.values()].some((a) => k.stores.includes(a.source)));
      expect(consumer).toBeGreaterThan(i);
      for (let j = i + 1; j < consumer; j++) expect(origin(order[j]), `kernel ${order[j].id} between`).toBe("recompute");
    });
  });
});
