// The kernel-level in-place rule, case by case on hand-built kernels: which store may take
// which dying value's slot. The graph only supplies types; the kernels say what is read how.
import { describe, expect, it } from "vitest";
import { UNKNOWN_LOC, type DType, type Graph, type Node, type ValueId } from "@adjoint/ir";
import { kernelReuse, valueTable, type Access, type Kernel, type KernelLoop } from "@adjoint/passes";

const node = (id: number, shape: number[], dtype: DType = "f32", op = "tanh"): Node => ({ id, op, args: [0], attrs: {}, type: { shape, dtype }, loc: UNKNOWN_LOC });

// %0 input f32[4,4]; %1..%3 f32[4,4]; %4 bool[64] (same bytes, other element size); %5 f32[4,4] (an output)
const graph: Graph = {
  name: "g",
  inputs: [{ id: 0, name: "x", type: { shape: [4, 4], dtype: "f32" }, loc: UNKNOWN_LOC }],
  nodes: [node(1, [4, 4]), node(2, [4, 4]), node(3, [4, 4]), node(4, [64], "bool"), node(5, [4, 4]), node(6, [4, 4])],
  outputs: [5],
};
const table = valueTable(graph);
const at = (source: ValueId, strides = [4, 1], offset = 0): Access => ({ source, strides, offset });
const ew: KernelLoop = { kind: "elementwise", domain: [4, 4] };
const kernel = (loop: KernelLoop, loads: [ValueId, Access][], stores: ValueId[]): Kernel => ({ id: 0, loop, nodes: stores, loads: new Map(loads), stores });
/** Pairs of one kernel at step 0, with every value read last there unless `later` lists it. */
const pairsOf = (k: Kernel, later: ValueId[] = []) => kernelReuse([k], table, (v) => (later.includes(v) ? 1 : 0)).pairs.map((p) => [p.store, p.operand]);

describe("kernelReuse", () => {
  it("an elementwise store takes the slot of a value read at the same point, dying there", () => {
    expect(pairsOf(kernel(ew, [[1, at(1)]], [2]))).toEqual([[2, 1]]);
    // a size-1 dim's stride does not matter (it only ever multiplies index 0)
    expect(pairsOf(kernel({ kind: "elementwise", domain: [4, 1, 4] }, [[1, at(1, [4, 99, 1])]], [2]))).toEqual([[2, 1]]);
  });

  it("not when any access of the value reads elsewhere: broadcast, transposed, offset", () => {
    expect(pairsOf(kernel(ew, [[1, at(1, [0, 1])]], [2]))).toEqual([]);
    expect(pairsOf(kernel(ew, [[1, at(1, [1, 4])]], [2]))).toEqual([]);
    expect(pairsOf(kernel(ew, [[1, at(1, [4, 1], 1)]], [2]))).toEqual([]);
    // one identity load and one transposed load of the same value (a folded transpose node %6)
    expect(pairsOf(kernel(ew, [[1, at(1)], [6, at(1, [1, 4])]], [2]))).toEqual([]);
  });

  it("not when the value lives on: read later, a graph output, a graph input", () => {
    expect(pairsOf(kernel(ew, [[1, at(1)]], [2]), [1])).toEqual([]);
    expect(pairsOf(kernel(ew, [[5, at(5)]], [2]))).toEqual([]);
    expect(pairsOf(kernel(ew, [[0, at(0)]], [2]))).toEqual([]);
  });

  it("not across sizes or element sizes; one operand per store and one store per operand", () => {
    expect(pairsOf(kernel({ kind: "elementwise", domain: [64] }, [[4, at(4, [1])]], [2]))).toEqual([]);
    expect(pairsOf(kernel(ew, [[1, at(1)]], [2, 3]))).toEqual([[2, 1]]);
    expect(pairsOf(kernel(ew, [[1, at(1)], [2, at(2)]], [3, 6]))).toEqual([[3, 1], [6, 2]]);
  });

  it("matmul: epilogue stores may reuse an epilogue load; the product and its operands never", () => {
    const mm = (epilogueLoad: ValueId): KernelLoop => ({
      kind: "matmul", batch: [], m: 4, n: 4, k: 4, node: 3, a: at(epilogueLoad === 1 ? 2 : 1, [4, 0, 1]), b: at(6, [0, 1, 4]), epilogue: [2],
    });
    expect(pairsOf(kernel(mm(1), [[1, at(1, [4, 1, 0])]], [2]))).toEqual([[2, 1]]);
    expect(pairsOf(kernel(mm(1), [[1, at(1, [4, 1, 0])]], [3]))).toEqual([]); // the GEMM writes the product before the epilogue reads
    expect(pairsOf(kernel(mm(2), [[1, at(1, [4, 1, 0])]], [2]))).toEqual([]); // %1 is operand A, read across k
  });

  it("reductions and opaque kernels never reuse", () => {
    const reduce: KernelLoop = { kind: "reduce", domain: [4, 4], reduce: [1], prologue: [], reducer: 2, epilogue: [] };
    expect(pairsOf(kernel(reduce, [[1, at(1, [4, 1, 0])]], [2]))).toEqual([]);
    expect(pairsOf(kernel({ kind: "opaque", node: 2 }, [[1, at(1)]], [2]))).toEqual([]);
  });
});
