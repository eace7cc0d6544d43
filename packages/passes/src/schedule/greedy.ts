/**
 * Memory-aware list scheduling: among the kernels whose inputs are ready, run the one with
 * the best (bytes it frees − bytes it allocates), ties to the original order. A value is
 * freed by its last remaining reader, so scores change only when a value's remaining readers
 * drop to one: each such event updates one kernel, and the whole schedule costs
 * O((kernels + loads) · log kernels).
 */
import type { KernelDeps } from "./dependencies";
import { ReadyQueue } from "./ready-queue";
import type { ValueTable } from "../memory/values";

/** A greedy topological order of the kernels of `deps` (as indices into the original list). */
export function greedyOrder(deps: KernelDeps, table: ValueTable): number[] {
  const n = deps.count, { readStart, readValues, succStart, succs } = deps;
  // remaining readers of each value, and the readers themselves (CSR by value id)
  const remaining = new Int32Array(table.bytes.length);
  for (const v of readValues) remaining[v]++;
  const readerStart = new Int32Array(table.bytes.length + 1);
  for (const v of readValues) readerStart[v + 1]++;
  for (let v = 0; v < remaining.length; v++) readerStart[v + 1] += readerStart[v];
  const readers = new Int32Array(readValues.length), fill = readerStart.slice(0, remaining.length);
  for (let i = 0; i < n; i++) for (let e = readStart[i]; e < readStart[i + 1]; e++) readers[fill[readValues[e]]++] = i;

  const frees = new Float64Array(n); // bytes a kernel would free if it ran now
  const freeable = (v: number) => !table.isOutput[v];
  for (let i = 0; i < n; i++) {
    for (let e = readStart[i]; e < readStart[i + 1]; e++) {
      const v = readValues[e];
      if (remaining[v] === 1 && freeable(v)) frees[i] += table.bytes[v];
    }
  }
  const waiting = new Int32Array(n);
  for (let i = 0; i < n; i++) waiting[i] = deps.predStart[i + 1] - deps.predStart[i];
  const done = new Uint8Array(n), ready = new Uint8Array(n);
  // each kernel is pushed once when it becomes ready, and once more per value it comes to free
  const queue = new ReadyQueue(n + readValues.length);
  const score = (i: number) => Math.max(0, frees[i] - deps.storeBytes[i]);
  for (let i = 0; i < n; i++) if (waiting[i] === 0) (ready[i] = 1), queue.push(i, score(i));

  const order: number[] = [];
  while (queue.size > 0) {
    const i = queue.pop();
    if (done[i]) continue; // a stale entry: the kernel was pushed again with a better score
    done[i] = 1;
    order.push(i);
    for (let e = readStart[i]; e < readStart[i + 1]; e++) {
      const v = readValues[e];
      if (--remaining[v] !== 1 || !freeable(v)) continue;
      // the one reader left will free v: it scores better now
      for (let r = readerStart[v]; r < readerStart[v + 1]; r++) {
        const k = readers[r];
        if (done[k]) continue;
        frees[k] += table.bytes[v];
        if (ready[k]) queue.push(k, score(k));
        break;
      }
    }
    for (let e = succStart[i]; e < succStart[i + 1]; e++) {
      const s = succs[e];
      if (--waiting[s] === 0) (ready[s] = 1), queue.push(s, score(s));
    }
  }
  return order;
}
