/**
 * Grouping: one pass over the nodes in topological order assigns each node to a group
 * (a future kernel). Groups are numbered in creation order and every group reads only older
 * groups, so the creation order is a valid kernel order and no merge can close a cycle:
 *
 * - a pointwise node joins the newest group it reads, if it is computed at the same points
 *   as what it reads there (and not also a broadcast or transpose of that group's results);
 * - otherwise it is *pending*: it waits for its first consumer and joins that consumer's
 *   group (a node reading only inputs or older kernels is fused forward into its user);
 * - a reduction takes an elementwise group (or pending cone) producing its input as its
 *   prologue; a matmul starts a group its elementwise epilogue joins;
 * - a pending node read through a view, by a matmul or opaque op, or never read (an output)
 *   gets a group of its own.
 *
 * O(nodes + edges): each pending node is gathered into a group once.
 */
import type { Node, Shape, ValueId } from "@adjoint/ir";
import { nodeOf, shapeOf, type FuseContext, type Phase } from "./context";
import type { Group, Grouping, LoopKind } from "./reads";
import { applyMovement, contiguousView, isContiguous, movedOperand, sameUpToUnitDims, type View } from "./views";

/** Forward work never shares a kernel with backward work (grad and recompute both run in the backward pass). */
const phaseFits = (a: Phase, b: Phase) => a === b || (a !== "forward" && b !== "forward");

class Grouper {
  readonly groups: Group[] = [];
  readonly groupOf: Int32Array;
  readonly spaceOf: Int32Array;
  readonly views: (View | undefined)[];
  readonly pending: Uint8Array;
  readonly inPlace: Uint8Array;

  constructor(readonly ctx: FuseContext) {
    const bound = ctx.position.length;
    this.groupOf = new Int32Array(bound).fill(-1);
    this.spaceOf = new Int32Array(bound).fill(-1);
    this.views = new Array(bound);
    this.pending = new Uint8Array(bound);
    this.inPlace = new Uint8Array(bound);
  }

  newGroup(kind: LoopKind, spaces: Shape[], anchor: ValueId, phaseOf: ValueId): number {
    this.groups.push({ kind, spaces, anchor, members: [], phase: this.ctx.phase[phaseOf]! });
    return this.groups.length - 1;
  }

  add(g: number, v: ValueId, space: number): void {
    this.groups[g].members.push(v);
    this.groupOf[v] = g;
    this.spaceOf[v] = space;
    this.pending[v] = 0;
  }

  /** Views that keep every element at its flat index, so a kernel computes them as identities. */
  isTransparent(v: ValueId): boolean {
    const n = this.ctx.nodes[v];
    if (!n || this.ctx.roles[v] !== "view") return false;
    return n.op === "custom_vjp" || (n.op === "reshape" && sameUpToUnitDims(n.type.shape, shapeOf(this.ctx, n.args[0])));
  }

  /** Walks `a` back through transparent views that are not yet members; returns the value reached and the views passed. */
  throughTransparent(a: ValueId): { at: ValueId; chain: ValueId[] } {
    const chain: ValueId[] = [];
    let at = a;
    while (this.groupOf[at] < 0 && this.isTransparent(at)) {
      chain.push(at);
      at = movedOperand(nodeOf(this.ctx, at));
    }
    return { at, chain };
  }

  /** The value a reader of `a` loads from memory (the base of a view). */
  baseOf(a: ValueId): ValueId {
    return this.ctx.roles[a] === "view" ? this.views[a]!.base : a;
  }

  /** Pending nodes `roots` and the pending nodes they read, in graph order. */
  gather(roots: readonly ValueId[]): ValueId[] {
    const cone: ValueId[] = [];
    const stack: ValueId[] = [];
    for (const r of roots) if (this.pending[r] === 1) (this.pending[r] = 2), stack.push(r); // 2: gathered
    while (stack.length) {
      const u = stack.pop()!;
      cone.push(u);
      for (const a of nodeOf(this.ctx, u).args) if (this.pending[a] === 1) (this.pending[a] = 2), stack.push(a);
    }
    return cone.sort((a, b) => this.ctx.position[a] - this.ctx.position[b]);
  }

  /** Gives pending `v` (and the pending nodes it reads) an elementwise group of its own. */
  force(v: ValueId): void {
    if (!this.pending[v]) return;
    const g = this.newGroup("elementwise", [shapeOf(this.ctx, v)], -1, v);
    for (const u of this.gather([v])) this.add(g, u, 0);
  }

  /** Gives a movement node a kernel of its own that stores it (it becomes a contiguous base). */
  materialize(v: ValueId): void {
    if (this.groupOf[v] >= 0) return;
    this.ensureStored(this.views[v]!.base);
    this.add(this.newGroup("elementwise", [shapeOf(this.ctx, v)], -1, v), v, 0);
  }

