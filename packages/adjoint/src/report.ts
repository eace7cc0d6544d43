import { costOf, type Graph, type TensorType } from "@adjoint/ir";
import type { LoweredProgram, MemoryReport, PassRecord, Plan, Schedule } from "@adjoint/passes";

/** Time spent in a compile stage that is not a graph pass (trace, fuse, schedule, lower). */
export interface StageRecord {
  readonly name: string;
  readonly ms: number;
}

/** What compiling produced, with figures a user can act on. Bytes and flops throughout. */
export interface CompileReport {
  readonly backend: string;
  /** What the backend chose while lowering (`LoweredProgram.notes`): the CPU backend's GEMM, SIMD kernels, threads. */
  readonly backendNotes: readonly string[];
  /** Dispatches per run. */
  readonly kernels: number;
  /** Planned peak of everything the executable holds: inputs, constants and the arena. */
  readonly peakBytes: number;
  /** Peak bytes of intermediate values: the arena. */
  readonly activationBytes: number;
  readonly forwardFlops: number;
  readonly backwardFlops: number;
  /** Flops spent recomputing forward values (checkpointing). */
  readonly recomputeFlops: number;
  /** Peak live bytes of the unscheduled (traced) order and of the chosen schedule. */
  readonly naivePeakBytes: number;
  readonly schedule: string;
  readonly memory: MemoryReport;
  readonly passes: readonly { readonly name: string; readonly ms: number; readonly changed: boolean }[];
  readonly stages: readonly StageRecord[];
}

/** Flops of forward, backward (grad/tangent) and recompute nodes. */
function flopsByKind(graph: Graph): { forward: number; backward: number; recompute: number } {
  const types = new Map<number, TensorType>(graph.inputs.map((i) => [i.id, i.type]));
  const out = { forward: 0, backward: 0, recompute: 0 };
  for (const n of graph.nodes) {
    const { flops } = costOf(n.op, n.args.map((a) => types.get(a)!), n.type);
    types.set(n.id, n.type);
    const kind = n.loc.origin?.kind;
    if (kind === "recompute") out.recompute += flops;
    else if (kind) out.backward += flops;
    else out.forward += flops;
  }
  return out;
}

export function buildReport(parts: {
  backend: string;
  plan: Plan;
  program: LoweredProgram;
  records: readonly PassRecord[];
  stages: readonly StageRecord[];
  schedule: Schedule;
  memory: MemoryReport;
}): CompileReport {
  const flops = flopsByKind(parts.plan.graph);
  return {
    backend: parts.backend,
    backendNotes: parts.program.notes ?? [],
    kernels: parts.program.kernels,
    peakBytes: parts.memory.peakTotalBytes,
    activationBytes: parts.memory.peakActivationBytes,
    forwardFlops: flops.forward,
    backwardFlops: flops.backward,
    recomputeFlops: flops.recompute,
    naivePeakBytes: parts.schedule.naivePeak,
    schedule: parts.schedule.strategy,
    memory: parts.memory,
    passes: parts.records.map((r) => ({ name: r.name, ms: r.ms, changed: r.changed })),
    stages: parts.stages,
  };
}
