// Shared by the backends' in-place tests: run a graph's kernels planned with and without slot
// handovers on a backend; the two must agree bit for bit and match the reference interpreter.
import type { Graph, HostTensor } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { fuseKernels, planMemory, residualValues, scheduleKernels, type Plan } from "@adjoint/passes";
import { expectBitwise, random } from "../cpu/util";

/** How to run plans on the backend under test, and its planning settings. */
export interface InplaceTarget {
  readonly run: (plan: Plan, inputs: readonly HostTensor[]) => Promise<HostTensor[]>;
  readonly alignment: number;
  readonly maxBuffers?: number;
  /** Checks a result against the interpreter's, within the backend's tolerance. */
  readonly close: (got: HostTensor, want: HostTensor, what: string) => void;
}

/** Runs `graph` with and without handovers on `target`; returns how many handovers the plan applied. */
export async function checkInplace(target: InplaceTarget, graph: Graph, seed: number, keepResiduals = false): Promise<number> {
  const kernels = scheduleKernels(
    fuseKernels(graph, { maxBuffers: target.maxBuffers, ...(keepResiduals ? { materialize: residualValues(graph) } : {}) }),
  ).kernels;
  const inputs = graph.inputs.map((i, k) => random(i.type.shape, seed * 31 + k, i.type.dtype));
  const off = planMemory(graph, kernels, { alignment: target.alignment });
  const on = planMemory(graph, kernels, { alignment: target.alignment, inplace: true });
  const want = interpret(graph, inputs);
  const plain = await target.run({ graph, kernels, memory: off }, inputs);
  const reused = await target.run({ graph, kernels, memory: on }, inputs);
  want.forEach((w, i) => {
    const what = `${graph.name}, seed ${seed}, output ${i}`;
    expectBitwise(reused[i], plain[i], `${what} (in place vs not)`);
    target.close(reused[i], w, `${what} (vs interpreter)`);
  });
  return on.reuse.pairs.length;
}