  /** A `full`/`iota` some kernel reads from memory gets a kernel storing it (created on first need, so older than its readers). */
  ensureStored(base: ValueId): void {
    if (this.ctx.roles[base] === "inline" && this.groupOf[base] < 0) this.add(this.newGroup("elementwise", [shapeOf(this.ctx, base)], -1, base), base, 0);
  }

  /**
   * Whether `cone` (plus the node joining with it) can join group `target` at `space`: what
   * it reads from `target` must be at the same points, and everything else must be older.
   * Returns the transparent views to add along, or null.
   */
  fits(cone: readonly ValueId[], target: number, space: number): ValueId[][] | null {
    const chains: ValueId[][] = [];
    for (const u of cone) {
      for (const a of nodeOf(this.ctx, u).args) {
        if (this.inPlace[a] || this.pending[a] === 2) continue;
        const { at, chain } = this.throughTransparent(a);
        const h = this.groupOf[at];
        if (h === target && this.spaceOf[at] === space) chains.push(chain);
        else if (h >= 0 && this.spaceOf[at] >= 0 ? h >= target : this.groupOf[this.baseOf(a)] >= target) return null;
      }
    }
    return chains;
  }

  addChain(g: number, chain: readonly ValueId[], space: number): void {
    for (let i = chain.length - 1; i >= 0; i--) if (this.groupOf[chain[i]] < 0) this.add(g, chain[i], space);
  }

  /** Pending operands computed on the other side of the forward/backward line get groups of their own. */
  forceOtherPhase(n: Node): void {
    for (const a of n.args) if (this.pending[a] && !phaseFits(this.ctx.phase[a]!, this.ctx.phase[n.id]!)) this.force(a);
  }

  placePointwise(n: Node): void {
    const ctx = this.ctx;
    this.forceOtherPhase(n);
    let newest = -1;
    const inGroup: { g: number; space: number; chain: ValueId[] }[] = [];
    for (const a of n.args) {
      if (this.inPlace[a] || this.pending[a]) continue; // computed in place / joins along
      const { at, chain } = this.throughTransparent(a);
      if (!(this.groupOf[at] >= 0 && this.spaceOf[at] >= 0)) this.ensureStored(this.baseOf(a));
      const g = this.groupOf[at];
      if (g >= 0 && this.spaceOf[at] >= 0) inGroup.push({ g, space: this.spaceOf[at], chain });
      newest = Math.max(newest, g >= 0 && this.spaceOf[at] >= 0 ? g : this.groupOf[this.baseOf(a)]);
    }
    const here = inGroup.filter((r) => r.g === newest);
    if (here.length && here.every((r) => r.space === here[0].space)) {
      const group = this.groups[newest], space = here[0].space;
      if (group.kind !== "opaque" && phaseFits(group.phase, ctx.phase[n.id]!) && sameUpToUnitDims(n.type.shape, group.spaces[space])) {
        const cone = this.gather([...n.args, n.id].filter((a) => this.pending[a]));
        const chains = this.fits([...cone, n.id], newest, space);
        if (chains) {
          for (const c of chains) this.addChain(newest, c, space);
          for (const u of cone) this.add(newest, u, space);
          this.add(newest, n.id, space);
          return;
        }
        for (const u of cone) this.pending[u] = 1; // not joined: back to waiting
      }
    }
    this.pending[n.id] = 1;
  }

  placeReducer(r: Node): void {
    const ctx = this.ctx;
    const x = r.args[0];
    const input = shapeOf(ctx, x);
    this.forceOtherPhase(r);
    if (this.pending[x]) {
      // the pending cone producing the input becomes this reduction's prologue
      const g = this.newGroup("reduce", [input, r.type.shape], r.id, r.id);
      for (const u of this.gather([x])) this.add(g, u, 0);
      return this.add(g, r.id, 1);
    }
    if (!this.inPlace[x]) {
      const { at, chain } = this.throughTransparent(x);
      this.ensureStored(this.baseOf(x));
      const g = this.groupOf[at];
      const group = g >= 0 ? this.groups[g] : undefined;
      // an elementwise group producing the input becomes this reduction's prologue
      if (group && group.kind === "elementwise" && phaseFits(group.phase, ctx.phase[r.id]!) && sameUpToUnitDims(group.spaces[0], input)) {
        group.kind = "reduce";
        group.spaces = [input, r.type.shape];
        group.anchor = r.id;
        this.addChain(g, chain, 0);
        return this.add(g, r.id, 1);
      }
    }
    this.add(this.newGroup("reduce", [input, r.type.shape], r.id, r.id), r.id, 1);
  }

