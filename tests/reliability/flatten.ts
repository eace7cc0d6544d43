// The leaves of a run's result tree, shared by the checks and the replay.
import type { HostTensor, Tree } from "adjoint";

/** The leaves of a result tree (a tensor, or arrays/objects of them), in order. */
export function flattenTree(tree: Tree<HostTensor>): HostTensor[] {
  if (tree && typeof tree === "object" && "data" in tree && "shape" in tree) return [tree as HostTensor];
  return Object.values(tree as object).flatMap((v) => flattenTree(v as Tree<HostTensor>));
}
