/**
 * Hold plans for each policy: which forward values the backward pass keeps, which it
 * recomputes, and how long recomputed values are held. The emitter turns any of them into
 * a graph; the budget search compares them by measuring those graphs.
 */
import type { ValueId } from "@adjoint/ir";
import type { HoldPlan } from "./emit";
import type { JointInfo } from "./joint";
import { FROM_FORWARD, chainPlanner, MAX_DP_STAGES, type ChainPlanner } from "./revolve";
import type { StageChain } from "./stages";

const forever = () => -Infinity;

/**
 * Keep exactly the forward values in `saved` (each until its last reader); any other value
 * the backward reads is recomputed once, at its first reader, and that clone is kept for
 * later readers. This is the save/recompute choice the exhaustive search enumerates.
 */
export function savedSetPlan(info: JointInfo, saved: Iterable<ValueId>): HoldPlan {
  const saveUntil = new Float64Array(info.bound).fill(NaN);
  for (const v of saved) saveUntil[v] = -Infinity;
  return { saveUntil, cloneUntil: forever };
}

/** `"none"`: every residual saved. */
export function saveAllPlan(info: JointInfo): HoldPlan {
  const saveUntil = new Float64Array(info.bound).fill(NaN);
  for (let v = 0; v < info.bound; v++) if (info.residual[v]) saveUntil[v] = -Infinity;
  return { saveUntil, cloneUntil: forever };
}

/**
 * `"all"`: nothing survives the forward pass but its inputs. Each stage's reversal recomputes
 * what it reads from the inputs and drops it afterwards: least memory, quadratic time.
 */
export function recomputeAllPlan(info: JointInfo): HoldPlan {
  return { saveUntil: new Float64Array(info.bound).fill(NaN), cloneUntil: (_, e) => e };
}

/** About how many clones `"all"` makes: each stage's reversal re-runs the stages before it (exact on chains). */
export function recomputeAllEstimate(chain: StageChain): number {
  let prefix = 0, total = 0;
  for (let j = 1; j <= chain.count; j++) (prefix += chain.nodes[j].length), (total += prefix);
  return total;
}

/**
 * `"sqrt"` (Chen et al. 2016): cut the stage chain into k segments of about equal residual
 * bytes, keep the values crossing each cut and the last segment's residuals, and recompute
 * each other segment once when the backward pass reaches it. k is chosen near √M to
 * minimise cuts' bytes plus the largest segment's residual bytes.
 */
export function sqrtPlan(info: JointInfo, chain: StageChain, segments?: number): { plan: HoldPlan; segments: number } {
  const M = chain.count;
  const split = (k: number) => balancedCuts(chain.residualBytes, M, k);
  let best = { cuts: [] as number[], estimate: Infinity, k: 1 };
  const root = Math.sqrt(M);
  const candidates = segments !== undefined ? [segments] : range(Math.max(1, Math.floor(root / 2)), Math.min(M, Math.ceil(2 * root)));
  for (const k of candidates) {
    const cuts = split(k);
    let kept = 0, largest = 0, from = 1;
    for (const c of [...cuts, M]) {
      let seg = 0;
      for (let j = from; j <= c; j++) seg += chain.residualBytes[j];
      largest = Math.max(largest, seg);
      from = c + 1;
    }
    for (const c of cuts) kept += chain.frontierBytes[c];
    if (kept + largest < best.estimate) best = { cuts, estimate: kept + largest, k: cuts.length + 1 };
  }
  const saved: ValueId[] = [];
  for (const c of best.cuts) saved.push(...chain.frontier[c]);
  const lastStart = best.cuts.length ? best.cuts[best.cuts.length - 1] + 1 : 1;
  for (let v = 0; v < info.bound; v++) if (info.residual[v] && chain.stageOf[v] >= lastStart) saved.push(v);
  return { plan: savedSetPlan(info, saved), segments: best.k };
}

const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);

/** k - 1 cut positions (stage indices) splitting stages 1..M into k runs of about equal weight. */
function balancedCuts(weight: Float64Array, M: number, k: number): number[] {
  let total = 0;
  for (let j = 1; j <= M; j++) total += weight[j];
  const cuts: number[] = [];
  let acc = 0;
  for (let j = 1; j < M && cuts.length < k - 1; j++) {
    acc += weight[j];
    if (acc >= (total * (cuts.length + 1)) / k) cuts.push(j);
  }
  return cuts;
}

