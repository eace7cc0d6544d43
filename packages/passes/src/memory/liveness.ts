/**
 * Liveness of arena values over a kernel order: each value is live from the step that stores
 * it to the last step that reads it (graph outputs: to the end). One pass over the kernels
 * and a difference array give the per-step live bytes: O(kernels + loads).
 */
import { AdjointError, type Graph, type ValueId } from "@adjoint/ir";
import type { Kernel } from "../plan/types";
import { describeValue, kernelReads, valueTable, type ValueTable } from "./values";

/** Live ranges of the arena values of one schedule, in order of production. */
export interface Liveness {
  readonly values: readonly ValueId[];
  readonly bytes: readonly number[];
  /** Producing step of each value. */
  readonly first: readonly number[];
  /** Last reading step (the last step for graph outputs; the producing step for dead stores). */
  readonly last: readonly number[];
  /** Bytes live during each step: values it reads and writes, and those live across it. */
  readonly timeline: readonly number[];
  /** Largest entry of `timeline`: no arena for this order can be smaller. */
  readonly lowerBound: number;
  /** A step where `timeline` reaches `lowerBound` (-1 for an empty schedule). */
  readonly peakStep: number;
}

/**
 * Liveness of `kernels` run in the given order. Throws if a kernel reads a value that is
 * neither external (input, constant) nor stored by an earlier kernel.
 */
export function computeLiveness(graph: Graph, kernels: readonly Kernel[], table: ValueTable = valueTable(graph)): Liveness {
  const steps = kernels.length;
  // slot of each arena value in the output arrays, by value id (-1: not produced yet)
  const slot = new Int32Array(table.bytes.length).fill(-1);
  const values: ValueId[] = [], bytes: number[] = [], first: number[] = [], last: number[] = [];
  for (let s = 0; s < steps; s++) {
    const k = kernels[s];
    for (const v of kernelReads(k)) {
      if (v >= 0 && v < slot.length && table.external[v]) continue;
      const i = v >= 0 && v < slot.length ? slot[v] : -1;
      if (i < 0) throw new AdjointError(`kernel ${k.id} (step ${s}) reads ${describeValue(v, table)}, which no earlier kernel stores`);
      last[i] = s;
    }
    for (const v of k.stores) {
      if (table.external[v]) continue; // an in-place write to an input: not an arena value
      if (slot[v] >= 0) throw new AdjointError(`${describeValue(v, table)} is stored twice (kernel ${k.id}, step ${s})`);
      slot[v] = values.length;
      values.push(v);
      bytes.push(table.bytes[v]);
      first.push(s);
      last.push(table.isOutput[v] ? steps - 1 : s);
    }
  }
  for (let i = 0; i < values.length; i++) if (table.isOutput[values[i]]) last[i] = steps - 1;
  return { values, bytes, first, last, ...liveTimeline(steps, bytes, first, last) };
}

/** Bytes live at each of `steps` steps for ranges [first, last], by a difference array; its peak and a step reaching it. */
export function liveTimeline(
  steps: number, bytes: readonly number[], first: readonly number[], last: readonly number[],
): Pick<Liveness, "timeline" | "lowerBound" | "peakStep"> {
  const delta = new Float64Array(steps + 1);
  for (let i = 0; i < bytes.length; i++) {
    delta[first[i]] += bytes[i];
    delta[last[i] + 1] -= bytes[i];
  }
  const timeline: number[] = new Array(steps);
  let live = 0, lowerBound = 0, peakStep = steps > 0 ? 0 : -1;
  for (let s = 0; s < steps; s++) {
    live += delta[s];
    timeline[s] = live;
    if (live > lowerBound) (lowerBound = live), (peakStep = s);
  }
  return { timeline, lowerBound, peakStep };
}
