/**
 * From chunks to `Kernel`s: adds `iota` where it is read, drops members nothing
 * observes (one backward liveness sweep over all kernels), and derives each kernel's
 * loop, loads and stores from what its live members read.
 */
import type { ValueId } from "@adjoint/ir";
import type { Access, Kernel, KernelLoop } from "../plan/types";
import { accessFor, loopShape, matmulAccesses, type LoopShape } from "./access";
import { nodeOf, type FuseContext } from "./context";
import { readsOf, type Grouping, type Read } from "./reads";
import type { Chunk, Chunking } from "./split";

/** The space a member reads its operands in (a reducer reads its input in the prologue). */
const readSpace = (ctx: FuseContext, chunk: Chunk, m: ValueId) => (ctx.roles[m] === "reducer" ? 0 : chunk.space.get(m)!);

/**
 * Adds a clone of every `iota` operand in the space of its reader (it depends on the point).
 * `full` operands and movement chains over one are literals: no member, no load.
 */
function addIotaOperands(ctx: FuseContext, chunk: Chunk): void {
  for (const m of [...chunk.members, ...chunk.clones]) {
    const role = ctx.roles[m];
    if (role !== "pointwise" && role !== "reducer") continue;
    for (const a of nodeOf(ctx, m).args) {
      if (ctx.nodes[a]?.op === "iota" && !chunk.space.has(a)) {
        chunk.clones.push(a);
        chunk.space.set(a, readSpace(ctx, chunk, m));
      }
    }
  }
}

/** Members and clones in execution order: prologue, anchor, the rest; by graph position within each. */
function executionOrder(ctx: FuseContext, chunk: Chunk): ValueId[] {
  const all = [...chunk.members, ...chunk.clones].sort((a, b) => ctx.position[a] - ctx.position[b]);
  if (chunk.kind !== "reduce") return all;
  const rest = all.filter((m) => m !== chunk.anchor);
  return [...rest.filter((m) => chunk.space.get(m) === 0), chunk.anchor, ...rest.filter((m) => chunk.space.get(m) === 1)];
}

/** Builds the kernels of a chunking; kernels that store nothing are dropped. */
export function buildKernels(ctx: FuseContext, grouping: Grouping, chunking: Chunking): Kernel[] {
  const { chunks, chunkOf } = chunking;
  if (ctx.fused) for (const c of chunks) addIotaOperands(ctx, c);
  const { live, needed } = liveness(ctx, grouping, chunking, chunks.map((c) => executionOrder(ctx, c)));
  const kernels: Kernel[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const members = live[i];
    if (!members) continue;
    const stores = members.filter((u) => chunkOf[u] === i && (ctx.mustStore[u] === 1 || needed[u] === 1));
    kernels.push(makeKernel(ctx, grouping, chunks[i], i, chunkOf, members, stores, kernels.length));
  }
  checkSourcesStored(ctx, needed, kernels);
  return kernels;
}

/**
 * Backward liveness over all kernels: a member is live if stored (an output, or read by a
 * later live kernel) or read by a live member of its own kernel; the anchor is live whenever
 * its kernel is. Returns the live members of each chunk (null: nothing observable) and which
 * values some kernel loads.
 */
function liveness(ctx: FuseContext, grouping: Grouping, { chunks, chunkOf }: Chunking, orders: readonly ValueId[][]) {
  const needed = new Uint8Array(ctx.position.length);
  const usedIn = new Int32Array(ctx.position.length).fill(-1); // chunk whose live members read the value in-kernel
  const live: (ValueId[] | null)[] = new Array(chunks.length).fill(null);
  for (let i = chunks.length - 1; i >= 0; i--) {
    const chunk = chunks[i];
    let observable = false;
    for (const u of chunk.members) if (ctx.mustStore[u] === 1 || needed[u] === 1) observable = true;
    if (!observable) continue;
    const kept: ValueId[] = [];
    for (let j = orders[i].length - 1; j >= 0; j--) {
      const u = orders[i][j];
      const stored = chunkOf[u] === i && (ctx.mustStore[u] === 1 || needed[u] === 1);
      if (!stored && usedIn[u] !== i && u !== chunk.anchor) continue;
      kept.push(u);
      for (const r of readsOf(ctx, grouping, u)) {
        if (chunk.space.has(r.arg)) usedIn[r.arg] = i;
        else needed[r.view.base] = 1;
      }
      for (const a of nodeOf(ctx, u).args) if (grouping.inPlace[a] && chunk.space.has(a)) usedIn[a] = i; // computed in place
    }
    live[i] = kept.reverse();
  }
  return { live, needed };
}

