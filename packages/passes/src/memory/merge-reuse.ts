/**
 * Liveness once slot handovers are applied: a value and the store that takes its slot form
 * one buffer (a chain, when that store's slot is handed on again), live from the first
 * member's producing step to the last member's last read. Placement then works on these
 * buffers unchanged, and every member gets its buffer's offset.
 */
import type { ValueId } from "@adjoint/ir";
import { liveTimeline, type Liveness } from "./liveness";
import type { SlotReuse } from "./kernel-reuse";

/** Buffers after handovers, and which buffer each value of the original liveness went to. */
export interface MergedLiveness {
  readonly live: Liveness;
  /** Index into `live` of each value of the original liveness (same order as its `values`). */
  readonly bufferOf: Int32Array;
}

/** Merges each pair's store into its operand's buffer. O(values + steps). */
export function mergeReuse(liveness: Liveness, pairs: readonly SlotReuse[]): MergedLiveness {
  const n = liveness.values.length, steps = liveness.timeline.length;
  const index = new Map<ValueId, number>();
  liveness.values.forEach((v, i) => index.set(v, i));
  // head[i]: the first value of i's chain. Pairs come in step order and an operand is always
  // produced before its store, so the operand's head is known when the store joins it.
  const head = new Int32Array(n).map((_, i) => i);
  for (const p of pairs) {
    const o = index.get(p.operand), w = index.get(p.store);
    if (o === undefined || w === undefined) throw new Error(`mergeReuse: %${p.store} ← %${p.operand} names a value outside the arena`);
    head[w] = head[o];
  }
  const bufferOf = new Int32Array(n);
  const values: ValueId[] = [], bytes: number[] = [], first: number[] = [], last: number[] = [];
  for (let i = 0; i < n; i++) {
    if (head[i] === i) {
      bufferOf[i] = values.length;
      values.push(liveness.values[i]);
      bytes.push(liveness.bytes[i]);
      first.push(liveness.first[i]);
      last.push(liveness.last[i]);
    } else {
      const b = (bufferOf[i] = bufferOf[head[i]]);
      last[b] = Math.max(last[b], liveness.last[i]);
    }
  }
  return { live: { values, bytes, first, last, ...liveTimeline(steps, bytes, first, last) }, bufferOf };
}
