/**
 * Loads and stores of elements through a kernel's bindings. Every binding is an array of
 * u32 words: f32 and i32 elements are bitcast words, bool elements are bytes (1 byte per
 * element, as the memory plan sizes them), read by shifting and written with atomics.
 * A binding may instead be an array of vec4<u32> (matmul operands read four at a time);
 * single elements are then read as a component of their vector.
 */
import { AdjointError, type ValueId } from "@adjoint/ir";
import type { KernelBindings } from "../bindings";
import { u32 } from "./literals";

/** Element access for one kernel's bindings. */
export class MemoryAccess {
  /** Bindings declared as `array<vec4<u32>>`. */
  readonly vec4 = new Set<number>();
  constructor(readonly kb: KernelBindings) {}

  /** The binding of `v` and its byte offset in it. */
  placeOf(v: ValueId) {
    return this.place(v);
  }

  /** Four consecutive elements of `v` from element `index` (a multiple of 4, base 16-byte aligned) as a vec4. */
  loadVec4(v: ValueId, index: string): string {
    const p = this.place(v);
    if (!this.vec4.has(p.binding) || p.base % 16 !== 0) throw new AdjointError(`WebGPU codegen: %${v} is not bound for vec4 loads`);
    return `bitcast<vec4<${p.dtype}>>(buf${p.binding}[${p.base ? `${u32(p.base / 16)} + ` : ""}(${index}) / 4u])`;
  }

  private place(v: ValueId) {
    const p = this.kb.places.get(v);
    if (!p) throw new AdjointError(`WebGPU codegen: %${v} is not bound in this kernel`);
    return { ...p, atomic: this.kb.bindings[p.binding].atomic };
  }

  /** The WGSL expression of element `index` (a u32 expression) of value `v`. */
  load(v: ValueId, index: string): string {
    const p = this.place(v);
    if (p.dtype === "bool") return `ld_bool_${p.binding}(${p.base ? `${u32(p.base)} + ` : ""}${index})`;
    const word = `${p.base ? `${u32(p.base / 4)} + ` : ""}${index}`;
    const raw = p.atomic ? `atomicLoad(&buf${p.binding}[${word}])` : this.vec4.has(p.binding) ? `ldw_${p.binding}(${word})` : `buf${p.binding}[${word}]`;
    return `bitcast<${p.dtype}>(${raw})`;
  }

  /** A statement storing `value` (a WGSL expression of v's dtype) at element `index` of `v`. */
  store(v: ValueId, index: string, value: string): string {
    const p = this.place(v);
    if (p.dtype === "bool") return `st_bool_${p.binding}(${p.base ? `${u32(p.base)} + ` : ""}${index}, ${value});`;
    const word = `${p.base ? `${u32(p.base / 4)} + ` : ""}${index}`;
    if (this.vec4.has(p.binding)) return `stw_${p.binding}(${word}, bitcast<u32>(${value}));`;
    return p.atomic ? `atomicStore(&buf${p.binding}[${word}], bitcast<u32>(${value}));` : `buf${p.binding}[${word}] = bitcast<u32>(${value});`;
  }

  /** Binding declarations and the bool accessors of the bindings that hold bools. */
  declarations(): string {
    const out: string[] = [];
    const boolBindings = new Set<number>();
    for (const p of this.kb.places.values()) if (p.dtype === "bool") boolBindings.add(p.binding);
    this.kb.bindings.forEach((b, i) => {
      if (i === this.kb.status) {
        out.push(`@group(0) @binding(${i}) var<storage, read_write> status: array<atomic<u32>>;`);
        return;
      }
      const elem = b.atomic ? "atomic<u32>" : this.vec4.has(i) ? "vec4<u32>" : "u32";
      out.push(`@group(0) @binding(${i}) var<storage, ${b.write ? "read_write" : "read"}> buf${i}: array<${elem}>;`);
      if (this.vec4.has(i)) {
        out.push(`fn ldw_${i}(w: u32) -> u32 { return buf${i}[w >> 2u][w & 3u]; }`);
        if (b.write) out.push(`fn stw_${i}(w: u32, x: u32) { buf${i}[w >> 2u][w & 3u] = x; }`);
      }
      if (!boolBindings.has(i)) return;
      const word = b.atomic ? `atomicLoad(&buf${i}[byte >> 2u])` : `buf${i}[byte >> 2u]`;
      out.push(`fn ld_bool_${i}(byte: u32) -> bool { return ((${word} >> ((byte & 3u) * 8u)) & 0xffu) != 0u; }`);
      if (b.atomic) {
        out.push(
          `fn st_bool_${i}(byte: u32, v: bool) {\n  let sh = (byte & 3u) * 8u;\n` +
            `  atomicAnd(&buf${i}[byte >> 2u], ~(0xffu << sh));\n  atomicOr(&buf${i}[byte >> 2u], select(0u, 1u, v) << sh);\n}`,
        );
      }
    });
    if (this.kb.status !== undefined) {
      // first kernel (highest code) and first member (code counts down) win under atomicMax
      out.push(
        `fn flag_nonfinite(x: f32, slot: u32, member: u32) {\n` +
          `  if (is_nonfinite(x)) { atomicMax(&status[slot], ((0xffffffu - member) << 2u) | select(1u, 2u, is_nan(x))); }\n}`,
        `fn flag_index(step: u32, index: i32) { atomicMax(&status[0], 0xffffffffu - step); atomicStore(&status[1], bitcast<u32>(index)); }`,
      );
    }
    return out.join("\n");
  }
}
