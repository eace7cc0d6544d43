/**
 * The invariants of a `KernelGraph` that scheduling, memory planning and backends rely on,
 * checked in one place (tests run it on every fused graph; a backend may run it on input).
 */
import { AdjointError, numel, type Graph, type Node, type Shape, type ValueId } from "@adjoint/ir";
import type { Access, Kernel, KernelGraph } from "../plan/types";

/** The distinct values a kernel reads from memory: its load sources and a matmul's operands. */
export function kernelSources(k: Kernel): ValueId[] {
  const seen = new Set<ValueId>();
  for (const a of k.loads.values()) seen.add(a.source);
  if (k.loop.kind === "matmul") seen.add(k.loop.a.source).add(k.loop.b.source);
  return [...seen];
}

/** Buffers a kernel binds: distinct load sources plus stores (what `maxBuffers` limits). */
export const kernelBufferCount = (k: Kernel): number => kernelSources(k).length + k.stores.length;

/** Options of `checkKernelGraph`. */
export interface CheckKernelOptions {
  readonly materialize?: ReadonlySet<ValueId>;
  /** Also check the buffer limit (a kernel of one node may exceed it: it cannot be split). */
  readonly maxBuffers?: number;
}

/** Rank of the loop a kernel's accesses index. */
function loopRank(k: Kernel): number {
  const l = k.loop;
  if (l.kind === "elementwise") return l.domain.length;
  if (l.kind === "reduce") return l.domain.length + l.reduce.length;
  if (l.kind === "matmul") return l.batch.length + 3;
  return -1;
}

/** Extent of each loop dim (opaque: the operand's own shape). */
function loopDims(k: Kernel, keyShape: Shape): readonly number[] {
  const l = k.loop;
  if (l.kind === "elementwise") return l.domain;
  if (l.kind === "reduce") return [...l.domain, ...l.reduce];
  if (l.kind === "matmul") return [...l.batch, l.m, l.n, l.k];
  return keyShape;
}

/**
 * Throws an `AdjointError` naming the kernel when `kg` breaks an invariant: kernels in
 * dependency order, each value stored once by a kernel that computes it, every load from an
 * input, a constant or an earlier store, accesses in bounds and of the loop's rank, outputs
 * and `materialize` values stored, loop parts consistent with `nodes`.
 */
export function checkKernelGraph(kg: KernelGraph, opts: CheckKernelOptions = {}): void {
  const g = kg.graph;
  const nodes = new Map<ValueId, Node>(g.nodes.map((n) => [n.id, n]));
  const external = new Map<ValueId, Shape>(g.inputs.map((i) => [i.id, i.type.shape]));
  for (const n of g.nodes) if (n.op === "constant") external.set(n.id, n.type.shape);
  const storedBy = new Map<ValueId, number>();
  const fail = (k: Kernel, why: string): never => {
    throw new AdjointError(`kernel ${k.id} of @${g.name}: ${why}`);
  };
  const shapeOf = (v: ValueId) => external.get(v) ?? nodes.get(v)?.type.shape;
  const checkAccess = (k: Kernel, what: string, acc: Access, keyShape: Shape) => {
    const size = external.has(acc.source) || storedBy.has(acc.source) ? numel(shapeOf(acc.source)!) : fail(k, `${what} reads %${acc.source}, which no earlier kernel stores`);
    const dims = loopDims(k, keyShape);
    if (acc.strides.length !== dims.length) fail(k, `${what} has ${acc.strides.length} strides for a loop of rank ${dims.length}`);
    if (numel(dims) === 0) return;
    let lo = acc.offset, hi = acc.offset;
    dims.forEach((d, i) => (acc.strides[i] < 0 ? (lo += acc.strides[i] * (d - 1)) : (hi += acc.strides[i] * (d - 1))));
    if (lo < 0 || hi >= size) fail(k, `${what} reads elements ${lo}..${hi} of %${acc.source}, which has ${size}`);
  };
  kg.kernels.forEach((k, index) => {
    if (k.id !== index) fail(k, `is at position ${index}; kernel ids must count up from 0`);
    const members = new Set(k.nodes);
    const l = k.loop;
    const parts = l.kind === "reduce" ? [...l.prologue, l.reducer, ...l.epilogue] : l.kind === "matmul" ? [l.node, ...l.epilogue] : l.kind === "opaque" ? [l.node] : k.nodes;
    if (parts.length !== members.size || parts.some((m) => !members.has(m))) fail(k, `its loop parts [${parts.join(", ")}] are not its nodes [${k.nodes.join(", ")}]`);
    for (const [key, acc] of k.loads) checkAccess(k, `load %${key}`, acc, shapeOf(key) ?? []);
    if (l.kind === "matmul") (checkAccess(k, "operand a", l.a, []), checkAccess(k, "operand b", l.b, []));
    if (l.kind !== "opaque" && loopRank(k) !== loopDims(k, []).length) fail(k, "has an inconsistent loop");
    for (const s of k.stores) {
      if (!members.has(s)) fail(k, `stores %${s}, which it does not compute`);
      if (storedBy.has(s)) fail(k, `stores %${s}, which kernel ${storedBy.get(s)} stores already`);
      storedBy.set(s, k.id);
    }
    // iota (and a stored full) bind nothing extra; one other node cannot be split further
    const splittable = k.nodes.filter((m) => nodes.get(m)?.op !== "full" && nodes.get(m)?.op !== "iota").length > 1;
    if (opts.maxBuffers !== undefined && splittable && kernelBufferCount(k) > opts.maxBuffers) {
      fail(k, `binds ${kernelBufferCount(k)} buffers, more than the limit ${opts.maxBuffers}`);
    }
  });
  const required = [...g.outputs, ...(opts.materialize ?? [])];
  for (const v of required) {
    if (!external.has(v) && !storedBy.has(v)) throw new AdjointError(`@${g.name}: %${v} must be materialised but no kernel stores it`);
  }
}