/** A Revolve planner over the stage chain, merging unequal chains to at most MAX_DP_STAGES segments. */
export interface RevolvePlanner {
  readonly planner: ChainPlanner;
  /** Per stage: its segment (the epoch used by the plans). */
  readonly epochOfStage: Int32Array;
  /** Per segment: the stage it ends at. */
  readonly lastStage: Int32Array;
}

/** Groups the stages (when needed) and prepares Revolve schedules for them. */
export function revolvePlanner(chain: StageChain): RevolvePlanner {
  const M = chain.count;
  let uniform = true;
  for (let j = 2; j < M; j++) if (chain.advanceFlops[j] !== chain.advanceFlops[1] || chain.tapeFlops[j] !== chain.tapeFlops[1]) uniform = false;
  const segments = uniform || M <= MAX_DP_STAGES ? M : MAX_DP_STAGES;
  const cuts = segments === M ? range(1, M - 1) : balancedCuts(chain.advanceFlops, M, segments);
  const S = cuts.length + 1;
  const epochOfStage = new Int32Array(M + 1);
  const lastStage = new Int32Array(S + 1);
  const advance = new Float64Array(S + 1), tape = new Float64Array(S + 1);
  let seg = 1;
  for (let j = 1; j <= M; j++) {
    epochOfStage[j] = seg;
    advance[seg] += chain.advanceFlops[j];
    tape[seg] += chain.tapeFlops[j];
    if (seg <= cuts.length && cuts[seg - 1] === j) (lastStage[seg] = j), seg++;
  }
  lastStage[S] = M;
  return { planner: chainPlanner(advance, tape, S), epochOfStage, lastStage };
}

/**
 * The hold plan of Revolve with `slots` snapshot slots (one of them holds the inputs). With
 * `carry`, the state a segment's reversal started from is held one epoch longer, into the
 * reversal of the segment before it: where a segment's residual is its own output state (a
 * tanh chain), that reversal then needs no re-taping, for one more state held meanwhile.
 */
export function revolvePlan(info: JointInfo, chain: StageChain, rp: RevolvePlanner, slots: number, carry = false): HoldPlan {
  const S = rp.planner.stages;
  const { events } = rp.planner.schedule(slots);
  const saveUntil = new Float64Array(info.bound).fill(NaN);
  const keep = (v: ValueId, u: number) => (saveUntil[v] = Number.isNaN(saveUntil[v]) ? u : Math.min(saveUntil[v], u));
  const held = new Map<number, number>(); // v * (S + 2) + created epoch → until
  for (const e of events) {
    for (const v of chain.frontier[rp.lastStage[e.boundary]]) {
      if (e.created === FROM_FORWARD) keep(v, e.until);
      else {
        const key = v * (S + 2) + e.created;
        held.set(key, Math.min(held.get(key) ?? e.created, e.until));
      }
    }
  }
  // the forward pass ends in the last segment: its residuals and the state before it are still there
  if (S > 1) for (const v of chain.frontier[rp.lastStage[S - 1]]) keep(v, carry ? S - 1 : S);
  for (let v = 0; v < info.bound; v++) if (info.residual[v] && rp.epochOfStage[chain.stageOf[v]] === S) keep(v, S);
  if (carry) {
    for (let e = 2; e <= S; e++) {
      for (const v of chain.frontier[rp.lastStage[e - 1]]) {
        const key = v * (S + 2) + e;
        held.set(key, Math.min(held.get(key) ?? e, e - 1));
      }
    }
  }
  return { epochOfStage: rp.epochOfStage, saveUntil, cloneUntil: (v, e) => held.get(v * (S + 2) + e) ?? e };
}

/**
 * `checkpoint(f)` regions, on top of any plan: values made inside a region are not saved but
 * recomputed once at their first backward reader and then held (as `jax.checkpoint` does);
 * what a region reads from outside it is saved, including another region's output.
 */
export function withRegions(info: JointInfo, plan: HoldPlan): HoldPlan {
  if (!info.hasRegions) return plan;
  const { graph, forward, cloneable, indexOf } = info;
  const regionOf = (v: ValueId) => (cloneable[v] ? graph.nodes[indexOf[v]].tags?.region : undefined);
  const saveUntil = plan.saveUntil.slice();
  const regionNodes = forward.map((i) => graph.nodes[i]).filter((n) => n.tags?.region !== undefined);
  for (const n of regionNodes) saveUntil[n.id] = NaN;
  for (const n of regionNodes) for (const a of n.args) if (cloneable[a] && regionOf(a) !== n.tags!.region) saveUntil[a] = -Infinity;
  return { ...plan, saveUntil, cloneUntil: (v, e) => (regionOf(v) !== undefined ? -Infinity : plan.cloneUntil(v, e)) };
}
