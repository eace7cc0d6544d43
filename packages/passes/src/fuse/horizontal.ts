/**
 * Horizontal (multi-output) fusion: an elementwise kernel that recomputes prologue members of
 * a reduce kernel over the same points joins that reduce kernel's prologue, so the shared
 * work (W4's sin, cos and exp) runs once and one dispatch stores both the reduction and the
 * per-point values (a prologue store is written at the point's row-major index).
 *
 * An elementwise kernel E joins a reduce kernel R when all of these hold:
 * - E computes some member of R's prologue (merging saves work, not only a dispatch);
 * - R's loop visits its points in the row-major order of the reducer's input (the reduced
 *   dims trail the kept ones, size-1 dims aside, or it reduces everything) and E's domain is
 *   that input's shape up to size-1 dims, so one flat index serves both;
 * - E's members are elementwise ops (or `iota`), and those R also computes are in its prologue;
 * - neither reads what the other stores, and merged loads agree on each key;
 * - the merged kernel stays within `maxBuffers`;
 * - the earlier of the two moves down to the later one's place: nothing in between reads its
 *   stores, and it keeps nothing alive longer (what it loads is an input, a constant or read
 *   at or after that place anyway). So no value is stored earlier than before and peak memory
 *   cannot grow; a forward reduction may thus run in the backward pass beside the gradient.
 */
import type { ValueId } from "@adjoint/ir";
import type { Access, Kernel } from "../plan/types";
import { reduceAxes } from "./access";
import { kernelSources } from "./check";
import { nodeOf, shapeOf, type FuseContext } from "./context";
import { sameUpToUnitDims } from "./views";

type ReduceKernel = Kernel & { readonly loop: Extract<Kernel["loop"], { kind: "reduce" }> };

/** Merges elementwise kernels into reduce kernels where the rule above allows; returns kernels renumbered in order. */
export function mergeHorizontally(ctx: FuseContext, kernels: readonly Kernel[]): Kernel[] {
  if (!ctx.fused) return [...kernels];
  const slots: (Kernel | null)[] = [...kernels];
  const readers = new Map<ValueId, number[]>(); // slots loading each value
  const inPrologue = new Map<ValueId, number[]>(); // row-major reduce kernels computing each value in their prologue
  const sourcesOf = slots.map((k) => kernelSources(k!));
  slots.forEach((k, i) => {
    for (const s of sourcesOf[i]) push(readers, s, i);
    if (k!.loop.kind === "reduce" && rowMajorPoints(ctx, k as ReduceKernel)) for (const m of k!.loop.prologue) push(inPrologue, m, i);
  });
  for (let e = 0; e < slots.length; e++) {
    const E = slots[e];
    if (!E || E.loop.kind !== "elementwise" || !E.nodes.every((m) => isPointwise(ctx, m))) continue;
    const tried = new Set<number>();
    for (const m of E.nodes) {
      for (const r of inPrologue.get(m) ?? []) {
        if (tried.has(r) || slots[r] === null || r === e) continue;
        tried.add(r);
        const merged = tryMerge(ctx, slots, readers, sourcesOf, slots[r] as ReduceKernel, r, E, e);
        if (!merged) continue;
        // the merged kernel takes the later slot; the earlier one's entries move there
        const [a, b] = r < e ? [r, e] : [e, r];
        for (const s of sourcesOf[a]) replace(readers.get(s)!, a, b);
        for (const p of merged.loop.prologue) {
          const list = inPrologue.get(p);
          if (list) replace(list, r, b);
          else inPrologue.set(p, [b]);
        }
        slots[a] = null;
        slots[b] = merged;
        sourcesOf[b] = kernelSources(merged);
        break;
      }
      if (slots[e] !== E) break; // E merged away (or replaced by the merged kernel)
    }
  }
  const out: Kernel[] = [];
  for (const k of slots) if (k) out.push(k.id === out.length ? k : { ...k, id: out.length });
  return out;
}

function push(map: Map<ValueId, number[]>, v: ValueId, i: number): void {
  const list = map.get(v);
  if (!list) map.set(v, [i]);
  else if (list[list.length - 1] !== i) list.push(i);
}

function replace(list: number[], from: number, to: number): void {
  for (let i = 0; i < list.length; i++) if (list[i] === from) list[i] = to;
}

/** Elementwise ops and `iota` can run at a prologue point (movement copies and the like stay out). */
const isPointwise = (ctx: FuseContext, m: ValueId) => ctx.roles[m] === "pointwise" || nodeOf(ctx, m).op === "iota";

