/**
 * Matmul kernels: `out[b, i, j] = Σ_k A[b, i, k] B[b, k, j]` tiled for a GPU. A workgroup of
 * 16×16 threads computes a (16R)×(16R) output tile, each thread an R×R register block (rows
 * ty + 16r, columns tx + 16c, so neighbouring threads touch neighbouring columns); K is
 * walked in steps of 16 through workgroup-memory tiles of A and B. Operands are read through
 * their accesses' strides, so transposed operands need no copy. The epilogue runs per output.
 */
import { numel, type Shape } from "@adjoint/ir";
import type { Access } from "@adjoint/passes";
import type { WebGpuLimits } from "../limits";
import { BodyWriter, type BodyContext } from "./body";
import { accessIndex } from "./index-expr";
import { WGSL_TYPE } from "./literals";
import { gridFor, type KernelShader } from "./module";
import { markVec4, vec4Loop, vec4Operands, type Groups } from "./matmul-vec4";
import { colOf as cpuColOf, cpuBlock, cpuLoop, rowOf as cpuRowOf, tileOf } from "./matmul-cpu";

interface MatmulLoop {
  readonly batch: Shape;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly node: number;
  readonly a: Access;
  readonly b: Access;
  readonly epilogue: readonly number[];
}

const TK = 16;

/**
 * "tiled" stages A and B through workgroup memory; "direct" reads them straight from the
 * buffers with the same register blocks and no barriers (four-wide when rows allow). "gpu"
 * picks per kernel: direct where the four-wide loop applies, else tiled. On an H100 the
 * three were within run-to-run noise of each other on W1–W5 (docs/webgpu.md). "cpu" is for
 * CPU adapters (SwiftShader): scalar loads, fewest loads per multiply-add (matmul-cpu.ts);
 * barriers there cost a context switch, and the tiled shaders take seconds to compile.
 */
export type MatmulStyle = "tiled" | "direct" | "gpu" | "cpu";

/** Register block edge: 4×4 per thread for large outputs, smaller tiles for small ones. */
export const registerBlock = (m: number, n: number): 1 | 2 | 4 => (m >= 48 && n >= 48 ? 4 : m >= 24 && n >= 24 ? 2 : 1);

/** The shader parts of a matmul kernel. */
export function matmulShader(ctx: BodyContext, loop: MatmulLoop, limits: WebGpuLimits, style: MatmulStyle = "gpu"): KernelShader {
  const { m, n, k } = loop;
  const node = ctx.info.node(loop.node)!;
  const dtype = node.type.dtype;
  const T = WGSL_TYPE[dtype];
  const zero = dtype === "f32" ? "0.0" : "0i";
  const R = registerBlock(m, n);
  const tile = 16 * R;
  const blk = style === "cpu" ? cpuBlock(m, n, numel(loop.batch)) : undefined;
  const { tm: TM, tn: TN } = blk ? tileOf(blk) : { tm: tile, tn: tile };
  const tilesM = Math.ceil(m / TM), tilesN = Math.ceil(n / TN);
  const nb = numel(loop.batch);
  const grid = gridFor(nb * tilesM * tilesN, limits, `kernel ${ctx.kernel.id}`);
  const groups: Groups = (i, j, kk) => [
    { flat: "bt", shape: loop.batch },
    { flat: i, shape: [m] },
    { flat: j, shape: [n] },
    { flat: kk, shape: [k] },
  ];
  const lines: string[] = [
    `  let bt = wg / ${tilesM * tilesN}u;`,
    `  let tm = (wg / ${tilesN}u) % ${tilesM}u;`,
    `  let tn = wg % ${tilesN}u;`,
    `  let tx = lid % ${blk ? blk.tx : 16}u;`,
    `  let ty = lid / ${blk ? blk.tx : 16}u;`,
  ];
  const rc: [number, number][] = [];
  for (let r = 0; r < (blk ? blk.rm : R); r++) for (let c = 0; c < (blk ? blk.cn : R); c++) rc.push([r, c]);
  // four-wide loads on CPU adapters when the operands allow (bindings must be marked before any load is emitted)
  const wide = style !== "tiled" && style !== "cpu" && R === 4 ? vec4Operands(ctx.memory, loop) : null;
  if (wide) markVec4(ctx.memory, loop, wide.a);
  if (style === "gpu") style = wide ? "direct" : "tiled";
  if (blk) lines.push(...cpuLoop(ctx, loop, blk, T, zero, groups));
  else if (wide) lines.push(...vec4Loop(ctx, loop, T, groups, wide.a));
  else {
    for (const [r, c] of rc) lines.push(`  var c${r}${c}: ${T} = ${zero};`);
    lines.push(...(style === "tiled" ? tiledLoop(ctx, loop, R, T, zero, groups) : directLoop(ctx, loop, R, groups)));
  }
  // output (row, col) of register (r, c): interleaved by 16 (coalesced on GPUs), or 4×4 blocks in the vec4 loop
  const rowOf = (r: number) => (blk ? cpuRowOf(blk, r) : wide ? `tm * 64u + ty * 4u + ${r}u` : `tm * ${tile}u + ty + ${16 * r}u`);
  const colOf = (c: number) => (blk ? cpuColOf(blk, c) : wide ? `tn * 64u + tx * 4u + ${c}u` : `tn * ${tile}u + tx + ${16 * c}u`);
  const epilogueIndex = (a: Access) => accessIndex(a.offset, a.strides.slice(0, loop.batch.length + 2), groups("row", "col", "0u").slice(0, 3));
  // the epilogue per output; the cpu loop's up to 128 outputs per thread go through an array
  // and one copy of the epilogue in a loop (128 copies of a fused epilogue took SwiftShader 10+ s to compile)
  const sites: { value: string; row: string; col: string }[] = blk
    ? [{ value: "res[q]", row: cpuRowOf(blk, `q / ${blk.cn}u`), col: cpuColOf(blk, `q % ${blk.cn}u`) }]
    : rc.map(([r, c]) => ({ value: `c${r}${c}`, row: rowOf(r), col: colOf(c) }));
  if (blk) lines.push(`  var res = array<${T}, ${rc.length}>(${rc.map(([r, c]) => `c${r}${c}`).join(", ")});`, `  for (var q = 0u; q < ${rc.length}u; q++) {`);
  for (const site of sites) {
    const epi = new BodyWriter(ctx, { prefix: "e", loadIndex: epilogueIndex, ownIndex: () => `(bt * ${m}u + row) * ${n}u + col` }, "    ");
    epi.define(loop.node, site.value);
    epi.members(loop.epilogue);
    lines.push(
      `  {`,
      `    let row = ${site.row};`,
      `    let col = ${site.col};`,
      `    if (row < ${m}u && col < ${n}u) {`,
      ...epi.finish().map((l) => "  " + l),
      `    }`,
      `  }`,
    );
  }
  if (blk) lines.push(`  }`);
  const shared = style === "tiled" ? `var<workgroup> As: array<${T}, ${tile * TK}>;\nvar<workgroup> Bs: array<${T}, ${tile * TK}>;` : undefined;
  return { workgroupSize: blk ? blk.threads : 256, grid, shared, body: lines.join("\n") };
}