function makeKernel(
  ctx: FuseContext, grouping: Grouping, chunk: Chunk, index: number, chunkOf: Int32Array, members: ValueId[], stores: ValueId[], id: number,
): Kernel {
  const shape = loopShape(chunk.kind, chunk.spaces, chunk.anchor >= 0 ? nodeOf(ctx, chunk.anchor) : undefined);
  const loads = new Map<ValueId, Access>();
  let operands: readonly Read[] = [];
  for (const m of members) {
    const reads = readsOf(ctx, grouping, m);
    if (ctx.roles[m] === "matmul") {
      operands = reads;
      continue;
    }
    const space = readSpace(ctx, chunk, m);
    for (const r of reads) {
      if (chunk.space.has(r.arg)) {
        checkInKernelRead(ctx, chunk, m, r.arg, space);
        continue;
      }
      if (chunkOf[r.view.base] === index) throw new Error(`internal: kernel ${id} would load %${r.view.base}, which it computes itself`);
      const acc = accessFor(shape, space, r.view);
      const prev = loads.get(r.key);
      if (prev && (prev.source !== acc.source || prev.offset !== acc.offset || prev.strides.some((s, d) => s !== acc.strides[d]))) {
        throw new Error(`internal: kernel ${id} reads %${r.key} through two different accesses`);
      }
      loads.set(r.key, acc);
    }
  }
  return { id, loop: loopOf(chunk, shape, members, operands), nodes: members, loads, stores };
}

/** In-kernel operands must be computed at the same points (a prologue value read by the epilogue only when the reduction has one point). */
function checkInKernelRead(ctx: FuseContext, chunk: Chunk, reader: ValueId, arg: ValueId, space: number): void {
  const at = chunk.space.get(arg);
  if (at === space || ctx.roles[reader] === "view") return;
  const onePoint = chunk.kind === "reduce" && chunk.spaces[0].reduce((p, d) => p * d, 1) === chunk.spaces[1].reduce((p, d) => p * d, 1);
  if (!onePoint) throw new Error(`internal: %${reader} reads %${arg} across loop spaces`);
}

function loopOf(chunk: Chunk, shape: LoopShape, members: ValueId[], operands: readonly Read[]): KernelLoop {
  switch (chunk.kind) {
    case "elementwise":
      return { kind: "elementwise", domain: chunk.spaces[0] };
    case "opaque":
      return { kind: "opaque", node: chunk.anchor };
    case "reduce": {
      const inSpace = (s: number) => members.filter((m) => m !== chunk.anchor && chunk.space.get(m) === s);
      const anchor = shape.anchor!;
      const reduce = (anchor.attrs.axes as readonly number[]).map((a) => chunk.spaces[0][a]);
      return { kind: "reduce", domain: chunk.spaces[1], reduce, prologue: inSpace(0), reducer: chunk.anchor, epilogue: inSpace(1) };
    }
    case "matmul": {
      const out = chunk.spaces[0];
      const r = out.length;
      const [a, b] = operands.map((o) => o.view);
      const { a: accA, b: accB } = matmulAccesses(a, b);
      const epilogue = members.filter((m) => m !== chunk.anchor);
      return { kind: "matmul", batch: out.slice(0, r - 2), m: out[r - 2], n: out[r - 1], k: a.shape[r - 1], node: chunk.anchor, a: accA, b: accB, epilogue };
    }
  }
}

/** Every value a kernel reads that is not an input or a constant must be stored by some kernel. */
function checkSourcesStored(ctx: FuseContext, needed: Uint8Array, kernels: readonly Kernel[]): void {
  const stored = new Uint8Array(needed.length);
  for (const k of kernels) for (const s of k.stores) stored[s] = 1;
  for (let v = 0; v < needed.length; v++) {
    const role = ctx.roles[v];
    if (needed[v] && !stored[v] && role !== "input" && role !== "constant") throw new Error(`internal: %${v} is read but no kernel stores it`);
  }
}
