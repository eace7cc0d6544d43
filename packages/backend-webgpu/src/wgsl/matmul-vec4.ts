/**
 * The "direct" matmul loop with four-wide loads, for CPU adapters (SwiftShader): each thread
 * owns a 4×4 block of contiguous rows and columns, reads B four columns at a time and A
 * four k-steps at a time as vec4s, and accumulates one vec4 per row. Used when B's rows
 * are contiguous and 16-byte aligned (A's too for its vec4 loads; else four scalar loads).
 */
import type { Access } from "@adjoint/passes";
import type { BodyContext } from "./body";
import { accessIndex, type DimGroup } from "./index-expr";
import type { MemoryAccess } from "./memory";

/** Loop dims of a matmul operand access: ...batch, m, n, k. */
export interface MatmulLoop {
  readonly batch: readonly number[];
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: Access;
  readonly b: Access;
}

/** The index groups of operand accesses at output row i, column j and reduction index kk. */
export type Groups = (i: string, j: string, kk: string) => DimGroup[];

/** Whether `acc` can be read four elements at a time along loop dim `dim` (m, n or k). */
function fourWide(memory: MemoryAccess, acc: Access, loop: MatmulLoop, dim: "n" | "k"): boolean {
  const nb = loop.batch.length;
  const along = acc.strides[dim === "n" ? nb + 1 : nb + 2];
  const size = dim === "n" ? loop.n : loop.k;
  const p = memory.placeOf(acc.source);
  const binding = memory.kb.bindings[p.binding];
  const bools = [...memory.kb.places.values()].some((q) => q.binding === p.binding && q.dtype === "bool");
  return along === 1 && size % 4 === 0 && p.dtype !== "bool" && !binding.atomic && !bools && p.base % 16 === 0 && acc.offset % 4 === 0 &&
    acc.strides.every((s, d) => d === nb + (dim === "n" ? 1 : 2) || s % 4 === 0);
}

/** Which operands the vec4 loop reads four-wide, or null when B cannot be (then the scalar loop runs). */
export function vec4Operands(memory: MemoryAccess, loop: MatmulLoop): { a: boolean } | null {
  if (!fourWide(memory, loop.b, loop, "n")) return null;
  return { a: fourWide(memory, loop.a, loop, "k") };
}

/** Declares the operands' bindings as vec4 arrays; call before any load of the kernel is emitted. */
export function markVec4(memory: MemoryAccess, loop: MatmulLoop, a: boolean): void {
  memory.vec4.add(memory.placeOf(loop.b.source).binding);
  if (a) memory.vec4.add(memory.placeOf(loop.a.source).binding);
}

/** Lines computing `c{r}{c}` for rows tm*64 + ty*4 + r and columns tn*64 + tx*4 + c. */
export function vec4Loop(ctx: BodyContext, loop: MatmulLoop, T: string, groups: Groups, aWide: boolean): string[] {
  const { m, n, k } = loop;
  const mem = ctx.memory;
  const lines = [`  let j0 = min(tn * 64u + tx * 4u, ${n - 4}u);`];
  for (let r = 0; r < 4; r++) lines.push(`  let ri${r} = min(tm * 64u + ty * 4u + ${r}u, ${m - 1}u);`, `  var acc${r} = vec4<${T}>();`);
  const b = (kk: string) => mem.loadVec4(loop.b.source, accessIndex(loop.b.offset, loop.b.strides, groups("0u", "j0", kk)));
  const a = (r: number, kk: string) => mem.load(loop.a.source, accessIndex(loop.a.offset, loop.a.strides, groups(`ri${r}`, "0u", kk)));
  if (k % 4 === 0) {
    lines.push(`  for (var kk = 0u; kk < ${k}u; kk += 4u) {`);
    for (let q = 0; q < 4; q++) lines.push(`    let b${q} = ${b(q ? `kk + ${q}u` : "kk")};`);
    for (let r = 0; r < 4; r++) {
      const av = aWide
        ? mem.loadVec4(loop.a.source, accessIndex(loop.a.offset, loop.a.strides, groups(`ri${r}`, "0u", "kk")))
        : `vec4<${T}>(${[0, 1, 2, 3].map((q) => a(r, q ? `kk + ${q}u` : "kk")).join(", ")})`;
      lines.push(`    let a${r} = ${av};`, `    acc${r} = acc${r} + a${r}.x * b0 + a${r}.y * b1 + a${r}.z * b2 + a${r}.w * b3;`);
    }
  } else {
    lines.push(`  for (var kk = 0u; kk < ${k}u; kk++) {`, `    let b0 = ${b("kk")};`);
    for (let r = 0; r < 4; r++) lines.push(`    acc${r} = acc${r} + ${a(r, "kk")} * b0;`);
  }
  lines.push(`  }`);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) lines.push(`  let c${r}${c} = acc${r}.${"xyzw"[c]};`);
  return lines;
}
