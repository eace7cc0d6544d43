// Independent checks of schedules and memory plans, written plainly (maps, quadratic loops)
// so they share no code with what they check.
import type { Graph, ValueId } from "@adjoint/ir";
import type { Kernel, MemoryPlan } from "@adjoint/passes";

const sizeOf = (shape: readonly number[], dtype: string) => shape.reduce((a, b) => a * b, 1) * (dtype === "bool" ? 1 : 4);

/** Values that exist before step 0: graph inputs and constant nodes. */
export function externalValues(graph: Graph): Set<ValueId> {
  return new Set([...graph.inputs.map((i) => i.id), ...graph.nodes.filter((n) => n.op === "constant").map((n) => n.id)]);
}

/** Every value a kernel reads, once each: its loads and a matmul's operands. */
const readsOf = (k: Kernel): ValueId[] => [
  ...new Set([...k.loads.values()].map((a) => a.source).concat(k.loop.kind === "matmul" ? [k.loop.a.source, k.loop.b.source] : [])),
];

/** First-write and last-use step of each intermediate, and bytes, by brute force. */
export function liveRanges(graph: Graph, kernels: readonly Kernel[]): Map<ValueId, { first: number; last: number; bytes: number }> {
  const external = externalValues(graph);
  const types = new Map(graph.nodes.map((n) => [n.id, n.type]));
  const ranges = new Map<ValueId, { first: number; last: number; bytes: number }>();
  kernels.forEach((k, s) => {
    for (const v of k.stores) {
      if (external.has(v)) continue;
      const ty = types.get(v)!;
      ranges.set(v, { first: s, last: graph.outputs.includes(v) ? kernels.length - 1 : s, bytes: sizeOf(ty.shape, ty.dtype) });
    }
    for (const v of readsOf(k)) {
      const r = ranges.get(v);
      if (r && !graph.outputs.includes(v)) r.last = Math.max(r.last, s);
    }
  });
  return ranges;
}

/** Live bytes at each step, summed value by value. */
export function bruteTimeline(graph: Graph, kernels: readonly Kernel[]): number[] {
  const ranges = [...liveRanges(graph, kernels).values()];
  return kernels.map((_, s) => ranges.filter((r) => r.first <= s && s <= r.last).reduce((a, r) => a + r.bytes, 0));
}

/** Problems with a kernel order: a read before its producer, a kernel lost or repeated. */
export function orderProblems(graph: Graph, original: readonly Kernel[], order: readonly Kernel[]): string[] {
  const problems: string[] = [];
  if (order.length !== original.length || new Set(order).size !== order.length || order.some((k) => !original.includes(k))) {
    problems.push("not a permutation of the kernels");
  }
  const available = externalValues(graph);
  for (const k of order) {
    for (const v of readsOf(k)) if (!available.has(v)) problems.push(`kernel ${k.id} reads %${v} before it is stored`);
    k.stores.forEach((v) => available.add(v));
  }
  return problems;
}

/**
 * Whether store `w` of kernel step `s` may land exactly on `v`'s bytes while the kernel reads
 * v: the in-place rule, restated plainly from the issue. The kernel is elementwise, or a
 * matmul whose epilogue (not the product) writes w and which does not take v as an operand;
 * every load of v reads at the point being written (offset 0, row-major strides over the
 * written points); v is no graph output and no later kernel reads it; same bytes, same element size.
 */
export function legalHandover(graph: Graph, kernels: readonly Kernel[], s: number, w: ValueId, v: ValueId): boolean {
  const k = kernels[s], types = new Map(graph.nodes.map((n) => [n.id, n.type]));
  const tw = types.get(w), tv = types.get(v);
  if (!tw || !tv || graph.outputs.includes(v)) return false;
  if (sizeOf(tw.shape, tw.dtype) !== sizeOf(tv.shape, tv.dtype) || (tw.dtype === "bool") !== (tv.dtype === "bool")) return false;
  let points: number[];
  if (k.loop.kind === "elementwise") points = [...k.loop.domain];
  else if (k.loop.kind === "matmul") {
    if (w === k.loop.node || k.loop.a.source === v || k.loop.b.source === v) return false;
    points = [...k.loop.batch, k.loop.m, k.loop.n];
  } else return false;
  for (const access of k.loads.values()) {
    if (access.source !== v) continue;
    if (access.offset !== 0) return false;
    let stride = 1;
    for (let d = points.length - 1; d >= 0; d--) {
      if (points[d] !== 1 && access.strides[d] !== stride) return false;
      stride *= points[d];
    }
  }
  return kernels.slice(s + 1).every((later) => !readsOf(later).includes(v));
}

/**
 * Runs the plan on a byte-tagged arena: each store writes its value's tag over its slot, and
 * each read (and each output at the end) checks its slot still holds its own tag, so any
 * overlap that would corrupt a live value shows up. Also checks alignment and bounds.
 */
export function simulateArena(graph: Graph, kernels: readonly Kernel[], plan: MemoryPlan): string[] {
  const problems: string[] = [];
  const external = externalValues(graph);
  const arena = new Int32Array(plan.arenaBytes).fill(-1);
  const handovers = new Set<ValueId>();
  const intact = (v: ValueId, when: string) => {
    const slot = plan.buffers.get(v)!;
    for (let b = slot.offset; b < slot.offset + slot.bytes; b++) {
      if (arena[b] !== v) return problems.push(`%${v} overwritten by %${arena[b]} ${when}`);
    }
  };
  for (const [v, slot] of plan.buffers) {
    if (slot.offset % plan.alignment !== 0) problems.push(`%${v} at unaligned offset ${slot.offset}`);
    if (slot.offset < 0 || slot.offset + slot.bytes > plan.arenaBytes) problems.push(`%${v} outside the arena`);
  }
  if (problems.length > 0) return problems;
  kernels.forEach((k, s) => {
    for (const v of readsOf(k)) if (!external.has(v)) intact(v, `before kernel ${k.id} (step ${s}) reads it`);
    for (const v of k.stores) {
      if (external.has(v)) continue;
      const slot = plan.buffers.get(v);
      if (!slot) return problems.push(`%${v} has no slot`);
      arena.fill(v, slot.offset, slot.offset + slot.bytes);
    }
    // a kernel reads while it writes: its stores must not land on what it reads, unless one
    // store takes exactly the slot of a value read for the last time, by the in-place rule
    for (const v of readsOf(k)) {
      if (external.has(v)) continue;
      const slot = plan.buffers.get(v)!, owner = arena[slot.offset];
      const exact = owner !== v && k.stores.includes(owner) && plan.buffers.get(owner)?.offset === slot.offset && plan.buffers.get(owner)?.bytes === slot.bytes;
      if (exact && legalHandover(graph, kernels, s, owner, v)) {
        if (handovers.has(v)) problems.push(`%${v} is handed over twice`);
        handovers.add(v);
        continue;
      }
      intact(v, `by a store of kernel ${k.id} (step ${s}), which reads it`);
    }
  });
  for (const v of graph.outputs) if (plan.buffers.has(v)) intact(v, "at the end");
  return problems;
}
