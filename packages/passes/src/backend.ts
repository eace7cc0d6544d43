/**
 * The contract between Adjoint's compiler and an executor. The in-tree backends (interpret,
 * cpu, webgpu) implement it exactly as a third-party package would, and register with
 * `registerBackend(name, factory)` from the `adjoint` package. It lives here, below the
 * backends in the import order, so a backend package can implement it without importing
 * the public API package.
 */
import type { DType, HostTensor } from "@adjoint/ir";
import type { Plan } from "./plan/types";

/** What a backend can run; the compiler shapes its plan to fit (fusion splits, alignment). */
export interface BackendCapabilities {
  /** Whether the backend runs fused kernels; false: the compiler plans one kernel per node. */
  readonly fusion: boolean;
  /** Most buffers (distinct loads plus stores) one kernel may bind. WebGPU: 8 by default. */
  readonly maxBuffersPerKernel: number;
  /** Largest single value in bytes the backend can bind. */
  readonly maxBindingBytes: number;
  /** Alignment of arena offsets in bytes. */
  readonly alignment: number;
  readonly dtypes: readonly DType[];
  /**
   * Whether a kernel's store may share the arena slot of a value it reads at the same point
   * (in-place reuse, see memory/kernel-reuse.ts): true only if every kernel reads all its loads
   * of a point before it writes that point. Absent: false.
   */
  readonly inplace?: boolean;
}

/** Options a backend receives when lowering. */
export interface LowerOptions {
  /** Flag the first op producing NaN/Inf at run time, with its source line. */
  readonly checkNumerics?: boolean;
}

/** A lowered plan, ready to run. */
export interface LoweredProgram {
  /** Runs one step: inputs in the graph's input order, outputs in its output order. */
  run(inputs: readonly HostTensor[]): Promise<HostTensor[]>;
  /** Dispatches per run. */
  readonly kernels: number;
  /** Frees what the program holds (device buffers, pipelines, workers). Idempotent. */
  dispose(): void;
  /** What the backend chose while lowering, a line each, for the compile report (which GEMM the matmuls run, say). Optional. */
  readonly notes?: readonly string[];
}

/** An executor of plans. */
export interface Backend {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** Lowers a scheduled, fused, memory-planned graph. May be async (e.g. pipeline creation). */
  lower(plan: Plan, opts: LowerOptions): LoweredProgram | Promise<LoweredProgram>;
  /** Frees backend-wide resources (a device). Optional. */
  dispose?(): void;
}

/** A factory, called once per `compile` that asks for the backend by name. */
export type BackendFactory = () => Backend | Promise<Backend>;

