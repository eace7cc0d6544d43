import type { Backend } from "@adjoint/passes";
import { lowerCpu, type CpuExecutable, type CpuOptions } from "./lower";
import { nativeGemmStatus } from "./native/build";
import { enableFma, withGemmFma } from "./wasm/gemm-runtime";

/** Options of `cpuBackend`: those of `lowerCpu` (with another default for `fastMath`), plus the GEMM's fused multiply-add. */
export interface CpuBackendOptions extends CpuOptions {
  /**
   * As `CpuOptions.fastMath`, but on by default here: the backend that `compile` runs is the
   * fast one (SIMD kernels, exp/log/tanh within 1 ulp of the interpreter, sin/cos/sigmoid
   * within 2, sums reassociated), as XLA's and PyTorch's CPU backends are. `fastMath: false`
   * gives results bitwise with the interpreter except where a matmul or a split sum adds in
   * another order.
   */
  readonly fastMath?: boolean;
  /**
   * Fused multiply-add (relaxed SIMD's `f32x4.relaxed_madd`) in the matmul's inner loop,
   * about 1.6× the speed of a multiply then an add. Default true: creating the backend turns
   * on V8's `--experimental-wasm-relaxed-simd` where the engine needs it (Node 20; Node ≥ 22
   * has the feature on). false keeps a multiply then an add and leaves V8's flags alone.
   */
  readonly fma?: boolean;
}

/** The CPU backend, saying whether its GEMM fuses multiply and add. */
export interface CpuBackend extends Backend {
  /** Whether matmuls lowered by this backend use fused multiply-add (false where asked not to, or where the engine refuses it). */
  readonly fma: boolean;
}

/** The report's lines on what a lowering chose: the GEMM, the SIMD kernels, the threads. */
function cpuNotes(exe: CpuExecutable, nativeWanted: boolean): string[] {
  // why not native: only where it was wanted (asking an opted-out lowering would build it)
  const why = nativeWanted && exe.gemm.startsWith("wasm") ? nativeGemmStatus() : undefined;
  return [
    ...(exe.gemm === "none" ? [] : [`matmuls: ${exe.gemm} GEMM${why && !why.available ? ` (no native GEMM: ${why.reason})` : ""}`]),
    `${exe.simdKernels} of ${exe.kernels} kernels as wasm SIMD (${exe.simdFunctions} functions)`,
    `threads: ${exe.threads}`,
  ];
}

/**
 * The fast CPU executor as a `Backend` (the contract in @adjoint/passes): fused plans, any
 * number of buffers per kernel, 64-byte arena alignment (a cache line), f32/i32/bool, and
 * in-place slot reuse (generated loops read every load of a point before storing it).
 */
export function cpuBackend(opts: CpuBackendOptions = {}): CpuBackend {
  const { fma: wanted = true, fastMath = true, ...rest } = opts;
  const lowering: CpuOptions = { ...rest, fastMath };
  // decided here, once, so that `fma` is known before the first lowering
  const fma = wanted && enableFma();
  return {
    name: "cpu",
    fma,
    capabilities: { fusion: true, maxBuffersPerKernel: Infinity, maxBindingBytes: 2 ** 31 - 1, alignment: 64, dtypes: ["f32", "i32", "bool"], inplace: true },
    lower(plan, lowerOpts) {
      const exe = withGemmFma(fma, () => lowerCpu(plan, { ...lowering, checkNumerics: lowerOpts.checkNumerics ?? lowering.checkNumerics }));
      return { kernels: exe.kernels, run: async (inputs) => exe.run(inputs), dispose: () => exe.dispose(), notes: cpuNotes(exe, fma && lowering.nativeGemm !== false) };
    },
  };
}
