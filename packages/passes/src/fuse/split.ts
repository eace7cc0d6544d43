/**
 * The buffer limit: each group is cut into chunks (the final kernels) whose distinct load
 * sources plus stores stay within `maxBuffers`. Members are taken in a topological order
 * (prologue, reducer, epilogue), so any contiguous run of them is a valid kernel; a run is
 * closed just before the member that would overflow it. A single member is never split
 * further, so only an op with more operands than the limit allows can exceed it.
 */
import type { Shape, ValueId } from "@adjoint/ir";
import type { FuseContext, Phase } from "./context";
import { readsOf, type Group, type Grouping, type LoopKind, type Read } from "./reads";

/** A kernel-to-be: primary members plus members recomputed here (`clones`). */
export interface Chunk {
  kind: LoopKind;
  /** Loop spaces, as in `Group`; a chunk without its group's anchor has the one space of its members. */
  spaces: Shape[];
  anchor: ValueId;
  /** Members this chunk computes and may store, in a topological order. */
  members: ValueId[];
  /** Members recomputed here from another chunk's member (never stored here). */
  clones: ValueId[];
  /** Space index of every member and clone. */
  space: Map<ValueId, number>;
  /** Distinct load sources, with how many reads use each. */
  loads: Map<ValueId, number>;
  /** Members other kernels read or the graph needs (an upper bound until kernels are built). */
  stores: Set<ValueId>;
  phase: Phase;
}

/** Chunks in kernel order and the chunk of each primary member. */
export interface Chunking {
  readonly chunks: Chunk[];
  readonly chunkOf: Int32Array;
}

/** Members of a group in a topological order (graph order) that keeps each space contiguous. */
function unitOrder(ctx: FuseContext, group: Group, grouping: Grouping): ValueId[] {
  if (group.kind === "opaque" || group.members.length === 1) return group.members;
  const sorted = [...group.members].sort((a, b) => ctx.position[a] - ctx.position[b]);
  if (group.kind === "elementwise") return sorted;
  const rest = sorted.filter((m) => m !== group.anchor);
  if (group.kind === "matmul") return [group.anchor, ...rest]; // the epilogue does not feed the matmul
  return [...rest.filter((m) => grouping.spaceOf[m] === 0), group.anchor, ...rest.filter((m) => grouping.spaceOf[m] === 1)];
}

/** Cuts every group into chunks within `ctx.maxBuffers`. O(members + reads). */
export function splitGroups(ctx: FuseContext, grouping: Grouping): Chunking {
  const bound = ctx.position.length;
  // how many reads of each value would come from memory if no reader shared its kernel
  const totalReads = new Int32Array(bound);
  for (const group of grouping.groups) for (const m of group.members) for (const r of readsOf(ctx, grouping, m)) totalReads[r.view.base]++;
  const chunkOf = new Int32Array(bound).fill(-1);
  const chunks: Chunk[] = [];
  // per member of the open chunk: reads from outside it, plus 1 if it must be stored
  const outside = new Int32Array(bound);
  const inOpen = (v: ValueId) => chunkOf[v] === chunks.length - 1;
  for (const group of grouping.groups) {
    let open: Chunk | undefined;
    for (const m of unitOrder(ctx, group, grouping)) {
      const reads = readsOf(ctx, grouping, m);
      const own = ctx.mustStore[m] + totalReads[m];
      if (open && Number.isFinite(ctx.maxBuffers) && buffersWith(open, reads, own, inOpen, outside) > ctx.maxBuffers) open = undefined;
      if (!open) chunks.push((open = emptyChunk(group.phase)));
      for (const r of reads) {
        if (!inOpen(r.arg)) open.loads.set(r.view.base, (open.loads.get(r.view.base) ?? 0) + 1);
        else if (inOpen(r.view.base) && --outside[r.view.base] === 0) open.stores.delete(r.view.base);
      }
      open.members.push(m);
      chunkOf[m] = chunks.length - 1;
      outside[m] = own;
      if (own > 0) open.stores.add(m);
    }
  }
  for (const c of chunks) shapeChunk(c, grouping);
  return { chunks, chunkOf };
}

const emptyChunk = (phase: Phase): Chunk => ({
  kind: "elementwise", spaces: [], anchor: -1, members: [], clones: [], space: new Map(), loads: new Map(), stores: new Set(), phase,
});

/** Buffers of the open chunk once member `m` (with these reads) joins it. */
function buffersWith(open: Chunk, reads: readonly Read[], own: number, inOpen: (v: ValueId) => boolean, outside: Int32Array): number {
  const newSources = new Set<ValueId>();
  const freedBy = new Map<ValueId, number>(); // in-kernel reads of open members that m adds
  for (const r of reads) {
    if (!inOpen(r.arg)) {
      if (!open.loads.has(r.view.base)) newSources.add(r.view.base);
    } else if (inOpen(r.view.base)) freedBy.set(r.view.base, (freedBy.get(r.view.base) ?? 0) + 1);
  }
  let freed = 0;
  for (const [v, k] of freedBy) if (outside[v] > 0 && outside[v] === k) freed++;
  return open.loads.size + newSources.size + open.stores.size - freed + (own > 0 ? 1 : 0);
}

/** Sets a chunk's loop kind and spaces from its group and which members it got. */
function shapeChunk(c: Chunk, grouping: Grouping): void {
  const group = grouping.groups[grouping.groupOf[c.members[0]]];
  if (c.members.includes(group.anchor)) {
    c.kind = group.kind;
    c.spaces = group.spaces;
    c.anchor = group.anchor;
    for (const m of c.members) c.space.set(m, grouping.spaceOf[m]);
    return;
  }
  // an anchor-less run of one space: an elementwise kernel over that space
  const space = grouping.spaceOf[c.members[0]];
  c.kind = "elementwise";
  c.spaces = [group.spaces[space]];
  for (const m of c.members) c.space.set(m, 0);
}
