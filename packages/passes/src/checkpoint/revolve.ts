/**
 * Optimal checkpointing of a chain (Griewank & Walther, "Algorithm 799: Revolve", 2000).
 * A chain of M stages is reversed stage by stage, last first; reversing stage k needs the
 * state before it (its input) and re-tapes the stage from that state. Snapshots of states
 * are kept in s slots; one slot always holds the chain's input (the graph inputs). The
 * forward pass is the first sweep: its advances are free, and the snapshots it takes are
 * saved forward values. In these terms Revolve's count of forward steps, t(M, s), equals
 * the stages this schedule recomputes: the M - 1 first-sweep advances it counts are the
 * forward pass, and in their place every stage but the last is re-taped once.
 */

/** β(s, r) = C(s + r, s): the longest chain s slots reverse with at most r repetitions per step. */
export function binomialBeta(s: number, r: number): number {
  if (r < 0 || s < 0) return 0;
  let b = 1;
  for (let i = 1; i <= Math.min(s, r); i++) b = (b * (s + r - i + 1)) / i;
  return Math.round(b);
}

/** The repetition number: the least r with β(s, r) ≥ l. */
function repetitions(l: number, s: number): number {
  let r = 0;
  while (binomialBeta(s, r) < l) r++;
  return r;
}

/** t(l, s) = r·l − β(s + 1, r − 1): Revolve's minimal forward steps for l steps and s ≥ 1 slots. */
export function revolveSteps(l: number, s: number): number {
  if (s < 1) throw new Error(`revolve: needs at least one slot, got ${s}`);
  if (l <= 1) return 0;
  const r = repetitions(l, s);
  return r * l - binomialBeta(s + 1, r - 1);
}

/** A snapshot of the state after `boundary` (a stage index), taken at `created`, kept through epoch `until`. */
export interface SnapshotEvent {
  readonly boundary: number;
  /** The epoch during which it is taken; `FROM_FORWARD` for a forward value kept from the first sweep. */
  readonly created: number;
  readonly until: number;
}

/** `created` of snapshots taken by the forward pass itself. */
export const FROM_FORWARD = Number.POSITIVE_INFINITY;

/** A chain schedule: the snapshots to keep, and its cost (in the unit of the stage costs, flops). */
export interface ChainSchedule {
  readonly events: readonly SnapshotEvent[];
  readonly cost: number;
}

/**
 * Cost tables: `sub(s, i, k)` reverses stages i..k from a kept state before i (the tape of
 * each stage included); `top(s, i)` reverses i..M right after the forward pass reached M.
 * `split` returns the optimal first snapshot: after advancing stages i..j-1, the state
 * before j is kept (j = k, or j = M at the top: no snapshot, the current state is used).
 */
interface ChainCosts {
  top(s: number, i: number): number;
  splitSub(s: number, i: number, k: number): number;
  splitTop(s: number, i: number): number;
}

/** Closed form for chains of equal stages: the split window comes from the binomials. */
function uniformCosts(M: number): ChainCosts {
  const sub = (s: number, L: number) => revolveSteps(L, s) + L; // tapes included
  const top = (s: number, L: number) => revolveSteps(L, s);
  // the smallest optimal advance; checked against the closed form, with a scan as a safety net
  const firstGuess = (s: number, L: number) => {
    const r = repetitions(L, s);
    return Math.min(L - 1, Math.max(1, L - binomialBeta(s - 1, r), binomialBeta(s, r - 2)));
  };
  const subAt = (s: number, L: number, j: number) => j + (j === L - 1 ? 1 : sub(s - 1, L - j)) + sub(s, j);
  const topAt = (s: number, L: number, j: number) => (j === L - 1 ? sub(s, L - 1) : top(s - 1, L - j) + sub(s, j));
  const pick = (s: number, L: number, at: (s: number, L: number, j: number) => number, best: number) => {
    if (s === 1) return L - 1;
    const j = firstGuess(s, L);
    if (at(s, L, j) === best) return j;
    for (let k = 1; k < L; k++) if (at(s, L, k) === best) return k;
    throw new Error(`revolve: no optimal split for ${L} stages and ${s} slots`);
  };
  return {
    top: (s, i) => top(s, M - i + 1),
    splitSub: (s, i, k) => i + pick(s, k - i + 1, subAt, sub(s, k - i + 1)),
    splitTop: (s, i) => i + pick(s, M - i + 1, topAt, top(s, M - i + 1)),
  };
}

/**
 * Dynamic programme for chains of unequal stages (advance and tape flops per stage), over
 * all slot counts up to `maxSlots`: O(maxSlots · M³) time, so callers merge long chains first.
 */
