/**
 * The forward pass as a chain of stages, cut where few bytes cross (Chen et al.'s segments,
 * generalised to DAGs): a chain is cut after every layer; a transformer at its residual
 * stream between blocks; two interleaved chains where both cross together.
 */
import type { ValueId } from "@adjoint/ir";
import type { JointInfo } from "./joint";

/** Stages 1..count in forward order. Index 0 of the per-stage arrays is unused. */
export interface StageChain {
  readonly count: number;
  /** Per value: the stage of a cloneable value, 0 for anything else. */
  readonly stageOf: Int32Array;
  /** Per stage: node indices (into `graph.nodes`), in order. */
  readonly nodes: readonly (readonly number[])[];
  /**
   * `frontier[j]`: the cloneable values of stages ≤ j that nodes of later stages read: all
   * that is needed to run the forward pass on from stage j + 1 (constants aside: they are
   * remade from nothing). `frontier[0]` and `frontier[count]` are empty.
   */
  readonly frontier: readonly (readonly ValueId[])[];
  /** Per stage: flops to recompute what the next stages need from it (advancing through it). */
  readonly advanceFlops: Float64Array;
  /** Per stage: flops to recompute the stage's residuals from its inputs (taping it). */
  readonly tapeFlops: Float64Array;
  /** Per stage: bytes of the stage's residuals. */
  readonly residualBytes: Float64Array;
  /** Per stage: bytes of `frontier[j]`. */
  readonly frontierBytes: Float64Array;
}

/**
 * Cuts the forward nodes of `info` into stages. A position is a candidate cut when the bytes
 * crossing it are at most twice the 10th percentile of the nonzero crossings; a stage is closed at a
 * candidate only once it holds a residual that costs flops to recompute, so a layer's
 * matmul and activation stay together and free constants join their neighbours.
 */
export function forwardStages(info: JointInfo): StageChain {
  const { graph, forward, cloneable, residual, bytes, flops, bound } = info;
  const n = forward.length;
  // Values made from nothing (constants) never cross a cut: recomputing them needs no
  // state and costs no flops, and tiny constants must not set the scale of "narrow".
  const crosses = (id: ValueId) => cloneable[id] && graph.nodes[info.indexOf[id]].args.length > 0;
  // the position (in `forward`) of each value's last forward reader
  const lastRead = new Int32Array(bound).fill(-1);
  forward.forEach((idx, p) => {
    for (const a of graph.nodes[idx].args) if (crosses(a)) lastRead[a] = p;
  });
  // bytes crossing the cut after each position
  const diesAfter = new Float64Array(n + 1);
  const crossing = new Float64Array(n);
  let live = 0;
  forward.forEach((idx, p) => {
    const id = graph.nodes[idx].id;
    if (lastRead[id] > p) (live += bytes[id]), (diesAfter[lastRead[id]] += bytes[id]);
    live -= diesAfter[p];
    crossing[p] = live;
  });
  // "narrow" is measured against a low quantile of the nonzero crossings, not their minimum:
  // a loss reduced to a scalar crosses one cut with 4 bytes and must not set the scale
  const nonzero = crossing.filter((c) => c > 0).sort();
  const narrow = nonzero.length ? 2 * nonzero[Math.floor(nonzero.length / 10)] : Infinity;

  const stageOf = new Int32Array(bound);
  const stages: number[][] = [[]];
  let current: number[] = [];
  let substantial = false;
  forward.forEach((idx, p) => {
    const id = graph.nodes[idx].id;
    current.push(idx);
    if (residual[id] && flops[id] > 0) substantial = true;
    if (substantial && crossing[p] <= narrow && p < n - 1) {
      stages.push(current);
      current = [];
      substantial = false;
    }
  });
  if (current.length) {
    // a tail without residuals (the loss reduction) joins the last stage
    if (!substantial && stages.length > 1) stages[stages.length - 1].push(...current);
    else stages.push(current);
  }
  const count = stages.length - 1;
  for (let s = 1; s <= count; s++) for (const idx of stages[s]) stageOf[graph.nodes[idx].id] = s;

  // frontier sets: a value crosses cut j when its stage is ≤ j and its last forward reader's stage is > j
  const frontier: ValueId[][] = Array.from({ length: count + 1 }, () => []);
  const frontierBytes = new Float64Array(count + 1);
  for (const idx of forward) {
    const id = graph.nodes[idx].id;
    if (lastRead[id] < 0) continue;
    const until = stageOf[graph.nodes[forward[lastRead[id]]].id];
    for (let j = stageOf[id]; j < until; j++) frontier[j].push(id), (frontierBytes[j] += bytes[id]);
  }
  const { advanceFlops, tapeFlops, residualBytes } = stageCosts(info, stages, stageOf, frontier);
  return { count, stageOf, nodes: stages, frontier, advanceFlops, tapeFlops, residualBytes, frontierBytes };
}

/**
 * Per stage, the flops of the nodes that lead (inside the stage) to its frontier values
 * (advancing) and to its residuals (taping): one reverse sweep per stage.
 */
function stageCosts(info: JointInfo, stages: readonly number[][], stageOf: Int32Array, frontier: readonly ValueId[][]) {
  const { graph, residual, bytes, flops, bound } = info;
  const count = stages.length - 1;
  const advanceFlops = new Float64Array(count + 1);
  const tapeFlops = new Float64Array(count + 1);
  const residualBytes = new Float64Array(count + 1);
  const need = new Uint8Array(bound); // bit 1: needed to advance, bit 2: needed to tape
  for (let s = 1; s <= count; s++) {
    for (const id of frontier[s]) if (stageOf[id] === s) need[id] |= 1;
    const list = stages[s];
    for (let k = list.length - 1; k >= 0; k--) {
      const node = graph.nodes[list[k]];
      if (residual[node.id]) (need[node.id] |= 2), (residualBytes[s] += bytes[node.id]);
      const m = need[node.id];
      if (m & 1) advanceFlops[s] += flops[node.id];
      if (m & 2) tapeFlops[s] += flops[node.id];
      if (m) for (const a of node.args) if (stageOf[a] === s) need[a] |= m;
    }
  }
  return { advanceFlops, tapeFlops, residualBytes };
}