  placeView(v: Node): void {
    const ctx = this.ctx;
    const o = movedOperand(v);
    this.force(o);
    const inner = ctx.roles[o] === "view" ? this.views[o]! : contiguousView(o, shapeOf(ctx, o));
    let view = applyMovement(v, inner);
    if (!view) {
      // a reshape the strides cannot express: store the operand contiguously, then reshape that
      this.materialize(o);
      view = applyMovement(v, contiguousView(o, shapeOf(ctx, o)))!;
    }
    this.views[v.id] = view;
    // a view of a constant is the same constant everywhere: readers compute it in place
    if (ctx.nodes[o]?.op === "full" || (ctx.roles[o] === "view" && this.inPlace[o])) this.inPlace[v.id] = 1;
    if (!ctx.mustStore[v.id]) return;
    // a stored reshape of a member is computed in the member's kernel at the same flat index
    const g = this.groupOf[o];
    const joins = (v.op === "reshape" || v.op === "custom_vjp") && g >= 0 && this.spaceOf[o] >= 0 && phaseFits(this.groups[g].phase, ctx.phase[v.id]!);
    if (joins) this.add(g, v.id, this.spaceOf[o]);
    else this.materialize(v.id);
  }

  placeOpaque(n: Node): void {
    for (const a of n.args) {
      this.force(a);
      // dedicated routines read whole buffers: strided views they read are stored first
      if (this.ctx.roles[a] === "view" && this.groupOf[a] < 0 && !isContiguous(this.views[a]!)) this.materialize(a);
      this.ensureStored(this.ctx.roles[a] === "view" && this.groupOf[a] < 0 ? this.views[a]!.base : a);
    }
    this.add(this.newGroup("opaque", [], n.id, n.id), n.id, -1);
  }

  placeMatmul(n: Node): void {
    for (const a of n.args) this.force(a), this.ensureStored(this.baseOf(a));
    this.add(this.newGroup("matmul", [n.type.shape], n.id, n.id), n.id, 0);
  }

  /** `full`/`iota` are computed where read; a kernel stores one only if it is an output or read from memory (`ensureStored`). */
  placeInline(n: Node): void {
    this.inPlace[n.id] = 1;
    if (this.ctx.mustStore[n.id]) this.ensureStored(n.id);
  }
}

/** Groups the nodes of a graph into kernels-to-be; `ctx.fused = false` gives one group per node. */
export function groupNodes(ctx: FuseContext): Grouping {
  const g = new Grouper(ctx);
  for (const n of ctx.graph.nodes) {
    if (!ctx.fused) placeAlone(g, n);
    else placeFused(g, n);
  }
  // pending values nobody read are outputs (or dead, and left out)
  if (ctx.fused) for (const n of ctx.graph.nodes) if (g.pending[n.id] && ctx.mustStore[n.id]) g.force(n.id);
  const inPlace = ctx.fused ? g.inPlace : new Uint8Array(ctx.position.length); // unfused: everything is loaded
  return { groups: g.groups, groupOf: g.groupOf, spaceOf: g.spaceOf, views: g.views, inPlace, reads: new Array(ctx.position.length) };
}

function placeFused(g: Grouper, n: Node): void {
  switch (g.ctx.roles[n.id]) {
    case "constant":
      return; // materialised before any kernel, like an input
    case "inline":
      return g.placeInline(n);
    case "pointwise":
      return g.placePointwise(n);
    case "view":
      return g.placeView(n);
    case "reducer":
      return g.placeReducer(n);
    case "matmul":
      return g.placeMatmul(n);
    default:
      return g.placeOpaque(n);
  }
}

/** Unfused: every node its own kernel; a movement node is a copy reading its operand through one strided view. */
function placeAlone(g: Grouper, n: Node): void {
  const role = g.ctx.roles[n.id];
  if (role === "constant") return;
  if (role === "view") {
    const o = movedOperand(n);
    g.views[n.id] = applyMovement(n, contiguousView(o, shapeOf(g.ctx, o)))!;
  }
  const kind: LoopKind = role === "reducer" ? "reduce" : role === "matmul" ? "matmul" : role === "opaque" ? "opaque" : "elementwise";
  const spaces = kind === "reduce" ? [shapeOf(g.ctx, n.args[0]), n.type.shape] : kind === "opaque" ? [] : [n.type.shape];
  const space = kind === "reduce" ? 1 : kind === "opaque" ? -1 : 0;
  g.add(g.newGroup(kind, spaces, kind === "elementwise" ? -1 : n.id, n.id), n.id, space);
}
