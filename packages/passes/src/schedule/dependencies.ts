/**
 * The dependency graph of a kernel list, as compressed adjacency arrays: a kernel depends on
 * the kernels that store what it reads. In-place writes to graph inputs (a kernel storing an
 * input id) also order the input's readers around the write, so no reordering can move a
 * read across it.
 */
import { AdjointError, type ValueId } from "@adjoint/ir";
import type { Kernel } from "../plan/types";
import { describeValue, kernelReads, producerIndex, type ValueTable } from "../memory/values";

/** Kernels as indices into the given list, with their arena reads and dependency edges. */
export interface KernelDeps {
  readonly count: number;
  /** Arena values (not inputs or constants) each kernel reads, distinct: `readValues[readStart[i] .. readStart[i+1])`. */
  readonly readStart: Int32Array;
  readonly readValues: Int32Array;
  /** Kernels each kernel must follow, ascending: `preds[predStart[i] .. predStart[i+1])`. */
  readonly predStart: Int32Array;
  readonly preds: Int32Array;
  /** Kernels that must follow each kernel: `succs[succStart[i] .. succStart[i+1])`. */
  readonly succStart: Int32Array;
  readonly succs: Int32Array;
  /** Arena values each kernel stores: `storeValues[storeStart[i] .. storeStart[i+1])`. */
  readonly storeStart: Int32Array;
  readonly storeValues: Int32Array;
  /** Bytes each kernel stores into the arena. */
  readonly storeBytes: Float64Array;
}

/** Builds the dependencies of `kernels`, which must be in a valid order. O(kernels + loads). */
export function kernelDependencies(kernels: readonly Kernel[], table: ValueTable): KernelDeps {
  const n = kernels.length;
  const producer = producerIndex(kernels, table);
  const writtenInputs = new Set<ValueId>();
  kernels.forEach((k) => k.stores.forEach((v) => table.external[v] && writtenInputs.add(v)));
  // per input written in place: the last writer and the readers since it
  const lastWriter = new Map<ValueId, number>(), readersSince = new Map<ValueId, number[]>();

  const readStart = new Int32Array(n + 1), readValues: number[] = [];
  const predStart = new Int32Array(n + 1), predList: number[] = [];
  const storeStart = new Int32Array(n + 1), storeValues: number[] = [];
  const storeBytes = new Float64Array(n);
  const preds = new Set<number>();
  for (let i = 0; i < n; i++) {
    const k = kernels[i];
    preds.clear();
    for (const v of kernelReads(k)) {
      if (v < 0 || v >= producer.length) throw new AdjointError(`kernel ${k.id} reads %${v}, which is not a value of graph @${table.graph.name}`);
      if (table.external[v]) {
        if (!writtenInputs.has(v)) continue;
        const w = lastWriter.get(v);
        if (w !== undefined) preds.add(w);
        const readers = readersSince.get(v);
        if (readers) readers.push(i);
        else readersSince.set(v, [i]);
        continue;
      }
      const p = producer[v];
      if (p < 0 || p >= i) {
        throw new AdjointError(`kernel ${k.id} reads ${describeValue(v, table)}, which ${p < 0 ? "no kernel stores" : `kernel ${kernels[p].id} stores only later`}`);
      }
      preds.add(p);
      readValues.push(v);
    }
    for (const v of k.stores) {
      if (table.external[v]) {
        // an in-place write: after every earlier reader and writer of the input
        for (const r of readersSince.get(v) ?? []) if (r !== i) preds.add(r);
        const w = lastWriter.get(v);
        if (w !== undefined) preds.add(w);
        lastWriter.set(v, i);
        readersSince.set(v, []);
      } else {
        storeBytes[i] += table.bytes[v];
        storeValues.push(v);
      }
    }
    storeStart[i + 1] = storeValues.length;
    readStart[i + 1] = readValues.length;
    for (const p of [...preds].sort((a, b) => a - b)) predList.push(p);
    predStart[i + 1] = predList.length;
  }
  // successors by counting sort over the predecessor lists
  const succStart = new Int32Array(n + 1), succs = new Int32Array(predList.length);
  for (const p of predList) succStart[p + 1]++;
  for (let i = 0; i < n; i++) succStart[i + 1] += succStart[i];
  const fill = succStart.slice(0, n);
  for (let i = 0; i < n; i++) for (let e = predStart[i]; e < predStart[i + 1]; e++) succs[fill[predList[e]]++] = i;
  return {
    count: n,
    readStart,
    readValues: Int32Array.from(readValues),
    predStart,
    preds: Int32Array.from(predList),
    succStart,
    succs,
    storeStart,
    storeValues: Int32Array.from(storeValues),
    storeBytes,
  };
}

/**
 * Peak live bytes of running the kernels in `order` (indices): the same figure as
 * `computeLiveness(...).lowerBound`, from the precomputed reads and stores. O(kernels + loads).
 */
export function peakOfOrder(deps: KernelDeps, order: ArrayLike<number>, table: ValueTable): number {
  const steps = order.length;
  const first = new Int32Array(table.bytes.length).fill(-1), last = new Int32Array(table.bytes.length);
  for (let s = 0; s < steps; s++) {
    const i = order[s];
    for (let e = deps.readStart[i]; e < deps.readStart[i + 1]; e++) last[deps.readValues[e]] = s;
    for (let e = deps.storeStart[i]; e < deps.storeStart[i + 1]; e++) {
      const v = deps.storeValues[e];
      first[v] = s;
      last[v] = table.isOutput[v] ? steps - 1 : s;
    }
  }
  const delta = new Float64Array(steps + 1);
  for (const v of deps.storeValues) {
    const end = table.isOutput[v] ? steps - 1 : last[v];
    delta[first[v]] += table.bytes[v];
    delta[end + 1] -= table.bytes[v];
  }
  let live = 0, peak = 0;
  for (let s = 0; s < steps; s++) peak = Math.max(peak, (live += delta[s]));
  return peak;
}
