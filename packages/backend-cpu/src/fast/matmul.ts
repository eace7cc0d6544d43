import { AdjointError, DTYPE_BYTES, formatShape, numel, type ValueId } from "@adjoint/ir";
import type { Kernel, KernelLoop } from "@adjoint/passes";
import { checkRank, pointwiseKernel, type GeneratedKernel } from "./codegen/pointwise";
import type { ArenaLayout, ValueLoc } from "./layout";
import { loopRunner, type Runtime, type StepIndex, type StepPlan } from "./step";
import { SplitChooser } from "./threads";
import { MR, NR, TASK } from "./wasm/gemm-runtime";

type MatmulLoop = Extract<KernelLoop, { kind: "matmul" }>;

/** Flops above which a GEMM is split into tasks for the threads. */
const PARALLEL_FLOPS = 1 << 22;

/** Byte ranges [start, end) overlap. */
const overlaps = (a: ValueLoc, b: ValueLoc) =>
  a.byteOffset < b.byteOffset + b.numel * DTYPE_BYTES[b.dtype] && b.byteOffset < a.byteOffset + a.numel * DTYPE_BYTES[a.dtype];

/** Element offsets of every batch index (row-major over `batch`) under `strides`. */
function batchOffsets(batch: readonly number[], strides: readonly number[]): number[] {
  let offs = [0];
  batch.forEach((d, i) => {
    const next: number[] = [];
    for (const o of offs) for (let j = 0; j < d; j++) next.push(o + j * strides[i]);
    offs = next;
  });
  return offs;
}

/** Splits [0, size) into about `parts` ranges whose starts are multiples of `unit`. */
function ranges(size: number, parts: number, unit: number): [number, number][] {
  const step = Math.max(unit, Math.ceil(size / parts / unit) * unit);
  const out: [number, number][] = [];
  for (let s = 0; s < size; s += step) out.push([s, Math.min(size, s + step)]);
  return out;
}

/**
 * A matmul kernel: the wasm GEMM per batch item (operands packed first, so any strides,
 * transposed included, run the same micro-kernel), then the epilogue as a generated loop
 * over the output. The product goes straight to the matmul's own slot when it is stored and
 * does not overlap an operand, else to scratch. `fastMath`: the epilogue keeps f32
 * intermediates in doubles as other loops do (codegen/f32-rounding.ts).
 */
