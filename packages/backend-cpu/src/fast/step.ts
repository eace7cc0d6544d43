import type { Shape, ValueId } from "@adjoint/ir";
import type { Kernel } from "@adjoint/passes";
import { PARALLEL_WORK, type GeneratedKernel } from "./codegen/pointwise";
import type { KernelFn, ThreadPool } from "./threads";
import type { GemmFn } from "./wasm/gemm-runtime";
import type { NativeGemm } from "./native/build";

/** What a step's run closure uses: arena views, compiled loops, the GEMM and the threads. */
export interface Runtime {
  readonly F: Float32Array;
  readonly I: Int32Array;
  readonly U: Uint8Array;
  readonly D: Float64Array;
  /** Every generated loop of the executable, compiled, in step order. */
  readonly fns: readonly KernelFn[];
  /** Every GEMM task record of the executable. */
  readonly tasks: Int32Array;
  /** Runs task record `i` on the main thread. */
  readonly gemmTask: (tasks: Int32Array, i: number) => void;
  readonly gemm: GemmFn | undefined;
  readonly pool: ThreadPool | undefined;
  /** The native GEMM, when f32 matmuls run natively rather than as the wasm GEMM. */
  readonly native: NativeGemm | undefined;
  readonly threads: number;
}

/** Where a step's generated loops and task records start in the executable-wide lists. */
export interface StepIndex {
  readonly fn: number;
  readonly task: number;
}

/** A kernel prepared for lowering: sources and task records first, closures once memory exists. */
export interface StepPlan {
  readonly kernel: Kernel;
  /** Generated loops this step runs (compiled once, and once in every worker). */
  readonly generated: readonly GeneratedKernel[];
  /** GEMM task records (TASK ints each). */
  readonly tasks: readonly number[];
  /** Builds the closure that runs this step. */
  instantiate(rt: Runtime, at: StepIndex): () => void;
  /** A matmul step's elementwise epilogue, which another code generator may run instead (wasm/simd-module.ts). */
  readonly matmulEpilogue?: MatmulEpilogue;
}

/** The loop after a GEMM: `members` over `dims` (batch, m, n), reading the product where the GEMM left it. */
export interface MatmulEpilogue {
  readonly dims: Shape;
  readonly members: readonly ValueId[];
  readonly stores: readonly ValueId[];
  readonly product: ValueId;
  /** First f32 element of the product, row-major over `dims`. */
  readonly productElem: number;
  /** The step's closure with `epilogue` run in place of the generated loop. */
  instantiate(rt: Runtime, at: StepIndex, epilogue: () => void): () => void;
}


/** A closure running generated loop `index` over its whole extent, split across threads when it pays. */
export function loopRunner(rt: Runtime, index: number, g: GeneratedKernel): () => void {
  if (g.extent === 0) return () => {};
  const fn = rt.fns[index];
  const { F, I, U, D, pool } = rt;
  const extent = g.extent;
  if (pool && g.work >= PARALLEL_WORK && extent > 1) {
    const chunks = Math.min(extent, 4 * pool.threads);
    return () => pool.runFn(index, 0, extent, chunks);
  }
  return () => fn(F, I, U, D, 0, extent);
}
