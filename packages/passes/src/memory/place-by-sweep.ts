/**
 * Online placement in schedule order, as a malloc would do it: at each step the values it
 * stores take the best-fitting free block (or the top of the arena, growing a free block
 * that touches the top), then the values it read for the last time are freed and their
 * blocks coalesced. O(N·F + S) for N buffers, S steps and F free blocks (F stays small when
 * lifetimes nest, as in forward and backward passes), with no quadratic pair listing, so
 * it is the fallback for graphs whose buffers intersect too often for greedy-by-size.
 */
import type { Liveness } from "./liveness";
import { alignUp, type Placement } from "./place-by-size";

/** Free blocks kept sorted by offset, coalesced on free. */
class FreeList {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** End of the highest block ever handed out. */
  top = 0;

  /** Takes `size` bytes (a multiple of the alignment) and returns their offset. */
  take(size: number): number {
    const { starts, ends } = this;
    let best = -1;
    for (let b = 0; b < starts.length; b++) {
      const len = ends[b] - starts[b];
      if (len >= size && (best < 0 || len < ends[best] - starts[best])) best = b;
    }
    if (best < 0) {
      // nothing fits: grow the arena, starting inside a free block that touches the top
      const last = starts.length - 1;
      if (last >= 0 && ends[last] === this.top) {
        const offset = starts[last];
        starts.pop(), ends.pop();
        this.top = offset + size;
        return offset;
      }
      const offset = this.top;
      this.top += size;
      return offset;
    }
    const offset = starts[best];
    if (ends[best] - offset === size) starts.splice(best, 1), ends.splice(best, 1);
    else starts[best] += size;
    return offset;
  }

  /** Returns `[offset, offset + size)` to the free list. */
  give(offset: number, size: number): void {
    if (size === 0) return;
    const { starts, ends } = this;
    let lo = 0, hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    const end = offset + size;
    const joinsPrev = lo > 0 && ends[lo - 1] === offset;
    const joinsNext = lo < starts.length && starts[lo] === end;
    if (joinsPrev && joinsNext) {
      ends[lo - 1] = ends[lo];
      starts.splice(lo, 1), ends.splice(lo, 1);
    } else if (joinsPrev) ends[lo - 1] = end;
    else if (joinsNext) starts[lo] = offset;
    else starts.splice(lo, 0, offset), ends.splice(lo, 0, end);
  }
}

/** Buffer indices grouped by step: `at[start[s] .. start[s + 1])` are those with `stepOf(i) === s`. */
function bucketByStep(n: number, steps: number, stepOf: (i: number) => number): { start: Int32Array; at: Int32Array } {
  const start = new Int32Array(steps + 1);
  for (let i = 0; i < n; i++) start[stepOf(i) + 1]++;
  for (let s = 0; s < steps; s++) start[s + 1] += start[s];
  const at = new Int32Array(n), fill = start.slice(0, steps);
  for (let i = 0; i < n; i++) at[fill[stepOf(i)]++] = i;
  return { start, at };
}

/**
 * Places the buffers of `live` step by step with a best-fit free list. `reverse` runs time
 * backwards (a value is born at its last read and dies at its producer): then the values
 * that live to the end (gradients, outputs) are placed first and pack together, where the
 * forward sweep leaves a transient's hole between them.
 */
export function placeBySweep(live: Liveness, alignment: number, reverse = false): Placement {
  const { bytes, first, last } = live;
  const n = bytes.length, steps = live.timeline.length;
  const birth = reverse ? (i: number) => steps - 1 - last[i] : (i: number) => first[i];
  const death = reverse ? (i: number) => steps - 1 - first[i] : (i: number) => last[i];
  const born = bucketByStep(n, steps, birth), dying = bucketByStep(n, steps, death);

  const free = new FreeList();
  const offsets: number[] = new Array(n);
  let arenaBytes = 0;
  const batch: number[] = [];
  for (let s = 0; s < steps; s++) {
    batch.length = 0;
    for (let e = born.start[s]; e < born.start[s + 1]; e++) batch.push(born.at[e]);
    batch.sort((x, y) => bytes[y] - bytes[x]); // larger first: they are the hardest to fit
    for (const i of batch) {
      offsets[i] = free.take(alignUp(bytes[i], alignment));
      arenaBytes = Math.max(arenaBytes, offsets[i] + bytes[i]);
    }
    for (let e = dying.start[s]; e < dying.start[s + 1]; e++) free.give(offsets[dying.at[e]], alignUp(bytes[dying.at[e]], alignment));
  }
  return { offsets, arenaBytes };
}
