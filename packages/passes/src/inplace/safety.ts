/**
 * In-place safety. A node tagged `writes = %v` may take over v's memory, which destroys v:
 * every later use of v (or of a view of v's memory) would read the new contents. On a joint
 * forward+backward graph the classic victim is the backward pass, which runs after the
 * whole forward pass and reads forward values (sigmoid's backward reads its output).
 *
 * `analyzeInplace` finds every such write in one forward sweep; the `inplace` pass then
 * either fails with both ops and both source lines, or ("copy" mode) drops the unsafe
 * write's tag, so that write gets a fresh buffer: the clone the user would have written.
 */
import { AdjointError, freezeNode, opDef, sameShape, type Graph, type Node, type TensorType, type ValueId } from "@adjoint/ir";
import type { Pass } from "../pass";
import { formatHazard } from "./message";
import { viewTable } from "./views";

/** `"error"`: an unsafe write is a compile error. `"copy"`: it writes a fresh buffer instead. */
export type InplaceMode = "error" | "copy";

/** Options of the `inplace` pass. */
export interface InplaceOptions {
  readonly mode: InplaceMode;
}

/** How an unsafe write would corrupt a result. */
export type HazardKind =
  /** A node after the write still uses the old memory (reads the old value or a view of it, or writes it again). */
  | "read"
  /** The function returns the old value (or a view of it). */
  | "output"
  /** The write reads a reordered view (transpose, slice, broadcast) of the memory it overwrites. */
  | "self-view";

/** One write that would overwrite memory something still needs. */
export interface InplaceHazard {
  /** The writing node (tagged `writes`). */
  readonly write: Node;
  /** The value it overwrites: its `writes` tag. */
  readonly target: ValueId;
  /** The value owning that memory: the target, or the value the target is a view of. */
  readonly buffer: ValueId;
  readonly kind: HazardKind;
  /** The node that needs the old memory: a later node ("read") or the write's own view operand ("self-view"). */
  readonly reader?: Node;
  /** For "self-view": the operand that is a view of the overwritten memory. */
  readonly view?: ValueId;
  /** For "output": the index of the output that returns the old value. */
  readonly output?: number;
  /** Uses of the old memory after the write, in all. */
  readonly laterUses: number;
}

/** What the analysis found: unsafe writes, and writes that can never reuse their target's memory. */
export interface InplaceAnalysis {
  readonly hazards: readonly InplaceHazard[];
  /**
   * Writes that always get a fresh buffer: not elementwise, of another type than the target,
   * targeting a reordered view, or targeting an embedded `constant` (reused by every run).
   */
  readonly unsupported: readonly Node[];
}

// Among the first uses after a write, a backward (or recompute) reader is the one worth naming.
const READER_SCAN = 64;

/**
 * Every in-place write of `g` that is unsafe, in graph order. Uses of each overwritten
 * buffer are listed once in graph order (outputs last), so each write looks up its first
 * later use by binary search: O(N + E + W log E).
 */
export function analyzeInplace(g: Graph): InplaceAnalysis {
  const views = viewTable(g);
  const { root, strided, bound } = views;
  const n = g.nodes.length;
  const writes: number[] = [];
  const unsupported: Node[] = [];
  const types = new Array<TensorType | undefined>(bound);
  for (const input of g.inputs) types[input.id] = input.type;
  const embedded = new Uint8Array(bound); // `constant` nodes: the executable's data, shared by every run
  const isTarget = new Uint8Array(bound);
  const claims = new Uint8Array(n); // node indices of the writes that may take memory over
  for (let i = 0; i < n; i++) {
    const node = g.nodes[i];
    const target = node.tags?.writes;
    if (target !== undefined) {
      const type = target >= 0 && target < bound && root[target] >= 0 ? types[target] : undefined;
      const cls = opDef(node.op).class;
      const fits = type !== undefined && type.dtype === node.type.dtype && sameShape(type.shape, node.type.shape);
      if (!fits || (cls !== "elementwise" && cls !== "source") || strided[target] || embedded[root[target]]) unsupported.push(node);
      else {
        writes.push(i);
        claims[i] = 1;
        isTarget[root[target]] = 1;
      }
    }
    types[node.id] = node.type;
    if (node.op === "constant") embedded[node.id] = 1;
  }
  if (writes.length === 0) return { hazards: [], unsupported };

  // Positions (node index, or n + k for output k) using each overwritten buffer, ascending.
  const uses = new Map<ValueId, number[]>();
  const use = (r: number, pos: number) => {
    if (r < 0 || !isTarget[r]) return;
    let list = uses.get(r);
    if (!list) uses.set(r, (list = []));
    if (list[list.length - 1] !== pos) list.push(pos);
  };
  for (let i = 0; i < n; i++) {
    const node = g.nodes[i];
    for (const a of node.args) use(root[a], i);
    if (claims[i]) use(root[node.tags!.writes!], i); // a second write takes the memory over too
  }
  g.outputs.forEach((o, k) => use(root[o], n + k));

  const hazards: InplaceHazard[] = [];
  for (const i of writes) {
    const write = g.nodes[i];
    const target = write.tags!.writes!;
    const buffer = root[target];
    const selfView = write.args.find((a) => a !== target && root[a] === buffer && strided[a]);
    const list = uses.get(buffer) ?? [];
    const first = firstAfter(list, i);
    const laterUses = list.length - first;
    if (selfView !== undefined) {
      hazards.push({ write, target, buffer, kind: "self-view", reader: write, view: selfView, laterUses });
    } else if (first < list.length) {
      const pos = preferDerived(g, list, first);
      if (pos >= n) hazards.push({ write, target, buffer, kind: "output", output: pos - n, laterUses });
      else hazards.push({ write, target, buffer, kind: "read", reader: g.nodes[pos], laterUses });
    }
  }
  return { hazards, unsupported };
}

