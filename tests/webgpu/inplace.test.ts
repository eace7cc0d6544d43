// In-place plans on WebGPU (SwiftShader here): a store that shares its slot with a value the
// kernel reads at the same point must come after that read in the shader (wgsl/body.ts holds
// stores back) and share its binding (bindings.ts). Plans with handovers give bit-identical
// results to the same kernels planned without them, and match the reference interpreter.
import { describe, expect, it } from "vitest";
import type { Graph } from "@adjoint/ir";
import { placeCheckpoints } from "@adjoint/passes";
import { checkInplace, type InplaceTarget } from "../memory/inplace-check";
import { attentionGraph, chainGraph, mlpGraph, randomGraph } from "../memory/random-graphs";
import { expectClose, runPlan } from "./compare";
import { testBackend } from "./gpu";

async function check(graph: Graph, seed: number, keepResiduals = false): Promise<number> {
  const backend = await testBackend();
  const caps = backend.capabilities;
  expect(caps.inplace).toBe(true);
  const target: InplaceTarget = {
    run: (plan, inputs) => runPlan(backend, plan, inputs),
    alignment: caps.alignment,
    maxBuffers: caps.maxBuffersPerKernel,
    close: (got, want, what) => expectClose(got, want, 1e-3, what),
  };
  return checkInplace(target, graph, seed, keepResiduals);
}

describe("in-place plans on WebGPU", () => {
  it("random joint graphs and checkpointed ones: identical to the plan without handovers", async () => {
    let pairs = 0;
    for (let seed = 1; seed <= 10; seed++) pairs += await check(randomGraph(seed, true), seed);
    for (let seed = 1; seed <= 4; seed++) pairs += await check(placeCheckpoints(randomGraph(seed, true), "sqrt"), seed, true);
    expect(pairs).toBeGreaterThan(5);
  });

  it("the benchmark models (tanh chain, MLP, attention blocks)", async () => {
    for (const [i, graph] of [chainGraph(6, 32, 8, true), mlpGraph(4, 32, 8), attentionGraph(2, 32, 16)].entries()) {
      expect(await check(graph, 100 + i), graph.name).toBeGreaterThan(0);
    }
  });
});
