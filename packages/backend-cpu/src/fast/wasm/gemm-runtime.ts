import { wasm, type WasmModule } from "./api";
import { gemmModuleBytes, type GemmShape } from "./gemm-module";

/** Register tile (4×8: 8 accumulators, which V8 keeps in xmm registers without spilling). */
export const MR = 4, NR = 8;
/** Cache blocking: KC×NR B panels in L1, MC×KC A blocks in L2, KC×NC B blocks in L2/L3. */
export const KC = 256, MC = 128, NC = 1024;
/** Ints per GEMM task record: m, n, k, a, ars, acs, b, brs, bcs, c, ldc (addresses and strides in bytes). */
export const TASK = 11;

/** The exported driver: see `gemm` in gemm-module.ts for the parameters. */
export type GemmFn = (...args: number[]) => void;

const modules = new Map<boolean, WasmModule>();

/**
 * The compiled GEMM module for a shared or private memory, built once per process. It uses
 * the fused multiply-add of relaxed SIMD where this engine validates it (Node ≥ 22, or
 * `--experimental-wasm-relaxed-simd`), else a multiply then an add.
 */
export function gemmModule(shared: boolean): WasmModule {
  let module = modules.get(shared);
  if (!module) {
    const withFma: GemmShape = { mr: MR, nr: NR, fma: true };
    const fmaBytes = gemmModuleBytes(withFma, { shared });
    const bytes = wasm.validate(fmaBytes) ? fmaBytes : gemmModuleBytes({ ...withFma, fma: false }, { shared });
    module = new wasm.Module(bytes);
    modules.set(shared, module);
  }
  return module;
}

/** Whether the GEMM in use fuses multiply and add. */
export const gemmUsesFma = (): boolean => wasm.validate(gemmModuleBytes({ mr: MR, nr: NR, fma: true }, { shared: false }));

/** Bytes of one thread's packing buffers for matrices at most `maxN` columns wide. */
export function packingBytes(maxN: number): { pa: number; pb: number; tile: number; total: number } {
  const pa = Math.ceil(MC / MR) * MR * KC * 4;
  const pb = KC * Math.ceil(Math.min(NC, Math.max(1, maxN)) / NR) * NR * 4;
  const tile = MR * NR * 4;
  return { pa, pb, tile, total: pa + pb + tile };
}

/** The driver's per-thread trailing arguments: [pa, pb, tile, KC, MC, NC, TASK]. */
export function gemmConsts(base: number, maxN: number): number[] {
  const { pa, pb } = packingBytes(maxN);
  return [base, base + pa, base + pa + pb, KC, MC, NC, TASK];
}
