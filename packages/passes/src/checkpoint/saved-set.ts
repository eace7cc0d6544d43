/** One point of the save/recompute space, exposed so tests can search it exhaustively. */
import type { Graph, ValueId } from "@adjoint/ir";
import { emitRecompute } from "./emit";
import { analyzeJoint } from "./joint";
import { savedSetPlan, withRegions } from "./plans";
import { forwardStages } from "./stages";

/**
 * The joint graph `g` with exactly the forward values in `saved` kept for the backward pass;
 * every other forward value the backward reads is recomputed once, at its first reader,
 * and that clone is kept for later readers. Returns the graph and its recompute flops.
 */
export function recomputeWithSaved(g: Graph, saved: Iterable<ValueId>): { graph: Graph; recomputeFlops: number } {
  const info = analyzeJoint(g);
  const { graph, recomputeFlops } = emitRecompute(info, forwardStages(info), withRegions(info, savedSetPlan(info, saved)));
  return { graph, recomputeFlops };
}