/** Input axes walked by the non-unit loop dims of a reduce kernel (domain dims, then reduce dims). */
function walkedAxes(ctx: FuseContext, k: ReduceKernel): number[] {
  const reducer = nodeOf(ctx, k.loop.reducer);
  const input = shapeOf(ctx, reducer.args[0]);
  const { domainAxes, reduceAxes: axes } = reduceAxes(reducer);
  return [...domainAxes, ...axes].filter((a) => a >= 0 && input[a] !== 1);
}

/** Whether the loop's points run in the row-major order of the reducer's input (its flat index is the point's). */
function rowMajorPoints(ctx: FuseContext, k: ReduceKernel): boolean {
  const walked = walkedAxes(ctx, k);
  return walked.every((a, i) => i === 0 || walked[i - 1] < a);
}

/** `acc` (over `from`, a shape equal to the loop's up to size-1 dims) over the loop dims `to`. */
function alignAccess(acc: Access, from: readonly number[], to: readonly number[]): Access {
  const fromDims = from.flatMap((d, i) => (d === 1 ? [] : [i]));
  const strides = new Array<number>(to.length).fill(0);
  let j = 0;
  to.forEach((d, i) => {
    if (d !== 1) strides[i] = acc.strides[fromDims[j++]];
  });
  return { source: acc.source, strides, offset: acc.offset };
}

const sameAccess = (a: Access, b: Access) => a.source === b.source && a.offset === b.offset && a.strides.every((s, i) => s === b.strides[i]);

/** The merged kernel, or null when the rule does not allow merging E into R. */
function tryMerge(
  ctx: FuseContext, slots: readonly (Kernel | null)[], readers: ReadonlyMap<ValueId, number[]>, sourcesOf: readonly ValueId[][],
  R: ReduceKernel, r: number, E: Kernel, e: number,
): ReduceKernel | null {
  if (E.loop.kind !== "elementwise") return null;
  const reducer = nodeOf(ctx, R.loop.reducer);
  const input = shapeOf(ctx, reducer.args[0]);
  if (!sameUpToUnitDims(E.loop.domain, input)) return null;
  const rNodes = new Set(R.nodes), prologue = new Set(R.loop.prologue);
  const added: ValueId[] = [];
  for (const m of E.nodes) {
    if (!rNodes.has(m)) added.push(m);
    else if (!prologue.has(m)) return null; // R computes it at other points
  }
  for (const s of E.stores) if (rNodes.has(s)) return null; // R would compute but not store it; keep it simple
  const loopDims = [...R.loop.domain, ...R.loop.reduce];
  const loads = new Map(R.loads);
  for (const [key, acc] of E.loads) {
    if (rNodes.has(key)) return null;
    const moved = alignAccess(acc, E.loop.domain, loopDims);
    const prev = loads.get(key);
    if (prev && !sameAccess(prev, moved)) return null;
    loads.set(key, moved);
  }
  const eNodes = new Set(E.nodes);
  for (const key of R.loads.keys()) if (eNodes.has(key)) return null;
  const rStores = new Set(R.stores), eStores = new Set(E.stores);
  if (sourcesOf[e].some((s) => rStores.has(s)) || sourcesOf[r].some((s) => eStores.has(s))) return null;
  const stores = [...R.stores, ...E.stores];
  const merged: ReduceKernel = {
    id: Math.max(r, e),
    loop: { ...R.loop, prologue: [...R.loop.prologue, ...added].sort((x, y) => ctx.position[x] - ctx.position[y]) },
    nodes: [...R.loop.prologue, ...added].sort((x, y) => ctx.position[x] - ctx.position[y]).concat(R.loop.reducer, R.loop.epilogue),
    loads,
    stores,
  };
  if (Number.isFinite(ctx.maxBuffers) && kernelSources(merged).length + stores.length > ctx.maxBuffers) return null;
  return movable(ctx, slots, readers, sourcesOf, Math.min(r, e), Math.max(r, e)) ? merged : null;
}

/** Whether the kernel in slot `a` can run at slot `b` instead: nothing in (a, b] reads its stores, and it keeps no value alive longer. */
function movable(ctx: FuseContext, slots: readonly (Kernel | null)[], readers: ReadonlyMap<ValueId, number[]>, sourcesOf: readonly ValueId[][], a: number, b: number): boolean {
  for (const s of slots[a]!.stores) for (const i of readers.get(s) ?? []) if (i > a && i <= b) return false;
  for (const s of sourcesOf[a]) {
    const role = ctx.roles[s];
    if (role === "input" || role === "constant") continue;
    if (!(readers.get(s) ?? []).some((i) => i >= b)) return false;
  }
  return true;
}
