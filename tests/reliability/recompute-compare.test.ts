// FIXED BUG (packages/passes/src/fuse), found by the pipeline fuzzer on an NVIDIA H100
// (tests/fixtures/regressions/fuzz-297-mismatch.ir): reduce_max's VJP masks the argmax with
// `eq(x, max(x))`. Fusion recomputes x (here x - x·x) in two kernels: the reduce's prologue and
// the elementwise kernel holding the `eq`. A GPU shader compiler may contract one copy into an
// FMA and not the other, so the two copies differ in the last bit, `eq` is false everywhere and
// the gradient through the max is 0 (the fixture: 0 instead of 1.12). SwiftShader and the CPU
// backends happen to round both copies alike, so these tests check the kernel structure, not
// values. The fix (the recompute rule in recompute.ts): a cone containing a value that feeds a
// comparison (directly or through movement ops) is never recomputed, so the value is stored
// once by the reduce kernel and loaded by the kernel holding the `eq`.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseGraph } from "@adjoint/ir";
import { checkKernelGraph, fuseKernels, type KernelGraph } from "@adjoint/passes";
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
  it("are computed in one kernel only, so the comparison sees identical bits", () => {
    const g = trace(valueAndGrad((x: Tensor) => t.sum(t.max(t.sub(x, t.mul(x, x)), 1))), [spec([4, 16])]);
    const operands = maskedMaxOperands(g);
    expect(operands.length).toBeGreaterThan(0);
    const twice = computedTwice(fuseKernels(g, { maxBuffers: 7 }));
    for (const v of operands) expect(twice.has(v), `%${v} is computed by two kernels`).toBe(false);
  });
});

/** Checks that each masked operand is computed and stored by one kernel and loaded by the kernel comparing it. */
function expectStoredOnceAndLoaded(g: Graph, kg: KernelGraph): void {
  const operands = maskedMaxOperands(g);
  expect(operands.length).toBeGreaterThan(0);
  const eqs = g.nodes.filter((n) => n.op === "eq" || n.op === "ne");
  for (const v of operands) {
    expect(kg.kernels.filter((k) => k.stores.includes(v)).map((k) => k.id), `kernels storing %${v}`).toHaveLength(1);
    expect(kg.kernels.filter((k) => k.nodes.includes(v)), `kernels computing %${v}`).toHaveLength(1);
    for (const e of eqs) {
      const k = kg.kernels.find((k) => k.nodes.includes(e.id))!;
      if (k.nodes.includes(v)) continue; // the comparison sits in v's own kernel: one copy
      expect([...k.loads.values()].some((a) => a.source === v), `kernel ${k.id} (holding eq %${e.id}) loads %${v}`).toBe(true);
    }
  }
}

describe("the compared value is stored once and loaded", () => {
  it("in the traced max-of-row gradient, with and without a buffer limit", () => {
    const g = trace(valueAndGrad((x: Tensor) => t.sum(t.max(t.sub(x, t.mul(x, x)), 1))), [spec([4, 16])]);
    for (const maxBuffers of [7, undefined]) {
      const kg = fuseKernels(g, { maxBuffers });
      checkKernelGraph(kg, { maxBuffers });
      expectStoredOnceAndLoaded(g, kg);
    }
  });

  it("in the fuzzer's fixture (fuzz-297-mismatch.ir) under WebGPU's 8 buffers", () => {
    const g = parseGraph(readFileSync(new URL("../fixtures/regressions/fuzz-297-mismatch.ir", import.meta.url), "utf8"));
    const kg = fuseKernels(g, { maxBuffers: 8 });
    checkKernelGraph(kg, { maxBuffers: 8 });
    expectStoredOnceAndLoaded(g, kg);
  });
});

describe("which comparisons keep a value from being recomputed", () => {
  // y = x·x - x is the prologue of s = Σ_row y and is read again by a kernel comparing it
  const compareWith = (other: (y: Tensor, s: Tensor) => Tensor | number) =>
    trace((x: Tensor) => {
      const y = t.sub(t.mul(x, x), x);
      const s = t.sum(y, [1], { keepdims: true });
      return t.mul(t.cast(t.gt(y, other(y, s)), "f32"), s);
    }, [spec([4, 16])]);
  const yOf = (g: Graph) => g.nodes.find((n) => n.op === "sub")!.id;

  it("a comparison with a literal (relu's mask) does not: y is recomputed, not stored", () => {
    const g = compareWith(() => 0);
    const kg = fuseKernels(g, {});
    checkKernelGraph(kg);
    expect(computedTwice(kg).has(yOf(g))).toBe(true);
  });

  it("a comparison with a value computed from it does: y is stored once", () => {
    const g = compareWith((_, s) => s);
    const kg = fuseKernels(g, {});
    checkKernelGraph(kg);
    expect(computedTwice(kg).has(yOf(g))).toBe(false);
    expect(kg.kernels.filter((k) => k.stores.includes(yOf(g)))).toHaveLength(1);
  });
});
