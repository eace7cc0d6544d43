import v8 from "node:v8";
import { wasm, type WasmModule } from "./api";
import { gemmModuleBytes } from "./gemm-module";

/**
 * Register tile: 4×8, 8 accumulators. V8 (TurboFan, Node 20) issues all of a k step's loads
 * before its FMAs, so accumulators plus loaded values must fit in 15 xmm registers: 4×8 needs
 * 8 + 6. Measured with FMA (2026-11-26, 1024³, interleaved): 6×8, 5×8, 8×8, 12×4 and 4×12
 * spill and run 30–65% slower, 3×12 and 2×16 no faster; unrolling k by 2 or 4 hoists the next steps' loads too and
 * spills (0.5–0.75× the speed).
 */
export const MR = 4, NR = 8;
/**
 * Cache blocking: KC×NR B panels in L1 (16 KiB), MC×KC A blocks in L2, KC×NC B blocks in
 * L2/L3. KC 512 rather than 256: half the passes over C, +5–7% with FMA at 512–2048 (measured
 * 2026-11-26, interleaved; KC 128 −15%, 1024 no better at 2048; MC 64/192 within noise).
 */
export const KC = 512, MC = 128, NC = 1024;
/** Ints per GEMM task record: m, n, k, a, ars, acs, b, brs, bcs, c, ldc (addresses and strides in bytes). */
export const TASK = 11;

/** The exported driver: see `gemm` in gemm-module.ts for the parameters. */
export type GemmFn = (...args: number[]) => void;

/** The V8 flag under which Node 20 validates relaxed SIMD (Node ≥ 22 ships the feature on). */
export const RELAXED_SIMD_FLAG = "--experimental-wasm-relaxed-simd";

/** Whether this engine validates the GEMM with fused multiply-add as things stand. */
const fmaValidates = (): boolean => wasm.validate(gemmModuleBytes({ mr: MR, nr: NR, fma: true }, { shared: false }));

let fmaOn = false;

/**
 * Makes the engine accept relaxed SIMD's `f32x4.relaxed_madd` if it can, and says whether it
 * does. Node ≥ 22 validates it already; Node 20 has it behind `--experimental-wasm-relaxed-simd`,
 * which `v8.setFlagsFromString` (a documented Node API) turns on at run time. The flag is
 * process-wide and only adds a WebAssembly feature, so modules compiled before are unaffected
 * and worker threads, which receive the compiled module, run the same code.
 */
export function enableFma(): boolean {
  if (fmaOn) return true;
  try {
    if (!fmaValidates()) v8.setFlagsFromString(RELAXED_SIMD_FLAG);
  } catch {
    // an engine without V8's flags: it keeps whatever it validates
  }
  fmaOn = fmaValidates();
  return fmaOn;
}

// fused multiply-add for GEMM modules built while no `withGemmFma` is running
let fmaWanted = true;

/**
 * Runs `lower` (a synchronous lowering) with GEMM modules built with fused multiply-add
 * (`fma` true, the default outside any call) or with a multiply then an add, restoring the
 * previous choice afterwards: how `cpuBackend({ fma })` reaches `lowerCpu`. With `fma`
 * false, V8's flags are left alone.
 */
export function withGemmFma<T>(fma: boolean, lower: () => T): T {
  const before = fmaWanted;
  fmaWanted = fma;
  try {
    return lower();
  } finally {
    fmaWanted = before;
  }
}

/** Whether GEMMs lowered now may fuse multiply and add (false inside `withGemmFma(false, ...)`). */
export const gemmFmaWanted = (): boolean => fmaWanted;

const modules = new Map<string, WasmModule>();

/**
 * The compiled GEMM module for a shared or private memory, built once per process and choice.
 * With `fma` (by default, unless inside `withGemmFma(false, ...)`) it uses the fused
 * multiply-add of relaxed SIMD, turning the feature on where needed (`enableFma`); where the
 * engine still refuses it, or with `fma` false, it multiplies then adds. Rounding differs by
 * at most one rounding per product (as XLA's CPU FMA contraction), within the backend's tolerances.
 */
export function gemmModule(shared: boolean, fma: boolean = fmaWanted): WasmModule {
  const fused = fma && enableFma();
  const key = `${shared ? "shared" : "private"}/${fused ? "fma" : "mul-add"}`;
  let module = modules.get(key);
  if (!module) {
    module = new wasm.Module(gemmModuleBytes({ mr: MR, nr: NR, fma: fused }, { shared }));
    modules.set(key, module);
  }
  return module;
}

/**
 * Whether a GEMM lowered now with default options fuses multiply and add (turning relaxed
 * SIMD on first where the engine allows, as such a lowering does).
 */
export const gemmUsesFma = (): boolean => fmaWanted && enableFma();

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
