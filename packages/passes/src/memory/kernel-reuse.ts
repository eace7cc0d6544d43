/**
 * In-place reuse at the kernel level: a kernel's store may take the arena slot of a value
 * that dies at that kernel, so the arena holds one buffer where it held two. The graph-level
 * analysis (`inplaceReuse` in inplace/reuse.ts) pairs nodes; after fusion the question is
 * about memory accesses, and is answered here from the kernels alone.
 *
 * A pair (store w ← operand o) at step s needs:
 * - o is an arena value (not a graph input or constant), not a graph output, read for the
 *   last time at step s, and handed to no other store;
 * - w is an arena value of the same byte size and element size as o (so one element of w
 *   sits exactly over one element of o);
 * - every read of o in the kernel is at the point the kernel writes: an identity access
 *   (dense strides over the loop's points, offset 0). Elementwise kernels qualify; in a
 *   matmul kernel only epilogue stores, never the product itself (the GEMM writes it before
 *   the epilogue reads), and o must not be a GEMM operand (read across k). Reductions (whose
 *   prologue reads across the reduce dims) and opaque kernels never reuse.
 *
 * The backend must also run each point's loads before that point's stores (the CPU
 * backend's generated loops do: see pointwiseKernel); `BackendCapabilities.inplace` says so.
 */
import { DTYPE_BYTES, stridesOf, type Shape, type ValueId } from "@adjoint/ir";
import type { Access, Kernel } from "../plan/types";
import type { ValueTable } from "./values";

/** One slot handover: `store`, written by the kernel at `step`, takes the slot of `operand`, which dies there. */
export interface SlotReuse {
  readonly store: ValueId;
  readonly operand: ValueId;
  readonly step: number;
  readonly bytes: number;
}

/** Every slot handover of one schedule. */
export interface KernelReuse {
  /** In step order; at most one pair per store and per operand. */
  readonly pairs: readonly SlotReuse[];
  /** Sum of `bytes` over the pairs: allocations avoided. */
  readonly bytesSaved: number;
}

/** The points a kernel writes its stores at, and how many loop dims its loads' strides cover there. */
function writePoints(k: Kernel): { dims: Shape; candidates: (store: ValueId) => boolean } | undefined {
  const loop = k.loop;
  if (loop.kind === "elementwise") return { dims: loop.domain, candidates: () => true };
  if (loop.kind === "matmul") return { dims: [...loop.batch, loop.m, loop.n], candidates: (w) => w !== loop.node };
  return undefined;
}

/** True when `access` reads, at loop point p of `dims`, element p of its source (ignoring size-1 dims). */
export function isIdentityAccess(access: Access, dims: Shape): boolean {
  if (access.offset !== 0 || access.strides.length < dims.length) return false;
  const dense = stridesOf(dims);
  for (let d = 0; d < dims.length; d++) if (dims[d] !== 1 && access.strides[d] !== dense[d]) return false;
  return true;
}

/** Element size in bytes of a value (0 when unknown). */
function elementBytes(v: ValueId, table: ValueTable): number {
  const node = table.nodes[v];
  return node ? DTYPE_BYTES[node.type.dtype] : 0;
}

/**
 * The slot handovers of `kernels` run in the given order, found kernel by kernel.
 * `lastRead(v)` is the last step reading v (from liveness). O(kernels + loads + stores).
 */
export function kernelReuse(kernels: readonly Kernel[], table: ValueTable, lastRead: (v: ValueId) => number): KernelReuse {
  const pairs: SlotReuse[] = [];
  let bytesSaved = 0;
  kernels.forEach((k, step) => {
    const points = writePoints(k);
    if (!points) return;
    // a value qualifies only if every access of it in this kernel is an identity access
    const identity = new Map<ValueId, boolean>();
    for (const access of k.loads.values()) {
      const v = access.source;
      identity.set(v, (identity.get(v) ?? true) && isIdentityAccess(access, points.dims));
    }
    if (k.loop.kind === "matmul") identity.set(k.loop.a.source, false).set(k.loop.b.source, false);
    // operands that may be handed over, by size: each store takes one of its own size, so a
    // kernel costs O(loads + stores) even with thousands of each
    const free = new Map<string, ValueId[]>();
    for (const [o, ok] of identity) {
      if (!ok || table.external[o] || table.isOutput[o] || !table.nodes[o] || lastRead(o) !== step) continue;
      const key = `${table.bytes[o]}:${elementBytes(o, table)}`;
      const list = free.get(key);
      if (list) list.push(o);
      else free.set(key, [o]);
    }
    if (free.size === 0) return;
    for (const list of free.values()) list.reverse(); // pop() then hands operands out in load order
    for (const w of k.stores) {
      if (table.external[w] || table.bytes[w] === 0 || !points.candidates(w)) continue;
      const o = free.get(`${table.bytes[w]}:${elementBytes(w, table)}`)?.pop();
      if (o === undefined) continue;
      pairs.push({ store: w, operand: o, step, bytes: table.bytes[w] });
      bytesSaved += table.bytes[w];
    }
  });
  return { pairs, bytesSaved };
}
