/**
 * Greedy-by-size placement (Pisarchyk & Lee, "Efficient Memory Management for Deep Neural
 * Net Inference", 2020): largest buffers first, each at the lowest aligned offset that does
 * not overlap an already placed buffer whose live range intersects its own.
 *
 * The buffers that intersect each one in time are listed once by a sweep over steps, so the
 * cost is O(N + S + K log K) for N buffers, S steps and K intersecting pairs. K can reach
 * N²/2 (training graphs keep many activations live at once), so the caller gives a budget
 * and this returns undefined when K exceeds it.
 */
import type { Liveness } from "./liveness";

/** Offsets for each buffer of `live` (same order), and the arena size they need. */
export interface Placement {
  readonly offsets: readonly number[];
  readonly arenaBytes: number;
}

/** The smallest multiple of `alignment` that is at least `n`. */
export const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;

/**
 * Pairs of buffers whose live ranges intersect, as adjacency lists (CSR: the neighbours of
 * i are `adj[start[i] .. start[i + 1])`), or undefined when there are more than `budget`.
 * Relies on `live.values` being in production order, i.e. sorted by first step.
 */
export function overlapLists(live: Liveness, budget: number): { start: Int32Array; adj: Int32Array } | undefined {
  const n = live.values.length, { first, last } = live;
  const steps = live.timeline.length;
  // buffers ending at each step, by counting sort (a step's frees happen after its allocations)
  const endStart = new Int32Array(steps + 1);
  for (let i = 0; i < n; i++) endStart[last[i] + 1]++;
  for (let s = 0; s < steps; s++) endStart[s + 1] += endStart[s];
  const endAt = new Int32Array(n), fill = endStart.slice(0, steps);
  for (let i = 0; i < n; i++) endAt[fill[last[i]]++] = i;

  // One sweep: each buffer meets every buffer active when it starts. `visit` sees each pair once.
  const sweep = (visit: (a: number, b: number) => void, countOnly: boolean): number => {
    const active: number[] = [], where = new Int32Array(n);
    let pairs = 0, next = 0;
    for (let s = 0; s < steps; s++) {
      for (; next < n && first[next] === s; next++) {
        pairs += active.length;
        if (pairs > budget) return pairs;
        if (!countOnly) for (const j of active) visit(next, j);
        where[next] = active.length;
        active.push(next);
      }
      for (let e = endStart[s]; e < endStart[s + 1]; e++) {
        const i = endAt[e], moved = active[active.length - 1];
        active[where[i]] = moved;
        where[moved] = where[i];
        active.pop();
      }
    }
    return pairs;
  };
  const total = sweep(() => {}, true);
  if (total > budget) return undefined;
  const start = new Int32Array(n + 1), a = new Int32Array(total), b = new Int32Array(total);
  let p = 0;
  sweep((x, y) => ((a[p] = x), (b[p] = y), p++, start[x + 1]++, start[y + 1]++), false);
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const adj = new Int32Array(2 * total), pos = start.slice(0, n);
  for (let q = 0; q < total; q++) {
    adj[pos[a[q]]++] = b[q];
    adj[pos[b[q]]++] = a[q];
  }
  return { start, adj };
}

/** Greedy-by-size placement; undefined when more than `pairBudget` pairs of buffers intersect in time. */
export function placeBySize(live: Liveness, alignment: number, pairBudget: number): Placement | undefined {
  const lists = overlapLists(live, pairBudget);
  if (!lists) return undefined;
  const { first, last } = live;
  const bytes = Float64Array.from(live.bytes), n = bytes.length;
  // largest first; among equals the longer-lived first, then the earlier
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => bytes[y] - bytes[x] || last[y] - first[y] - (last[x] - first[x]) || first[x] - first[y],
  );
  const offsets = new Float64Array(n).fill(-1);
  let arenaBytes = 0, maxDegree = 0;
  for (let i = 0; i < n; i++) maxDegree = Math.max(maxDegree, lists.start[i + 1] - lists.start[i]);
  // Starts and ends of the placed neighbours, sorted separately: numeric typed-array sorts are
  // several times faster than sorting indices with a comparator, and a depth count over the
  // two sorted lists finds the gaps of their union just as well.
  const starts = new Float64Array(maxDegree), ends = new Float64Array(maxDegree);
  for (const i of order) {
    let m = 0;
    for (let e = lists.start[i]; e < lists.start[i + 1]; e++) {
      const j = lists.adj[e];
      if (offsets[j] >= 0) (starts[m] = offsets[j]), (ends[m] = offsets[j] + bytes[j]), m++;
    }
    const s = starts.subarray(0, m).sort(), t = ends.subarray(0, m).sort();
    offsets[i] = firstFit(s, t, bytes[i], alignment);
    arenaBytes = Math.max(arenaBytes, offsets[i] + bytes[i]);
  }
  return { offsets: Array.from(offsets), arenaBytes };
}

/** The lowest aligned offset where `size` bytes fit in no interval [starts[k], ends[k]) (both sorted). */
function firstFit(starts: Float64Array, ends: Float64Array, size: number, alignment: number): number {
  const m = starts.length;
  let candidate = 0, depth = 0, si = 0, ei = 0;
  while (si < m) {
    if (depth === 0 && starts[si] >= candidate + size) return candidate; // the gap before the next interval holds it
    if (starts[si] <= ends[ei]) (depth++, si++); // at a tie the start goes first: touching intervals leave no gap
    else if (--depth === 0) candidate = Math.max(candidate, alignUp(ends[ei++], alignment));
    else ei++;
  }
  return m === 0 ? candidate : Math.max(candidate, alignUp(ends[m - 1], alignment));
}
