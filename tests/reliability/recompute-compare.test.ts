// OPEN BUG (packages/passes/src/fuse), found by the pipeline fuzzer on an NVIDIA H100
// (tests/fixtures/regressions/fuzz-297-mismatch.ir): reduce_max's VJP masks the argmax with
// `eq(x, max(x))`. Fusion recomputes x (here x - x·x) in two kernels: the reduce's prologue and
// the elementwise kernel holding the `eq`. A GPU shader compiler may contract one copy into an
// FMA and not the other, so the two copies differ in the last bit, `eq` is false everywhere and
// the gradient through the max is 0 (the fixture: 0 instead of 1.12). SwiftShader and the CPU
// backends happen to round both copies alike. Fix: a value compared for equality with a reduction
// of itself must be computed once: fusion materialises it (stores it in the reduce kernel and
// loads it in the other) instead of recomputing it in a second kernel.
import { describe, expect, it } from "vitest";
import { fuseKernels, type KernelGraph } from "@adjoint/passes";
import { spec, t, trace, valueAndGrad, type Graph, type Tensor } from "adjoint";

/** Values computed (not loaded) by more than one kernel. */
function computedTwice(kg: KernelGraph): Set<number> {
  const seen = new Map<number, number>();
  for (const k of kg.kernels) for (const v of k.nodes) seen.set(v, (seen.get(v) ?? 0) + 1);
  return new Set([...seen].filter(([, n]) => n > 1).map(([v]) => v));
}

/** Operands of reduce_max nodes whose result an eq/ne compares with them (the argmax mask). */
function maskedMaxOperands(g: Graph): number[] {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const base = (v: number): number => {
    const n = byId.get(v);
    return n && (n.op === "broadcast" || n.op === "reshape") ? base(n.args[0]) : v;
  };
  const maxOf = new Map(g.nodes.filter((n) => n.op === "reduce_max").map((n) => [n.id, n.args[0]]));
  return g.nodes.filter((n) => n.op === "eq" || n.op === "ne").flatMap((n) => {
    const [a, b] = n.args.map(base);
    return maxOf.get(b) === a ? [a] : maxOf.get(a) === b ? [b] : [];
  });
}

describe("values compared with their own reduction", () => {
  it.fails("are computed in one kernel only, so the comparison sees identical bits [open bug]", () => {
    const g = trace(valueAndGrad((x: Tensor) => t.sum(t.max(t.sub(x, t.mul(x, x)), 1))), [spec([4, 16])]);
    const operands = maskedMaxOperands(g);
    expect(operands.length).toBeGreaterThan(0);
    const twice = computedTwice(fuseKernels(g, { maxBuffers: 7 }));
    for (const v of operands) expect(twice.has(v), `%${v} is computed by two kernels`).toBe(false);
  });
});
