/** What a pass changed: read from its immer patches when they are exact, else an identity diff by node id. */
import type { Patch } from "immer";
import type { Graph, Node } from "@adjoint/ir";
import type { ChangeSummary } from "./pass";
import { valueIdBound } from "./value-ids";

/** The summary of a pass that changed nothing. */
export const NO_CHANGE: ChangeSummary = Object.freeze({ added: 0, removed: 0, rewritten: 0 });

/**
 * Node indices touched by patches that edit nodes in place (`nodes[i]` replaced, or a field
 * inside it), or null when some patch changes the node list's structure (add, remove,
 * a new array): indices then no longer line up between before and after.
 */
function inPlaceNodeEdits(patches: readonly Patch[]): Set<number> | null {
  const touched = new Set<number>();
  for (const p of patches) {
    const [head, index] = p.path;
    if (head === "nodes") {
      const inPlace = typeof index === "number" && (p.path.length > 2 || p.op === "replace");
      if (!inPlace) return null;
      touched.add(index);
    } else if (head !== "outputs" && head !== "name") {
      return null; // inputs changed: let the diff say how
    }
  }
  return touched;
}

/** Compares the nodes at the touched indices only: O(patches). */
function summarizeTouched(before: Graph, after: Graph, touched: Set<number>): ChangeSummary {
  let added = 0, removed = 0, rewritten = 0;
  for (const i of touched) {
    const a = before.nodes[i], b = after.nodes[i];
    if (a === b) continue;
    if (a.id === b.id) rewritten++;
    else (added++, removed++);
  }
  return { added, removed, rewritten };
}

/** Identity diff by node id: same id, other object is rewritten. O(N); immer keeps untouched nodes identical. */
export function diffById(before: Graph, after: Graph): ChangeSummary {
  const old = new Array<Node | undefined>(Math.max(valueIdBound(before), valueIdBound(after)));
  for (const n of before.nodes) old[n.id] = n;
  let added = 0, rewritten = 0, kept = 0;
  for (const n of after.nodes) {
    const prev = old[n.id];
    if (prev === undefined) added++;
    else {
      kept++;
      if (prev !== n) rewritten++;
    }
  }
  return { added, removed: before.nodes.length - kept, rewritten };
}

/** The change summary of one pass run: from patches where they are exact, else by id diff. */
export function summarizeChange(before: Graph, after: Graph, patches?: readonly Patch[]): ChangeSummary {
  if (after === before) return NO_CHANGE;
  const touched = patches && before.nodes.length === after.nodes.length ? inPlaceNodeEdits(patches) : null;
  return touched ? summarizeTouched(before, after, touched) : diffById(before, after);
}