/** The k loop through workgroup-memory tiles of A and B. */
function tiledLoop(ctx: BodyContext, loop: MatmulLoop, R: number, T: string, zero: string, groups: Groups): string[] {
  const { m, n, k } = loop;
  const tile = 16 * R;
  const aIndex = accessIndex(loop.a.offset, loop.a.strides, groups("gi", "0u", "gk"));
  const bIndex = accessIndex(loop.b.offset, loop.b.strides, groups("0u", "gj", "gk2"));
  const lines: string[] = [];
  lines.push(
    `  for (var k0 = 0u; k0 < ${k}u; k0 += ${TK}u) {`,
    `    for (var l = 0u; l < ${R}u; l++) {`,
    `      let e = lid + l * 256u;`,
    // A tile: consecutive threads read consecutive k (row-major A); stored k-major
    `      let gi = tm * ${tile}u + e / ${TK}u;`,
    `      let gk = k0 + e % ${TK}u;`,
    `      var av: ${T} = ${zero};`,
    `      if (gi < ${m}u && gk < ${k}u) { av = ${ctx.memory.load(loop.a.source, aIndex)}; }`,
    `      As[(e % ${TK}u) * ${tile}u + e / ${TK}u] = av;`,
    // B tile: consecutive threads read consecutive j (row-major B)
    `      let gj = tn * ${tile}u + e % ${tile}u;`,
    `      let gk2 = k0 + e / ${tile}u;`,
    `      var bv: ${T} = ${zero};`,
    `      if (gj < ${n}u && gk2 < ${k}u) { bv = ${ctx.memory.load(loop.b.source, bIndex)}; }`,
    `      Bs[e] = bv;`,
    `    }`,
    `    workgroupBarrier();`,
    `    for (var kk = 0u; kk < ${TK}u; kk++) {`,
  );
  for (let r = 0; r < R; r++) lines.push(`      let a${r} = As[kk * ${tile}u + ty + ${16 * r}u];`);
  for (let c = 0; c < R; c++) lines.push(`      let b${c} = Bs[kk * ${tile}u + tx + ${16 * c}u];`);
  for (let r = 0; r < R; r++) for (let c = 0; c < R; c++) lines.push(`      c${r}${c} = c${r}${c} + a${r} * b${c};`);
  lines.push(`    }`, `    workgroupBarrier();`, `  }`);
  return lines;
}

/** The k loop reading A and B directly; row and column indices are clamped so loads need no branch. */
function directLoop(ctx: BodyContext, loop: MatmulLoop, R: number, groups: Groups): string[] {
  const { m, n, k } = loop;
  const tile = 16 * R;
  const lines: string[] = [];
  for (let r = 0; r < R; r++) lines.push(`  let ri${r} = min(tm * ${tile}u + ty + ${16 * r}u, ${Math.max(m - 1, 0)}u);`);
  for (let c = 0; c < R; c++) lines.push(`  let ci${c} = min(tn * ${tile}u + tx + ${16 * c}u, ${Math.max(n - 1, 0)}u);`);
  lines.push(`  for (var kk = 0u; kk < ${k}u; kk++) {`);
  for (let r = 0; r < R; r++) lines.push(`    let a${r} = ${ctx.memory.load(loop.a.source, accessIndex(loop.a.offset, loop.a.strides, groups(`ri${r}`, "0u", "kk")))};`);
  for (let c = 0; c < R; c++) lines.push(`    let b${c} = ${ctx.memory.load(loop.b.source, accessIndex(loop.b.offset, loop.b.strides, groups("0u", `ci${c}`, "kk")))};`);
  for (let r = 0; r < R; r++) for (let c = 0; c < R; c++) lines.push(`    c${r}${c} = c${r}${c} + a${r} * b${c};`);
  lines.push(`  }`);
  return lines;
}
