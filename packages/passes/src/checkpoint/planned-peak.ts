/**
 * The peak a compiled executable's report shows: the arena of the fused, scheduled, planned
 * graph. Budgets measured this way see what fusion removes (elementwise intermediates that
 * are never stored) and what planning adds (alignment, graph outputs such as gradients),
 * where `liveBytesPeak` counts every node's result in node order. It costs one fusion, one
 * schedule and one memory plan per candidate: O(N log N) each, ~10–60× a `liveBytesPeak`.
 */
import type { Graph, ValueId } from "@adjoint/ir";
import { fuseKernels } from "../fuse";
import { planMemory } from "../memory/plan-memory";
import { scheduleKernels } from "../schedule/schedule-kernels";

/** The compile settings the planned peak depends on; each defaults as `compile` would for a fusing backend. */
export interface PlannedPeakOptions {
  /** Fuse kernels (default true; false: one kernel per node, as backends without fusion run). */
  readonly fuse?: boolean;
  /** Most buffers one kernel may bind (default unlimited; WebGPU: its storage-buffer limit - 1). */
  readonly maxBuffers?: number;
  /** Arena alignment in bytes (default 256). */
  readonly alignment?: number;
  /** Plan with in-place slot handovers (default false). */
  readonly inplace?: boolean;
}

/** Forward values read by backward or recompute nodes: fusion keeps them stored, as compile asks it to. */
export function residualValues(g: Graph): Set<ValueId> {
  const forward = new Set(g.nodes.filter((n) => !n.loc.origin).map((n) => n.id));
  const saved = new Set<ValueId>();
  for (const n of g.nodes) if (n.loc.origin) for (const a of n.args) if (forward.has(a)) saved.add(a);
  return saved;
}

/** Arena bytes of `g` once fused, scheduled and planned with `opts`. */
export function plannedPeak(g: Graph, opts: PlannedPeakOptions = {}): number {
  const kg = fuseKernels(g, { fuse: opts.fuse ?? true, maxBuffers: opts.maxBuffers, materialize: residualValues(g) });
  const { kernels } = scheduleKernels(kg);
  return planMemory(g, kernels, { alignment: opts.alignment, inplace: opts.inplace }).arenaBytes;
}
