/** Value ids are small dense integers, so per-value facts live in arrays indexed by id (several times faster than a Map on 100k nodes). */
import type { Graph } from "@adjoint/ir";

/** One more than the largest value id of `g`: the length an id-indexed array needs. */
export function valueIdBound(g: Graph): number {
  let max = -1;
  for (const i of g.inputs) if (i.id > max) max = i.id;
  for (const n of g.nodes) if (n.id > max) max = n.id;
  return max + 1;
}
