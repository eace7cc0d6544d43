/**
 * The recompute rule. A cheap elementwise value that other kernels read is, by default,
 * stored once and loaded by each reader. Instead, each reading kernel may compute it again
 * from the same loads (softmax's `exp(x - max)` read by the final division is the classic
 * case), when all of these hold:
 *
 * - the value is pure, pointwise, not a graph output or `materialize` value, and every
 *   reader reads it at the same points (directly, not through a broadcast or transpose);
 * - its *cone* (it plus the pointwise members of its kernel it is computed from, stopping at
 *   values stored anyway) has at most `MAX_CONE` nodes, whose other operands are materialised;
 * - the cost model says it pays: with `costOf` flops priced at `FLOPS_PER_BYTE` per byte,
 *   Σ_readers (coneFlops / FLOPS_PER_BYTE + bytes of loads the reader lacks) < bytes(v) × (1 + readers),
 *   the right side being the store and the loads it saves;
 * - no reader exceeds `maxBuffers`;
 * - a forward value recomputed in a backward kernel does not keep more intermediate bytes
 *   alive until then than the value itself (inputs and constants live all run anyway);
 * - no node of the cone is compared (eq, ne, lt, le, gt, ge, directly or through movement
 *   ops) with another computed value: reduce_max's VJP masks the argmax with `eq(x, max(x))`,
 *   and two kernels computing x may round it differently (a GPU compiler contracts one copy
 *   into an FMA and not the other), making the mask all false. Such a value is computed once
 *   and stored.
 */
import { DTYPE_BYTES, costOf, numel, opDef, type ValueId } from "@adjoint/ir";
import { forEachConsumer, nodeOf, shapeOf, type FuseContext } from "./context";
import { readsOf, type Grouping, type Read } from "./reads";
import type { Chunk, Chunking } from "./split";
import { movedOperand, sameUpToUnitDims } from "./views";

/** Largest cone (nodes) recomputed in another kernel. */
export const MAX_CONE = 8;
/** Price of one byte of memory traffic in flops: recomputing pays when it moves fewer bytes. */
export const FLOPS_PER_BYTE = 4;

const bytesOf = (ctx: FuseContext, v: ValueId) => numel(shapeOf(ctx, v)) * DTYPE_BYTES[ctx.types[v]!.dtype];

/** A reader kernel of `v` and the space its readers compute in. */
interface Reader {
  readonly chunk: Chunk;
  readonly space: number;
}

/** Applies the recompute rule to every stored pointwise value, in kernel order. */
export function recomputeCheapValues(ctx: FuseContext, grouping: Grouping, chunking: Chunking): void {
  const { chunks, chunkOf } = chunking;
  const holders = new Map<ValueId, Chunk[]>(); // chunks holding a clone of a value
  // chunks computing a value (none for dead nodes fusion left out)
  const chunksWith = (v: ValueId): Chunk[] => [...(chunkOf[v] >= 0 ? [chunks[chunkOf[v]]] : []), ...(holders.get(v) ?? [])];
  for (const home of chunks) {
    for (const v of home.members) {
      if (!home.stores.has(v) || ctx.mustStore[v] || ctx.roles[v] !== "pointwise" || opDef(nodeOf(ctx, v).op).pure === false) continue;
      const readers = readersOf(ctx, chunksWith, home, v);
      const cone = readers && coneOf(ctx, grouping, home, v);
      if (!readers || !cone || readers.length === 0 || cone.nodes.some((u) => compared(ctx, u))) continue;
      if (!pays(ctx, chunkOf, chunks, home, v, readers, cone)) continue;
      for (const { chunk, space } of readers) {
        for (const u of cone.nodes) {
          if (chunk.space.has(u)) continue;
          chunk.clones.push(u);
          chunk.space.set(u, space);
          const held = holders.get(u);
          if (held) held.push(chunk);
          else holders.set(u, [chunk]);
        }
        chunk.loads.delete(v);
        for (const r of cone.leaves) if (!chunk.space.has(r.arg)) chunk.loads.set(r.view.base, (chunk.loads.get(r.view.base) ?? 0) + 1);
      }
      home.stores.delete(v);
    }
  }
}

/** Comparison ops: their result must not depend on which kernel's copy of an operand they see. */
const COMPARISONS: ReadonlySet<string> = new Set(["eq", "ne", "lt", "le", "gt", "ge"]);

/** The value a chain of movement ops reads (itself when `v` is not a movement node). */
function throughViews(ctx: FuseContext, v: ValueId): ValueId {
  while (ctx.roles[v] === "view") v = movedOperand(nodeOf(ctx, v));
  return v;
}

/**
 * Whether `v` is compared (directly or through movement ops) with another computed value,
 * which may be computed from `v` in another kernel (`eq(x, max(x))`). Comparing with a
 * literal, an input or a constant (relu's `x > 0`) is exact whichever copy of `v` it sees, up
 * to `v`'s own rounding, so it does not count. An iterative walk over view consumers.
 */
function compared(ctx: FuseContext, v: ValueId): boolean {
  const stack = [v];
  while (stack.length) {
    const w = stack.pop()!;
    let found = false;
    forEachConsumer(ctx, w, (c) => {
      const node = nodeOf(ctx, c);
      if (ctx.roles[c] === "view") stack.push(c);
      else if (COMPARISONS.has(node.op) && node.args.some((a) => a !== w && isComputed(ctx, throughViews(ctx, a)))) found = true;
    });
    if (found) return true;
  }
  return false;
}

