/**
 * `{ budgetBytes }`: the least recomputation whose peak fits the budget. Candidate plans are
 * measured, not estimated: each is emitted and its peak taken, by `liveBytesPeak` (node
 * order, every result counted) or by the planned arena (`plannedPeak`: fused, scheduled,
 * planned, as the compiled report shows it). On a
 * chain, Revolve with the most slots that fit is optimal in Griewank–Walther's model; the
 * other candidates cover what that model leaves out (held tapes, states that are tapes).
 */
import { AdjointError, type ValueId } from "@adjoint/ir";
import { emitRecompute, RecomputeLimitError, type EmitResult, type HoldPlan } from "./emit";
import type { JointInfo } from "./joint";
import { liveBytesPeak } from "./live-bytes";
import { recomputeAllPlan, revolvePlan, revolvePlanner, saveAllPlan, savedSetPlan, sqrtPlan, withRegions } from "./plans";
import type { StageChain } from "./stages";
import type { Graph } from "@adjoint/ir";

/** How a candidate's peak is measured. */
export type PeakOf = (g: Graph) => number;

/** One measured candidate. */
export interface Candidate {
  /** The plan family: `none`, `sqrt`, `revolve`, `revolve-carry`, `greedy` (a save set) or `all`. */
  readonly kind: string;
  /** Revolve's slot count (inputs' slot included), for the Revolve families. */
  readonly slots?: number;
  readonly result: EmitResult;
  readonly peak: number;
}

/** The save-set search runs only on graphs this small (each step measures every neighbour). */
const GREEDY_MAX_CHOICES = 24;
export const GREEDY_MAX_NODES = 1000;

/** Emits and measures `plan` (with regions applied); undefined when it passes the node limit. */
export function measure(
  info: JointInfo, chain: StageChain, plan: HoldPlan, kind: string, limit: number, slots?: number, peakOf: PeakOf = liveBytesPeak,
): Candidate | undefined {
  try {
    const result = emitRecompute(info, chain, withRegions(info, plan), limit);
    return { kind, result, peak: peakOf(result.graph), ...(slots !== undefined ? { slots } : {}) };
  } catch (e) {
    if (e instanceof RecomputeLimitError) return undefined;
    throw e;
  }
}

/**
 * The candidate with the least recompute flops whose peak (by `peakOf`) fits `budget`; throws
 * with the least reachable peak otherwise. `greedyMaxNodes` bounds the save-set search.
 */
export function fitBudget(
  info: JointInfo, chain: StageChain, budget: number, maxNodes: number, peakOf: PeakOf = liveBytesPeak, greedyMaxNodes = GREEDY_MAX_NODES,
): Candidate {
  // candidates many times the graph's size are not worth building while searching
  const limit = Math.min(maxNodes, Math.max(100_000, 16 * info.graph.nodes.length));
  if (!(budget >= 0)) throw new AdjointError(`checkpoint: budgetBytes must be a non-negative number of bytes, got ${budget}`);
  const tried: Candidate[] = [];
  const take = (c: Candidate | undefined) => (c && tried.push(c), c);
  const none = take(measure(info, chain, saveAllPlan(info), "none", limit, undefined, peakOf))!;
  if (none.peak <= budget) return none;

  const rp = revolvePlanner(chain);
  const maxSlots = Math.max(1, rp.planner.stages);
  // The most slots that fit, for Revolve and for Revolve with carried states: recomputation
  // only falls as slots grow. Few slots mean many clones, so one slot is tried last.
  // Too few slots can also exceed the node limit (no candidate): then more slots are tried.
  const mostSlots = (carry: boolean): Candidate | undefined => {
    const seen = new Map<number, Candidate | undefined>();
    let lo = 0;
    for (let hi = maxSlots; lo < hi; ) {
      const mid = Math.ceil((lo + hi) / 2);
      const c = take(measure(info, chain, revolvePlan(info, chain, rp, mid, carry), carry ? "revolve-carry" : "revolve", limit, mid, peakOf));
      seen.set(mid, c);
      if (!c || c.peak <= budget) lo = mid;
      else hi = mid - 1;
    }
    return seen.get(lo);
  };
  const fit = mostSlots(false);
  mostSlots(true);
  const root = Math.sqrt(chain.count);
  // the "sqrt" policy's own choice of segments, then fixed counts around √N
  const own = sqrtPlan(info, chain);
  take(measure(info, chain, own.plan, "sqrt", limit, undefined, peakOf));
  for (const k of new Set([Math.round(root / 2), Math.round(root), Math.round(2 * root)])) {
    if (k >= 2 && k <= chain.count && k !== own.segments) take(measure(info, chain, sqrtPlan(info, chain, k).plan, "sqrt", limit, undefined, peakOf));
  }
  take(greedySaveSet(info, chain, budget, limit, peakOf, greedyMaxNodes));
  // "all" recomputes the most of any plan: it matters only when nothing else fits
  if (!tried.some((c) => c.peak <= budget)) take(measure(info, chain, recomputeAllPlan(info), "all", limit, undefined, peakOf));

  let best: Candidate | undefined;
  for (const c of tried) {
    if (c.peak > budget) continue;
    if (!best || c.result.recomputeFlops < best.result.recomputeFlops) best = c;
  }
  if (fit && (!best || fit.result.recomputeFlops <= best.result.recomputeFlops)) best = fit;
  if (best) return best;
  const least = tried.reduce((a, c) => (c.peak < a.peak ? c : a));
  throw new AdjointError(
    `checkpoint: no plan fits a budget of ${budget} bytes; the smallest budget that can be met is ${least.peak} bytes` +
      ` (plan '${least.kind}'${least.slots !== undefined ? ` with ${least.slots} slot(s)` : ""}; without checkpointing the peak is ${none.peak} bytes)`,
  );
}