export function matmulStep(kernel: Kernel, layout: ArenaLayout, loop: MatmulLoop, threads: number, fastMath = false): StepPlan {
  const node = layout.nodes.get(loop.node);
  if (!node || node.op !== "matmul") throw new AdjointError(`kernel ${kernel.id}: matmul loop names %${loop.node}, which is not a matmul node`);
  const who = `kernel ${kernel.id} (matmul %${node.id})`;
  const { batch, m, n, k, a, b } = loop;
  const nb = batch.length;
  const sa = checkRank(kernel, a, nb + 3, "matmul"), sb = checkRank(kernel, b, nb + 3, "matmul");
  if (sa[nb + 1] !== 0 || sb[nb] !== 0) {
    throw new AdjointError(`${who}: operand A must not move along n, nor B along m; strides ${formatShape(sa)} and ${formatShape(sb)}`);
  }
  const aLoc = layout.loc(a.source, who), bLoc = layout.loc(b.source, who);
  const stored = kernel.stores.includes(node.id);
  const own = stored ? layout.loc(node.id, who) : undefined;
  const count = numel(batch) * m * n;
  let cLoc: ValueLoc;
  if (own && !overlaps(own, aLoc) && !overlaps(own, bLoc)) cLoc = own;
  else {
    layout.needScratch(count * 4);
    cLoc = { id: node.id, dtype: node.type.dtype, shape: node.type.shape, numel: count, byteOffset: layout.scratchBase, elem: layout.scratchBase / 4 };
  }
  const stores = kernel.stores.filter((s: ValueId) => !(s === node.id && cLoc === own));
  const epilogue: GeneratedKernel | undefined =
    loop.epilogue.length || stores.length
      ? pointwiseKernel({
          kernel, layout, dims: [...batch, m, n], members: loop.epilogue, stores,
          loadStrides: (acc) => checkRank(kernel, acc, nb + 2, "matmul epilogue"),
          prebind: (body, dense) => body.bindStream(node.id, cLoc, dense),
          fastMath,
        })
      : undefined;
  const aOffs = batchOffsets(batch, sa), bOffs = batchOffsets(batch, sb);
  if (node.type.dtype !== "f32") return intMatmul(kernel, epilogue, { m, n, k, sa, sb, nb, aBase: aLoc.elem + a.offset, bBase: bLoc.elem + b.offset, aOffs, bOffs, c: cLoc.elem });

  // task records: one per batch item for the calling thread alone, then (when threads may
  // help) row or column ranges of each item for the threads to share
  const flops = 2 * count * k;
  const parts = threads > 1 && flops >= PARALLEL_FLOPS ? Math.ceil((2 * threads) / aOffs.length) : 1;
  const alone: number[] = [], split: number[] = [];
  aOffs.forEach((ao, bi) => {
    const aBase = (aLoc.elem + a.offset + ao) * 4, bBase = (bLoc.elem + b.offset + bOffs[bi]) * 4, cBase = (cLoc.elem + bi * m * n) * 4;
    const [ars, acs, bcs, brs] = [sa[nb] * 4, sa[nb + 2] * 4, sb[nb + 1] * 4, sb[nb + 2] * 4];
    alone.push(m, n, k, aBase, ars, acs, bBase, brs, bcs, cBase, n * 4);
    if (parts > 1 && m >= n) {
      for (const [r0, r1] of ranges(m, parts, MR)) split.push(r1 - r0, n, k, aBase + r0 * ars, ars, acs, bBase, brs, bcs, cBase + r0 * n * 4, n * 4);
    } else if (parts > 1) {
      for (const [c0, c1] of ranges(n, parts, NR)) split.push(m, c1 - c0, k, aBase, ars, acs, bBase + c0 * bcs, brs, bcs, cBase + c0 * 4, n * 4);
    }
  });
  const tasks = [...alone, ...split];
  const instantiateWith = (rt: Runtime, at: StepIndex, epi: () => void): (() => void) => {
    const first = at.task, nAlone = alone.length / TASK;
    // the threads share the split records, or else the batch items
    const [shareFirst, nShared] = split.length ? [first + nAlone, split.length / TASK] : [first, nAlone];
    const { F, pool, gemmTask, native } = rt;
    if (count === 0) return epi;
    if (k === 0) {
      return () => {
        F.fill(0, cLoc.elem, cLoc.elem + count);
        epi();
      };
    }
    if (native) {
      // its own threads split each record; no split records, no chooser
      const { tasks, threads: nt } = rt;
      return () => {
        native.gemm(F, tasks, first, nAlone, nt);
        epi();
      };
    }
    const runAlone = () => {
      for (let t = 0; t < nAlone; t++) gemmTask(rt.tasks, first + t);
    };
    if (pool && nShared > 1) {
      const chooser = new SplitChooser();
      const runShared = () => {
        const before = pool.workerChunks;
        pool.runGemm(shareFirst, nShared);
        return pool.workerChunks > before;
      };
      return () => {
        chooser.run(runShared, runAlone);
        epi();
      };
    }
    return () => {
      runAlone();
      epi();
    };
  };
  return {
    kernel,
    generated: epilogue ? [epilogue] : [],
    tasks,
    instantiate: (rt, at) => instantiateWith(rt, at, epilogue ? loopRunner(rt, at.fn, epilogue) : () => {}),
    matmulEpilogue: epilogue
      ? { dims: [...batch, m, n], members: loop.epilogue, stores, product: node.id, productElem: cLoc.elem, instantiate: instantiateWith }
      : undefined,
  };
}

interface IntMatmul {
  readonly m: number; readonly n: number; readonly k: number; readonly nb: number;
  readonly sa: readonly number[]; readonly sb: readonly number[];
  readonly aBase: number; readonly bBase: number; readonly c: number;
  readonly aOffs: readonly number[]; readonly bOffs: readonly number[];
}

/** i32 matmul: sums in doubles, k ascending, stored with ToInt32, as the interpreter does. */
function intMatmul(kernel: Kernel, epilogue: GeneratedKernel | undefined, p: IntMatmul): StepPlan {
  const { m, n, k, nb, sa, sb } = p;
  return {
    kernel,
    generated: epilogue ? [epilogue] : [],
    tasks: [],
    instantiate(rt, at) {
      const epi = epilogue ? loopRunner(rt, at.fn, epilogue) : () => {};
      const I = rt.I;
      const [sam, sak, sbn, sbk] = [sa[nb], sa[nb + 2], sb[nb + 1], sb[nb + 2]];
      return () => {
        for (let bi = 0; bi < p.aOffs.length; bi++) {
          const A = p.aBase + p.aOffs[bi], B = p.bBase + p.bOffs[bi], C = p.c + bi * m * n;
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let q = 0; q < k; q++) s += I[A + i * sam + q * sak] * I[B + j * sbn + q * sbk];
              I[C + i * n + j] = s;
            }
          }
        }
        epi();
      };
    },
  };
}
