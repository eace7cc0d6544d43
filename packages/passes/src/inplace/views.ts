/**
 * Which values may share memory. Fusion folds broadcasts, transposes, reshapes and slices
 * into strided reads of their operand (plan/types.ts `Access`), so such a node may have no
 * buffer of its own: reading it reads its operand's memory. Overwriting a buffer therefore
 * clobbers every view of it, and the in-place analyses reason about buffers ("roots").
 */
import type { Graph, Node, ValueId } from "@adjoint/ir";
import { valueIdBound } from "../value-ids";

/**
 * Movement ops that may be views of an operand's memory rather than copies: the ops fusion
 * folds into accesses (fuse/views.ts). `custom_vjp`'s value is its last operand's.
 */
export const VIEW_OPS: ReadonlySet<string> = new Set(["broadcast", "reshape", "transpose", "slice", "custom_vjp"]);

// Views that keep their operand's element order: element i of the view is element i of the operand.
const IN_ORDER: ReadonlySet<string> = new Set(["reshape", "custom_vjp"]);

/** The operand whose memory a view node reads. */
export const viewedOperand = (n: Node): ValueId | undefined => (n.op === "custom_vjp" ? n.args[n.args.length - 1] : n.args[0]);

/** Per value id: the value owning its memory, and whether it reads that memory in another order. */
export interface ViewTable {
  /** One more than the largest value id (the length of the arrays). */
  readonly bound: number;
  /** The value whose buffer `id` may live in: `id` itself unless it is a view; -1 for unknown ids. */
  readonly root: Int32Array;
  /**
   * 1 when the view chain from the root reorders, repeats or skips elements (anything but
   * reshapes and custom_vjp): element i of the view is not element i of the root's buffer.
   */
  readonly strided: Uint8Array;
}

/** The view table of `g`, in one forward sweep (views only point backwards, so no recursion). */
export function viewTable(g: Graph): ViewTable {
  const bound = valueIdBound(g);
  const root = new Int32Array(bound).fill(-1);
  const strided = new Uint8Array(bound);
  for (const i of g.inputs) root[i.id] = i.id;
  for (const n of g.nodes) {
    const src = VIEW_OPS.has(n.op) ? viewedOperand(n) : undefined;
    if (src !== undefined && root[src] >= 0) {
      root[n.id] = root[src];
      strided[n.id] = strided[src] || !IN_ORDER.has(n.op) ? 1 : 0;
    } else {
      root[n.id] = n.id;
    }
  }
  return { bound, root, strided };
}

/**
 * 1 for every value that shares memory with the target of an in-place write: the target, the
 * value it views, and every other view of that value. Rewrites must not merge such a value
 * with another one (either way): the write would then clobber the other's readers, or its
 * tag would name a value that no longer exists.
 */
export function writeTargets(g: Graph): Uint8Array {
  const { root, bound } = viewTable(g);
  const pinnedRoot = new Uint8Array(bound);
  for (const n of g.nodes) {
    const w = n.tags?.writes;
    if (w !== undefined && w >= 0 && w < bound && root[w] >= 0) pinnedRoot[root[w]] = 1;
  }
  const pinned = new Uint8Array(bound);
  for (let id = 0; id < bound; id++) if (root[id] >= 0 && pinnedRoot[root[id]]) pinned[id] = 1;
  return pinned;
}
