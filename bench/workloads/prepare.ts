/**
 * Builds a workload's step for the CPU backend: trace `valueAndGrad` of the loss (W5: the
 * forward matmul), simplify, fuse, schedule, plan memory, lower. Until `compile` routes to the
 * CPU backend, this is the same pipeline written out.
 */
import { spec, trace, type Graph, type HostTensor, type Tensor } from "@adjoint/ir";
import { fuseKernels, planKernels, runPasses, simplifyPipeline, type Plan } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";
import { lowerCpu, type CpuExecutable } from "@adjoint/backend-cpu";
import { makeW1, makeW2, makeW3, makeW4, makeW5, type WorkloadData } from "./data";
import { lossW1, lossW2, lossW3, lossW4, matmulW5 } from "./models";

/** The workloads, by the names WORKLOADS.md uses. */
export const WORKLOADS = ["W1", "W2", "W3", "W3oh", "W4", "W5"] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Reference values from WORKLOADS.md (loss and Σ|grad|; W5: Σ|C|). */
export const REFERENCE: Record<Workload, { loss?: number; sumAbs: number }> = {
  W1: { loss: 3.016647, sumAbs: 5550.28 },
  W2: { loss: 7.29415, sumAbs: 1.27521e6 },
  W3: { loss: 5.556385, sumAbs: 537.526 },
  W3oh: { loss: 5.556385, sumAbs: 537.526 },
  W4: { loss: 309858.7, sumAbs: 761182.8 },
  W5: { sumAbs: 8928641.67 },
};

const MODELS: Record<Workload, { data: () => WorkloadData; fn: (...xs: Tensor[]) => Tensor }> = {
  W1: { data: makeW1, fn: lossW1 },
  W2: { data: makeW2, fn: lossW2 },
  W3: { data: () => makeW3(false), fn: lossW3(false) },
  W3oh: { data: () => makeW3(true), fn: lossW3(true) },
  W4: { data: makeW4, fn: lossW4 as (...xs: Tensor[]) => Tensor },
  W5: { data: makeW5, fn: matmulW5 as (...xs: Tensor[]) => Tensor },
};

/** A lowered workload with its inputs. */
export interface Prepared {
  readonly exe: CpuExecutable;
  readonly inputs: HostTensor[];
  readonly graph: Graph;
  readonly plan: Plan;
  readonly flops: number;
  /** Milliseconds to trace, optimise, plan and lower. */
  readonly compileMs: number;
}

/** Traces, optimises, plans and lowers workload `w`. */
export function prepare(w: Workload, threads: number): Prepared {
  const { data, fn } = MODELS[w];
  const d = data();
  const all = [...d.params, ...d.inputs];
  const inputs: HostTensor[] = all.map((x) => ({ shape: x.shape, dtype: x.data instanceof Int32Array ? "i32" : "f32", data: x.data }));
  const t0 = performance.now();
  const specs = inputs.map((x) => spec(x.shape, x.dtype));
  const argnums = d.params.map((_, i) => i);
  const traced = w === "W5" ? trace(fn, specs) : trace(valueAndGrad(fn, { argnums }) as (...xs: Tensor[]) => Tensor[], specs);
  const { graph } = runPasses(traced, simplifyPipeline);
  const plan = planKernels(fuseKernels(graph), { alignment: 64 });
  const exe = lowerCpu(plan, { threads });
  return { exe, inputs, graph, plan, flops: d.flops, compileMs: performance.now() - t0 };
}

/** Loss (first output) and Σ|v| over the other outputs in float64 (W5: over C). */
export function checksum(w: Workload, outputs: readonly HostTensor[]): { loss?: number; sumAbs: number } {
  const rest = w === "W5" ? outputs : outputs.slice(1);
  let s = 0;
  for (const o of rest) for (const v of o.data) s += Math.abs(v);
  return w === "W5" ? { sumAbs: s } : { loss: outputs[0].data[0], sumAbs: s };
}