function chainCosts(advance: Float64Array, tape: Float64Array, M: number, maxSlots: number): ChainCosts {
  const prefix = new Float64Array(M + 1);
  for (let i = 1; i <= M; i++) prefix[i] = prefix[i - 1] + advance[i];
  const adv = (i: number, j: number) => prefix[j] - prefix[i - 1]; // stages i..j
  const at = (i: number, k: number) => (i - 1) * M + (k - 1);
  const sub: Float64Array[] = [], subJ: Int32Array[] = [], top: Float64Array[] = [], topJ: Int32Array[] = [];
  for (let s = 1; s <= maxSlots; s++) {
    const T = new Float64Array(M * M), J = new Int32Array(M * M);
    for (let len = 1; len <= M; len++) {
      for (let i = 1; i + len - 1 <= M; i++) {
        const k = i + len - 1;
        if (len === 1) ((T[at(i, k)] = tape[k]), (J[at(i, k)] = k));
        else {
          let best = adv(i, k - 1) + tape[k] + T[at(i, k - 1)], bestJ = k;
          if (s > 1) {
            for (let j = i + 1; j < k; j++) {
              const c = adv(i, j - 1) + sub[s - 2][at(j, k)] + T[at(i, j - 1)];
              if (c < best) (best = c), (bestJ = j);
            }
          }
          T[at(i, k)] = best;
          J[at(i, k)] = bestJ;
        }
      }
    }
    const F = new Float64Array(M + 1), FJ = new Int32Array(M + 1);
    FJ[M] = M;
    for (let i = M - 1; i >= 1; i--) {
      let best = T[at(i, M - 1)], bestJ = M;
      if (s > 1) {
        for (let j = i + 1; j < M; j++) {
          const c = top[s - 2][j] + T[at(i, j - 1)];
          if (c < best) (best = c), (bestJ = j);
        }
      }
      F[i] = best;
      FJ[i] = bestJ;
    }
    sub.push(T), subJ.push(J), top.push(F), topJ.push(FJ);
  }
  const clamp = (s: number) => Math.min(s, maxSlots) - 1;
  return {
    top: (s, i) => top[clamp(s)][i],
    splitSub: (s, i, k) => subJ[clamp(s)][at(i, k)],
    splitTop: (s, i) => topJ[clamp(s)][i],
  };
}

/** Chains up to this many stages get the exact dynamic programme; longer unequal chains are merged first. */
export const MAX_DP_STAGES = 64;

/** Prepared schedules for one chain, for any slot count. */
export interface ChainPlanner {
  readonly stages: number;
  /** True when every stage but the last costs the same: Revolve's closed form applies. */
  readonly uniform: boolean;
  schedule(slots: number): ChainSchedule;
}

/**
 * A planner for a chain whose stage `j` costs `advance[j]` to advance through and `tape[j]`
 * to re-tape (1-based). The last stage's costs never matter: the forward pass just ran it.
 */
export function chainPlanner(advance: Float64Array, tape: Float64Array, M: number): ChainPlanner {
  let uniform = true;
  for (let j = 2; j < M; j++) if (advance[j] !== advance[1] || tape[j] !== tape[1]) uniform = false;
  if (!uniform && M > MAX_DP_STAGES) throw new Error(`revolve: ${M} unequal stages; merge them to at most ${MAX_DP_STAGES} first`);
  let dp: ChainCosts | undefined;
  const costsFor = (): ChainCosts => (dp ??= uniform ? uniformCosts(M) : chainCosts(advance, tape, M, M));
  return {
    stages: M,
    uniform,
    schedule(slots) {
      if (slots < 1) throw new Error(`revolve: needs at least one slot, got ${slots}`);
      const costs = costsFor();
      // uniform: t(M, s) stage runs, of which M - 1 re-tape a stage and the rest advance
      const steps = M <= 1 ? 0 : revolveSteps(M, slots);
      const cost = M <= 1 ? 0 : uniform ? (steps - (M - 1)) * advance[1] + (M - 1) * tape[1] : costs.top(slots, 1);
      return { events: snapshotEvents(costs, M, slots), cost };
    },
  };
}

/**
 * Walks the optimal recursion with an explicit work list and records every snapshot. A
 * sub-chain i..k starts being reversed during epoch k (its last stage's reversal), so the
 * snapshots it takes are created then and kept until the epoch of the stage after them.
 */
function snapshotEvents(costs: ChainCosts, M: number, slots: number): SnapshotEvent[] {
  const events: SnapshotEvent[] = [];
  if (M <= 1) return events;
  const work: [number, number, number][] = []; // [slots, i, k] sub-chains to reverse
  // the first sweep: the forward pass keeps its snapshots, then stops at stage M
  for (let s = slots, i = 1; ; ) {
    const j = s > 1 ? costs.splitTop(s, i) : M;
    if (j >= M) {
      work.push([s, i, M - 1]);
      break;
    }
    events.push({ boundary: j - 1, created: FROM_FORWARD, until: j });
    work.push([s, i, j - 1]);
    (s -= 1), (i = j);
  }
  while (work.length) {
    const [s, i, k] = work.pop()!;
    if (k < i) continue;
    if (i === k) continue; // re-tape stage k from the kept state before it
    const j = s > 1 ? costs.splitSub(s, i, k) : k;
    if (j >= k) {
      work.push([s, i, k - 1]); // advance to the state before k, reverse k, go on
    } else {
      events.push({ boundary: j - 1, created: k, until: j });
      work.push([s - 1, j, k], [s, i, j - 1]);
    }
  }
  return events;
}
