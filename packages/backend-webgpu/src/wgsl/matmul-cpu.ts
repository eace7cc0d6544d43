/**
 * The matmul loop for CPU adapters (SwiftShader). There each invocation is one lane of a
 * 4-wide SIMD register, so a load whose lanes' addresses differ costs four scalar loads while
 * a multiply-add costs one vector instruction: measured on a 1024³ matmul, time tracks the
 * number of loads (4×4 blocks 2.2 s, 8×8 1.1 s, 16×8 0.9 s, 2 cores). So each thread owns an
 * rm×cn block of outputs (contiguous rows and columns; up to 16×8) and loads rm + cn scalars
 * per k-step for rm·cn multiply-adds, k unrolled by 2 or 4, every address an operand base
 * (computed once, clamped so loads need no branch) plus a running k offset plus a constant.
 * vec4 loads buy nothing here (a vec4 is four loads per lane) and workgroup memory needs
 * barriers, which SwiftShader implements as coroutine switches.
 */
import type { Access } from "@adjoint/passes";
import type { BodyContext } from "./body";
import { accessIndex } from "./index-expr";
import type { Groups, MatmulLoop as Loop } from "./matmul-vec4";
import { u32 } from "./literals";


/** A thread's output block (rm rows × cn columns), the workgroup's thread grid (tx threads across columns, threads / tx down rows) and the k unroll. */
export interface CpuBlock {
  readonly rm: number;
  readonly cn: number;
  readonly tx: number;
  readonly threads: number;
  readonly unroll: number;
}

/** Rows (tile height) and columns (tile width) a workgroup covers. */
export const tileOf = (b: CpuBlock): { tm: number; tn: number } => ({ tm: (b.threads / b.tx) * b.rm, tn: b.tx * b.cn });

/** Workgroups a block choice should give at least, so every core of a CPU adapter gets some (SwiftShader spreads workgroups over cores). */
const MIN_WORKGROUPS = 4;

/**
 * The block for an m×n output, by a cost model fitted on SwiftShader (1024³: 4×4 blocks
 * 2.2 s, 8×8 1.1 s, 16×8 0.9 s): time ∝ loads = padded outputs × (1/rm + 1/cn), where padded
 * counts the clamped duplicate outputs of edge tiles, and scaled up when there are fewer
 * workgroups than cores to spread them over. Blocks stop at 16×8 (128 accumulators).
 */
export function cpuBlock(m: number, n: number, batches = 1): CpuBlock {
  let best: CpuBlock | undefined, bestCost = Infinity;
  for (const [threads, tx] of [[256, 16], [64, 8]]) {
    for (const rm of [16, 8, 4, 2, 1]) {
      for (const cn of [8, 4, 2, 1]) {
        const blk = { rm, cn, tx, threads, unroll: rm * cn >= 64 ? 2 : 4 };
        const { tm, tn } = tileOf(blk);
        const groups = batches * Math.ceil(m / tm) * Math.ceil(n / tn);
        const cost = groups * tm * tn * (1 / rm + 1 / cn) * Math.max(1, MIN_WORKGROUPS / groups);
        if (cost < bestCost * 0.999) [best, bestCost] = [blk, cost];
      }
    }
  }
  return best!;
}

/**
 * Output column of a thread's column `c` (a number or a u32 expression): contiguous per thread (interleaving columns so the
 * four threads of a SIMD register read consecutive elements of B measured no faster).
 */
export const colOf = (blk: CpuBlock, c: number | string): string => `tn * ${tileOf(blk).tn}u + tx * ${blk.cn}u + ${typeof c === "number" ? u32(c) : c}`;

/** Output row of a thread's row `r` (a number or a u32 expression). */
export const rowOf = (blk: CpuBlock, r: number | string): string => `tm * ${tileOf(blk).tm}u + ty * ${blk.rm}u + ${typeof r === "number" ? u32(r) : r}`;

/** Lines computing `c{r}{c}` for row `tm * TM + ty * rm + r` and column `tn * TN + tx * cn + c` (tm, tn, tx, ty defined by the caller). */
export function cpuLoop(ctx: BodyContext, loop: Loop, blk: CpuBlock, T: string, zero: string, groups: Groups): string[] {
  const { m, n, k } = loop;
  const mem = ctx.memory;
  const nb = loop.batch.length;
  const ska = loop.a.strides[nb + 2], skb = loop.b.strides[nb + 2];
  const U = k >= blk.unroll ? blk.unroll : 1;
  const main = k - (k % U);
  const lines: string[] = [];
  // operand bases at k = 0, rows and columns clamped into range (their results are not stored)
  for (let r = 0; r < blk.rm; r++) {
    lines.push(`  let ri${r} = min(${rowOf(blk, r)}, ${Math.max(m - 1, 0)}u);`);
    lines.push(`  let pa${r} = ${accessIndex(loop.a.offset, loop.a.strides, groups(`ri${r}`, "0u", "0u"))};`);
  }
  for (let c = 0; c < blk.cn; c++) {
    lines.push(`  let ci${c} = min(${colOf(blk, c)}, ${Math.max(n - 1, 0)}u);`);
    lines.push(`  let pb${c} = ${accessIndex(loop.b.offset, loop.b.strides, groups("0u", `ci${c}`, "0u"))};`);
  }
  for (let r = 0; r < blk.rm; r++) for (let c = 0; c < blk.cn; c++) lines.push(`  var c${r}${c}: ${T} = ${zero};`);
  const step = (ka: string, kb: string, u: number, indent: string) => {
    const at = (base: string, off: string, q: number, s: number) => `${base} + ${off}${q * s ? ` + ${u32(q * s)}` : ""}`;
    for (let q = 0; q < u; q++) {
      for (let r = 0; r < blk.rm; r++) lines.push(`${indent}let a${r}_${q} = ${mem.load(loop.a.source, at(`pa${r}`, ka, q, ska))};`);
      for (let c = 0; c < blk.cn; c++) lines.push(`${indent}let b${c}_${q} = ${mem.load(loop.b.source, at(`pb${c}`, kb, q, skb))};`);
    }
    for (let r = 0; r < blk.rm; r++) {
      for (let c = 0; c < blk.cn; c++) {
        const terms = Array.from({ length: u }, (_, q) => `a${r}_${q} * b${c}_${q}`).join(" + ");
        lines.push(`${indent}c${r}${c} = c${r}${c} + ${u > 1 ? `(${terms})` : terms};`);
      }
    }
  };
  if (main > 0) {
    // running offsets of k along A and B: one add each per step instead of a multiply per load
    lines.push(`  var ka = 0u;`, `  var kb = 0u;`, `  for (var kk = 0u; kk < ${main}u; kk += ${U}u) {`);
    step("ka", "kb", U, "    ");
    lines.push(`    ka += ${u32(U * ska)};`, `    kb += ${u32(U * skb)};`, `  }`);
  }
  for (let q = main; q < k; q++) {
    lines.push(`  {`);
    step(u32(q * ska), u32(q * skb), 1, "    ");
    lines.push(`  }`);
  }
  return lines;
}