/**
 * Local search over save sets (small graphs only: each step measures every neighbour). A
 * neighbour drops a saved value, saves one more, or saves a value's operands in its place
 * (a narrow value before a broadcast is worth keeping instead of the broadcast). Moves go
 * first toward the budget, then toward fewer recompute flops within it. Three starts: every
 * residual saved ("none"), nothing saved, and residuals replaced by narrower operands.
 */
function greedySaveSet(info: JointInfo, chain: StageChain, budget: number, limit: number, peakOf: PeakOf, maxNodes: number): Candidate | undefined {
  const { graph, indexOf, cloneable, pinned, residual, forward } = info;
  const choices = forward.map((i) => graph.nodes[i].id).filter((v) => !pinned[v]);
  if (choices.length > GREEDY_MAX_CHOICES || graph.nodes.length > maxNodes) return undefined;
  const over = (c: Candidate) => Math.max(0, c.peak - budget);
  const better = (a: Candidate, b: Candidate) => over(a) < over(b) || (over(a) === over(b) && a.result.recomputeFlops < b.result.recomputeFlops);
  // a third start keeps the operands of each residual that are narrower than it (a
  // reduction before its broadcast): several such swaps may pay only together
  const narrow = new Set<ValueId>();
  for (const v of choices) {
    if (!residual[v]) continue;
    const args = graph.nodes[indexOf[v]].args.filter((a) => cloneable[a] && !pinned[a]);
    const argBytes = args.reduce((sum, a) => sum + info.bytes[a], 0);
    if (args.length && argBytes < info.bytes[v]) for (const a of args) narrow.add(a);
    else narrow.add(v);
  }
  let best: Candidate | undefined;
  for (const start of [choices.filter((v) => residual[v]), [], [...narrow]]) {
    let saved = new Set<ValueId>(start);
    let current = measure(info, chain, savedSetPlan(info, saved), "greedy", limit, undefined, peakOf);
    while (current) {
      let move: { next: Set<ValueId>; c: Candidate } | undefined;
      const consider = (next: Set<ValueId>) => {
        const c = measure(info, chain, savedSetPlan(info, next), "greedy", limit, undefined, peakOf);
        if (c && better(c, move?.c ?? current!)) move = { next, c };
      };
      for (const v of choices) {
        const next = new Set(saved);
        if (!saved.has(v)) (next.add(v), consider(next));
        else {
          next.delete(v);
          consider(next);
          const swap = new Set(next);
          for (const a of graph.nodes[indexOf[v]].args) if (cloneable[a] && !pinned[a]) swap.add(a);
          if (swap.size > next.size) consider(swap);
        }
      }
      if (!move) break;
      (saved = move.next), (current = move.c);
    }
    if (current && (!best || better(current, best))) best = current;
  }
  return best;
}