/** Whether some kernel computes `v` (not an input, a constant or a literal). */
const isComputed = (ctx: FuseContext, v: ValueId) => ctx.roles[v] !== "input" && ctx.roles[v] !== "constant" && ctx.roles[v] !== "inline";

/** The kernels (other than `home`) reading `v`, or null when some reader cannot recompute it. */
function readersOf(ctx: FuseContext, chunksWith: (v: ValueId) => Chunk[], home: Chunk, v: ValueId): Reader[] | null {
  const found = new Map<Chunk, number>();
  let ok = true;
  forEachConsumer(ctx, v, (c) => {
    const role = ctx.roles[c];
    if (role === "view") ok = false; // read at other points (or folded into another view)
    if (!ok || (role !== "pointwise" && role !== "reducer")) return void (ok = false);
    for (const chunk of chunksWith(c)) {
      if (chunk === home || chunk.space.has(v)) continue;
      const space = role === "reducer" ? 0 : chunk.space.get(c)!; // a reducer reads its input in the prologue
      const prev = found.get(chunk);
      if ((prev !== undefined && prev !== space) || !sameUpToUnitDims(chunk.spaces[space], shapeOf(ctx, v))) ok = false;
      found.set(chunk, space);
    }
  });
  return ok ? [...found].map(([chunk, space]) => ({ chunk, space })) : null;
}

/** The nodes to recompute (topological order) and the reads they make outside themselves. */
interface Cone {
  readonly nodes: ValueId[];
  readonly leaves: readonly Read[];
  readonly flops: number;
}

/** `v` plus the pure pointwise members of `home` it is computed from, in the same space; null when too large. */
function coneOf(ctx: FuseContext, grouping: Grouping, home: Chunk, v: ValueId): Cone | null {
  const space = home.space.get(v);
  const inCone = new Set<ValueId>([v]);
  const stack = [v];
  while (stack.length) {
    const u = stack.pop()!;
    for (const r of readsOf(ctx, grouping, u)) {
      const a = r.arg;
      // values stored anyway are loaded, not recomputed (their own decision came earlier)
      if (inCone.has(a) || home.space.get(a) !== space || home.stores.has(a)) continue;
      const pointwise = ctx.roles[a] === "pointwise" && opDef(nodeOf(ctx, a).op).pure !== false;
      // a movement member computed as an identity of an in-kernel operand costs nothing
      const identity = ctx.roles[a] === "view" && home.space.has(readsOf(ctx, grouping, a)[0].arg);
      if (!pointwise && !identity) continue;
      if (inCone.size === MAX_CONE) return null;
      inCone.add(a);
      stack.push(a);
    }
  }
  const nodes = [...inCone].sort((a, b) => ctx.position[a] - ctx.position[b]);
  const leaves: Read[] = [];
  let flops = 0;
  for (const u of nodes) {
    const node = nodeOf(ctx, u);
    flops += costOf(node.op, node.args.map((a) => ctx.types[a]!), node.type).flops;
    for (const r of readsOf(ctx, grouping, u)) if (!inCone.has(r.arg)) leaves.push(r);
  }
  return { nodes, leaves, flops };
}

/** Whether every leaf is materialised for each reader, the buffers fit, and the cost model favours recomputing. */
function pays(ctx: FuseContext, chunkOf: Int32Array, chunks: readonly Chunk[], home: Chunk, v: ValueId, readers: readonly Reader[], cone: Cone): boolean {
  let added = 0;
  for (const { chunk, space } of readers) {
    const fresh = new Set<ValueId>();
    for (const r of cone.leaves) {
      if (chunk.space.has(r.arg)) {
        if (chunk.space.get(r.arg) !== space) return false;
        continue; // computed in the reader already
      }
      const s = r.view.base;
      const role = ctx.roles[s];
      if (role !== "input" && role !== "constant") {
        const producer = chunkOf[s] >= 0 ? chunks[chunkOf[s]] : undefined;
        if (!producer || producer === chunk || !producer.stores.has(s)) return false; // would need a new store
      }
      if (!chunk.loads.has(s)) fresh.add(s);
    }
    for (const u of cone.nodes) if (chunk.space.has(u) && chunk.space.get(u) !== space) return false;
    const buffers = chunk.loads.size - (chunk.loads.has(v) ? 1 : 0) + fresh.size + chunk.stores.size;
    if (buffers > ctx.maxBuffers) return false;
    // in the backward pass, the leaves must stay alive instead of v: no more bytes than v
    if (chunk.phase !== home.phase && keptAlive(ctx, fresh) > bytesOf(ctx, v)) return false;
    added += cone.flops / FLOPS_PER_BYTE;
    for (const s of fresh) added += bytesOf(ctx, s);
  }
  return added < bytesOf(ctx, v) * (1 + readers.length);
}

/** Bytes of intermediate values (not inputs or constants, which live all run) a reader would newly hold. */
function keptAlive(ctx: FuseContext, sources: Iterable<ValueId>): number {
  let bytes = 0;
  for (const s of sources) if (ctx.roles[s] !== "input" && ctx.roles[s] !== "constant") bytes += bytesOf(ctx, s);
  return bytes;
}
