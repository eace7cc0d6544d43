/**
 * What a kernel member reads, in one place for every fusion stage: buffer counting, the
 * recompute rule and kernel building all ask `readsOf`, so they agree on loads and stores.
 */
import type { Shape, ValueId } from "@adjoint/ir";
import { nodeOf, shapeOf, type FuseContext, type Phase } from "./context";
import { contiguousView, movedOperand, type View } from "./views";

/** The loop a group of nodes runs as (see `KernelLoop` in plan/types.ts). */
export type LoopKind = "elementwise" | "reduce" | "matmul" | "opaque";

/**
 * Nodes that will run as one kernel (before `maxBuffers` splitting). A *space* is a set of
 * loop points at which members are computed: elementwise `[domain]`, reduce
 * `[reducer input shape (prologue), reducer output shape (reducer + epilogue)]`,
 * matmul `[output shape]`, opaque none.
 */
export interface Group {
  kind: LoopKind;
  spaces: Shape[];
  /** The reducer, matmul or opaque node; -1 for elementwise groups. */
  anchor: ValueId;
  /** Members in the order they joined, which is topological. */
  members: ValueId[];
  phase: Phase;
}

/** The grouping of a graph: membership and the resolved view of every movement node. */
export interface Grouping {
  readonly groups: Group[];
  /** Group index of each member; -1 for values that are no group's member. */
  readonly groupOf: Int32Array;
  /** Space index of each member in its group; -1 for opaque anchors. */
  readonly spaceOf: Int32Array;
  /** Resolved view of each foldable movement node (fused: the whole chain; unfused: one step). */
  readonly views: (View | undefined)[];
  /**
   * 1 for operands a pointwise or reducer member does not load: `iota` (computed in place,
   * as a member) and `full` or movement chains over one (literals: the same value everywhere).
   */
  readonly inPlace: Uint8Array;
  /** What each member reads (filled on first use; reads depend only on the node and the grouping). */
  readonly reads: (readonly Read[] | undefined)[];
}

/**
 * One memory read a member would make if `arg` is not computed in the same kernel: the
 * load `key` (the value id the member refers to) and the strided `view` of a materialised
 * base. A movement member reads its own view (key = itself) unless its operand is in-kernel.
 */
export interface Read {
  readonly arg: ValueId;
  readonly key: ValueId;
  readonly view: View;
}

/** Whole-buffer views, one per value (cached: fusion asks for them again and again). */
const contiguous = new WeakMap<FuseContext, (View | undefined)[]>();
function contiguousOf(ctx: FuseContext, a: ValueId): View {
  let cache = contiguous.get(ctx);
  if (!cache) contiguous.set(ctx, (cache = new Array(ctx.position.length)));
  return (cache[a] ??= contiguousView(a, shapeOf(ctx, a)));
}

/** The view a pointwise, reducer or matmul member reads `a` through. */
function loadView(ctx: FuseContext, grouping: Grouping, a: ValueId): View {
  const view = ctx.fused && ctx.roles[a] === "view" ? grouping.views[a] : undefined;
  return view ?? contiguousOf(ctx, a);
}

/** Opaque routines read whole contiguous buffers: a movement member is read from its own store. */
function opaqueView(ctx: FuseContext, grouping: Grouping, a: ValueId): View {
  return ctx.roles[a] === "view" && grouping.groupOf[a] < 0 ? loadView(ctx, grouping, a) : contiguousOf(ctx, a);
}

/**
 * The reads of member `m` (operands it computes in place, `inPlace`, read nothing). They depend only on the node and the grouping, so they are computed once.
 */
export function readsOf(ctx: FuseContext, grouping: Grouping, m: ValueId): readonly Read[] {
  return (grouping.reads[m] ??= computeReads(ctx, grouping, m));
}

function computeReads(ctx: FuseContext, grouping: Grouping, m: ValueId): Read[] {
  const node = nodeOf(ctx, m);
  switch (ctx.roles[m]) {
    case "inline":
      return [];
    case "view":
      return [{ arg: movedOperand(node), key: m, view: grouping.views[m]! }];
    case "opaque":
      return node.args.map((a) => ({ arg: a, key: a, view: opaqueView(ctx, grouping, a) }));
    default: {
      const reads: Read[] = [];
      for (const a of node.args) {
        if (grouping.inPlace[a] && ctx.roles[m] !== "matmul") continue;
        reads.push({ arg: a, key: a, view: loadView(ctx, grouping, a) });
      }
      return reads;
    }
  }
}
