// In-place plans run on the fast CPU backend: fused, scheduled graphs planned with handovers
// give bit-identical results to the same kernels planned without them, and match the
// reference interpreter. A store that clobbered a value still to be read would show here.
import { describe, expect, it } from "vitest";
import type { Graph, HostTensor } from "@adjoint/ir";
import { cpuBackend } from "@adjoint/backend-cpu";
import { placeCheckpoints, type Plan } from "@adjoint/passes";
import { expectClose } from "../cpu/util";
import { checkInplace, type InplaceTarget } from "./inplace-check";
import { attentionGraph, chainGraph, mlpGraph, randomGraph } from "./random-graphs";

async function runOnCpu(plan: Plan, inputs: readonly HostTensor[], threads = 1): Promise<HostTensor[]> {
  const program = await cpuBackend({ threads }).lower(plan, {});
  try {
    return await program.run(inputs);
  } finally {
    program.dispose();
  }
}

/** Runs `graph` with and without handovers; returns how many handovers the plan applied. */
async function check(graph: Graph, seed: number, threads = 1, keepResiduals = false): Promise<number> {
  const backend = cpuBackend();
  expect(backend.capabilities.alignment).toBe(64);
  const target: InplaceTarget = {
    run: (plan, inputs) => runOnCpu(plan, inputs, threads),
    alignment: 64,
    close: (got, want, what) => expectClose(got, want, 1e-4, what),
  };
  return checkInplace(target, graph, seed, keepResiduals);
}

describe("in-place plans on the CPU backend", () => {
  it("random joint graphs: identical to the plan without handovers, close to the interpreter", async () => {
    let pairs = 0;
    for (let seed = 1; seed <= 24; seed++) pairs += await check(randomGraph(seed, true), seed);
    expect(pairs).toBeGreaterThan(10);
  });

  it("the benchmark models (tanh chain, MLP, attention blocks)", async () => {
    for (const [i, graph] of [chainGraph(6, 32, 8, true), mlpGraph(4, 32, 8), attentionGraph(2, 32, 16)].entries()) {
      expect(await check(graph, 100 + i), graph.name).toBeGreaterThan(0);
    }
  });

  it("checkpointed graphs fused as compile fuses them (residuals kept stored): sqrt and all", async () => {
    let pairs = 0;
    for (let seed = 1; seed <= 12; seed++) {
      for (const policy of ["sqrt", "all"] as const) pairs += await check(placeCheckpoints(randomGraph(seed, true), policy), seed, 1, true);
    }
    pairs += await check(placeCheckpoints(attentionGraph(3, 16, 8), "sqrt"), 5, 1, true);
    expect(pairs).toBeGreaterThan(10);
  });

  it("with two threads splitting the loops that write over their operands", async () => {
    // 128×512 elements per kernel: large enough that loops are split between the threads
    expect(await check(mlpGraph(2, 512, 128), 7, 2)).toBeGreaterThan(0);
  });
});
