/**
 * Shared checks of the fusion tests: a fused (or unfused) kernel graph must satisfy the
 * KernelGraph invariants and, run by the reference kernel evaluator, give exactly the
 * interpreter's bits (same op order and rounding, so no tolerance is needed).
 */
import { expect } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import { numel, type DType, type Graph, type HostTensor, type ValueId } from "@adjoint/ir";
import { checkKernelGraph, fuseKernels, type FuseOptions } from "@adjoint/passes";
import type { KernelGraph } from "@adjoint/passes";
import { evaluateKernels } from "../../packages/backend-cpu/src/kernel-eval";
import { seeded } from "../conformance/patterns";

/** Deterministic inputs for a graph: f32 in [-2, 2), i32 in [0, 4), bool 0/1. */
export function randomInputs(g: Graph, seed: number): HostTensor[] {
  const rand = seeded(seed);
  const make: Record<DType, (n: number) => HostTensor["data"]> = {
    f32: (n) => Float32Array.from({ length: n }, () => rand() * 2),
    i32: (n) => Int32Array.from({ length: n }, () => Math.floor((rand() + 1) * 2)),
    bool: (n) => Uint8Array.from({ length: n }, () => (rand() > 0 ? 1 : 0)),
  };
  return g.inputs.map(({ type }) => ({ shape: type.shape, dtype: type.dtype, data: make[type.dtype](numel(type.shape)) }));
}

/** Bit-for-bit equality (NaN equals NaN; 0 and -0 differ), naming the first differing element. */
export function expectSameBits(got: readonly HostTensor[], want: readonly HostTensor[], what: string): void {
  expect(got.length, what).toBe(want.length);
  want.forEach((w, k) => {
    expect(got[k].dtype, `${what}: output ${k} dtype`).toBe(w.dtype);
    expect([...got[k].shape], `${what}: output ${k} shape`).toEqual([...w.shape]);
    for (let i = 0; i < w.data.length; i++) {
      if (!Object.is(got[k].data[i], w.data[i])) throw new Error(`${what}: output ${k} element ${i} is ${got[k].data[i]}, the interpreter gives ${w.data[i]}`);
    }
  });
}

/** Fuses `g` with `opts`, checks the invariants and that the evaluator matches `interpret` bitwise. */
export function checkFusion(g: Graph, inputs: readonly HostTensor[], opts: FuseOptions, what: string): KernelGraph {
  const kg = fuseKernels(g, opts);
  checkKernelGraph(kg, { materialize: opts.materialize, maxBuffers: opts.maxBuffers });
  expectSameBits(evaluateKernels(kg, inputs), interpret(g, inputs), what);
  return kg;
}

/** `checkFusion` fused and unfused; returns both kernel graphs. */
export function checkBothModes(g: Graph, inputs: readonly HostTensor[], what: string, opts: FuseOptions = {}): { fused: KernelGraph; unfused: KernelGraph } {
  return {
    fused: checkFusion(g, inputs, { ...opts, fuse: true }, `${what} (fused)`),
    unfused: checkFusion(g, inputs, { ...opts, fuse: false }, `${what} (unfused)`),
  };
}

/** Ops of the members of each kernel, e.g. [["reduce_max", "stop_gradient"], ...]. */
export function kernelOps(kg: KernelGraph): string[][] {
  const op = new Map<ValueId, string>(kg.graph.nodes.map((n) => [n.id, n.op]));
  return kg.kernels.map((k) => k.nodes.map((m) => op.get(m)!));
}

/** The kernel storing value `v`. */
export function storerOf(kg: KernelGraph, v: ValueId) {
  return kg.kernels.find((k) => k.stores.includes(v));
}