/** Index of the first entry of ascending `list` greater than `pos` (list.length if none). */
function firstAfter(list: readonly number[], pos: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] > pos) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The first later use by a backward/recompute node among the next few, else the first later use. */
function preferDerived(g: Graph, list: readonly number[], first: number): number {
  const end = Math.min(list.length, first + READER_SCAN);
  for (let k = first; k < end; k++) {
    const node = g.nodes[list[k]];
    if (node?.loc.origin) return list[k];
  }
  return list[first];
}

/** What the pass did: the graph, the unsafe writes found, and how many writes now take a fresh buffer. */
export interface InplaceSafetyResult {
  readonly graph: Graph;
  readonly hazards: readonly InplaceHazard[];
  /** Writes whose `writes` tag was dropped (each is a copy the backend makes instead of reusing memory). */
  readonly copies: number;
}

/**
 * Checks the in-place writes of `g`. Mode "error" throws on the first unsafe write (naming
 * the write, the value it clobbers, the op that still needs it, and the fix); mode "copy"
 * drops the `writes` tag of every unsafe write. Writes that cannot reuse memory at all
 * (see `InplaceAnalysis.unsupported`) lose their tag in both modes.
 */
export function checkInplace(g: Graph, mode: InplaceMode): InplaceSafetyResult {
  const { hazards, unsupported } = analyzeInplace(g);
  if (mode === "error" && hazards.length > 0) {
    const others = hazards.length - 1;
    const more = others > 0 ? `\n(${others} more unsafe in-place write${others > 1 ? "s" : ""} in @${g.name}.)` : "";
    throw new AdjointError(formatHazard(g, hazards[0]) + more, hazards[0].write.op, hazards[0].write.loc);
  }
  const drop = new Set<ValueId>(unsupported.map((u) => u.id));
  for (const h of hazards) drop.add(h.write.id);
  if (drop.size === 0) return { graph: g, hazards, copies: 0 };
  // Built directly rather than through immer: one draft edit per write costs ~0.1 ms each.
  const nodes = g.nodes.map((node) => (drop.has(node.id) ? withoutWrite(node) : node));
  return { graph: Object.freeze({ ...g, nodes: Object.freeze(nodes) }), hazards, copies: drop.size };
}

/** The node without its `writes` tag (other tags kept): it then writes a fresh buffer. */
export function withoutWrite(node: Node): Node {
  const { writes: _dropped, ...rest } = node.tags ?? {};
  const bare: Node = { id: node.id, op: node.op, args: node.args, attrs: node.attrs, type: node.type, loc: node.loc };
  return freezeNode(Object.keys(rest).length ? { ...bare, tags: rest } : bare);
}

/**
 * The in-place safety pass (`inplace`). Run it on the joint graph after autodiff and
 * checkpointing, so backward and recompute readers are all present. Default mode: "error".
 */
export const inplaceSafety: Pass<InplaceOptions> = {
  name: "inplace",
  summary: "reject (or copy) in-place writes that overwrite a value a later node, such as the backward pass, still reads",
  run(g, ctx) {
    return checkInplace(g, ctx.options?.mode ?? "error").graph;
  },
};
