import { AdjointError, type HostTensor } from "@adjoint/ir";
import type { Kernel, Plan } from "@adjoint/passes";
import { PARALLEL_WORK, elementwiseKernel, type GeneratedKernel } from "./codegen/pointwise";
import { reduceKernel, type SplitReduce } from "./codegen/reduce";
import { ArenaLayout } from "./layout";
import { matmulStep } from "./matmul";
import { opaqueNode, rewriteOpaque } from "./opaque";
import { routineStep } from "./opaque-routines";
import { checkedStep } from "./numerics";
import { compileKernel, withFastMath } from "./fast-math";
import { copyOutputs, loadInputs, materialiseSources } from "./io";
import { loopRunner, type Runtime, type StepPlan } from "./step";
import { ThreadPool, type KernelFn } from "./threads";
import { wasm } from "./wasm/api";
import { MR, NR, TASK, gemmConsts, gemmFmaWanted, gemmModule, gemmUsesFma, packingBytes, type GemmFn } from "./wasm/gemm-runtime";
import { describeNativeGemm, nativeGemm } from "./native/build";
import { SimdKernels } from "./wasm/simd-module";

/** Options of `lowerCpu`. */
export interface CpuOptions {
  /** Threads that run kernels (the calling thread plus workers). Default 1. */
  readonly threads?: number;
  /** Time every kernel of every run (see `CpuExecutable.profile`). Default false. */
  readonly profile?: boolean;
  /** After each kernel, fail on a NaN or infinity it produced, naming the op and source line. Default false. */
  readonly checkNumerics?: boolean;
  /**
   * Generated loops call fast JS versions of exp, log, sin, cos and tanh (and so sigmoid):
   * each f32 result within 1 ulp of the interpreter's, special values identical (see
   * fast/fast-math.ts); and keep f32 intermediates in doubles, rounding to f32 only where
   * it can matter (stores, comparisons, overflow: codegen/f32-rounding.ts). Kernels that
   * qualify run as wasm SIMD instead (see `simd`): f32 ops rounded one by one, exp, log and
   * tanh within 1 ulp, sin, cos and sigmoid within 2, special values identical. Default false:
   * loops call Math.* and round every op exactly as the interpreter does.
   */
  readonly fastMath?: boolean;
  /**
   * With `fastMath`, run qualifying elementwise and reduction kernels as WebAssembly SIMD
   * (f32x4, wasm/simd-*.ts: f32 per-op rounding, polynomial transcendentals within
   * simd-math.ts's MAX_ULP). Default true; ignored without `fastMath`.
   */
  readonly simd?: boolean;
  /**
   * Run f32 matmuls with the native GEMM (native/gemm.c, compiled for this CPU with the
   * system's C compiler and cached; AVX-512 or AVX2 vectors) where it can be built, with its
   * own threads up to `threads`. Default true; false, or no compiler, keeps the WebAssembly
   * GEMM (128-bit SIMD); so does `fma: false` on the backend, as the native GEMM always
   * fuses. `CpuExecutable.gemm` says which one a plan runs.
   */
  readonly nativeGemm?: boolean;
}

/** Time spent in one kernel over the runs so far. */
export interface KernelTime {
  readonly kernel: number;
  readonly kind: string;
  readonly ms: number;
}

/** A plan lowered for the CPU: call `run` as often as needed, then `dispose`. */
export interface CpuExecutable {
  /** Runs the plan on inputs in graph-input order; returns fresh copies of the outputs. */
  run(inputs: readonly HostTensor[]): HostTensor[];
  /** Stops the worker threads; `run` fails afterwards. Idempotent. */
  dispose(): void;
  /** Kernels run per step. */
  readonly kernels: number;
  /** The single arena every value lives in (shared with the workers when threads > 1). */
  readonly arena: ArrayBuffer | SharedArrayBuffer;
  readonly threads: number;
  /** Generated JavaScript of each loop, for dumps and debugging. */
  readonly sources: readonly string[];
  /** Per-kernel times summed over all runs (empty unless lowered with `profile: true`). */
  profile(): KernelTime[];
  /** Chunks of parallel work run so far by the worker threads (0 with one thread). */
  readonly workerChunks: number;
  /** Kernels that run as wasm SIMD (`fastMath` with `simd`), 0 otherwise. */
  readonly simdKernels: number;
  /** Distinct wasm functions they run (kernels alike but for where their data lies share one). */
  readonly simdFunctions: number;
  /** Which GEMM the plan's f32 matmuls run: "native AVX-512 14×32", "wasm SIMD 4×8 FMA", ..., or "none" without matmuls. */
  readonly gemm: string;
}

/** A structured kernel's step: one generated loop. */
function loopStep(kernel: Kernel, g: GeneratedKernel): StepPlan {
  return { kernel, generated: [g], tasks: [], instantiate: (rt, at) => loopRunner(rt, at.fn, g) };
}

/** A one-point reduction folded in parallel chunks, then combined on the calling thread. */
function splitReduceStep(kernel: Kernel, r: SplitReduce): StepPlan {
  return {
    kernel,
    generated: [r.partial, r.finish],
    tasks: [],
    instantiate(rt, at) {
      const finish = rt.fns[at.fn + 1], { F, I, U, D, pool } = rt;
      const partial = pool ? () => pool.runFn(at.fn, 0, r.partial.extent, r.chunks) : () => rt.fns[at.fn](F, I, U, D, 0, r.partial.extent);
      return () => {
        partial();
        finish(F, I, U, D, 0, 1);
      };
    },
  };
}

function planStep(kernel: Kernel, layout: ArenaLayout, threads: number, fastMath: boolean): StepPlan {
  const loop = kernel.loop;
  switch (loop.kind) {
    case "elementwise":
      return loopStep(kernel, elementwiseKernel(kernel, layout, loop.domain, fastMath));
    case "reduce": {
      const r = reduceKernel(kernel, layout, loop, threads, fastMath);
      return "partial" in r ? splitReduceStep(kernel, r) : loopStep(kernel, r);
    }
    case "matmul":
      return matmulStep(kernel, layout, loop, threads, fastMath);
    case "opaque": {
      const o = opaqueNode(kernel, layout, loop.node);
      const rewritten = rewriteOpaque(o);
      return rewritten ? planStep(rewritten, layout, threads, fastMath) : routineStep(o);
    }
  }
}

/** Largest n of the plan's matmuls (sizes the packing buffers), or 0 when there are none. */
function widestMatmul(plan: Plan, layout: ArenaLayout): number {
  let n = 0;
  for (const k of plan.kernels) {
    if (k.loop.kind === "matmul") n = Math.max(n, k.loop.n);
    else if (k.loop.kind === "opaque" && layout.nodes.get(k.loop.node)?.op === "matmul") {
      const shape = layout.nodes.get(k.loop.node)!.type.shape;
      n = Math.max(n, shape[shape.length - 1]);
    }
  }
  return n;
}

const compile = (g: GeneratedKernel, i: number): KernelFn => {
  try {
    return compileKernel(g.source) as KernelFn;
  } catch (e) {
    throw new AdjointError(`generated loop ${i} does not compile (${(e as Error).message}):\n${g.source}`);
  }
};

/**
 * Lowers a plan to the CPU: one arena (a WebAssembly memory, shared with worker threads when
 * `threads` > 1) holding every value at its planned offset, constants written once, a
 * JavaScript function generated per fused loop, the wasm SIMD GEMM for matmuls. `run` then
 * copies inputs in, runs the kernels in plan order and copies outputs out; nothing else is
 * allocated per run.
 */
export function lowerCpu(plan: Plan, opts: CpuOptions = {}): CpuExecutable {
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  const layout = new ArenaLayout(plan);
  materialiseSources.place(plan, layout);
  const maxN = widestMatmul(plan, layout);
  const native = maxN > 0 && opts.nativeGemm !== false && gemmFmaWanted() ? nativeGemm() : undefined;
  const pack = maxN > 0 && !native ? layout.reservePerThread(packingBytes(maxN).total, threads) : { base: 0, stride: 0 };
  const simd = opts.fastMath && opts.simd !== false ? new SimdKernels(layout, threads) : undefined;
  const steps = plan.kernels.map((k) => {
    const step = planStep(k, layout, threads, opts.fastMath ?? false);
    return simd ? simd.wrap(k, step) : step;
  });

  const bytes = layout.totalBytes;
  if (bytes >= 2 ** 31) throw new AdjointError(`@${plan.graph.name}: the CPU arena would need ${bytes} bytes; the limit is 2 GiB`);
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const shared = threads > 1;
  const memory = new wasm.Memory({ initial: pages, maximum: pages, shared });
  const buf = memory.buffer;
  const views = { F: new Float32Array(buf), I: new Int32Array(buf), U: new Uint8Array(buf), D: new Float64Array(buf) };
  materialiseSources.write(layout, views);

  // fastMath rewrites the finished sources, so worker threads compile the same text
  const generated = steps.flatMap((s) => s.generated).map((g) => (opts.fastMath ? { ...g, source: withFastMath(g.source) } : g));
  const fns = generated.map(compile);
  const taskList = steps.flatMap((s) => s.tasks);
  const tasks = new Int32Array(shared ? new SharedArrayBuffer(Math.max(4, taskList.length * 4)) : new ArrayBuffer(Math.max(4, taskList.length * 4)));
  tasks.set(taskList);
  const module = taskList.length && !native ? gemmModule(shared) : undefined;
  const gemm = module ? (new wasm.Instance(module, { env: { memory } }).exports.gemm as GemmFn) : undefined;
  const [pa, pb, tile, KC, MC, NC] = gemmConsts(pack.base, maxN);
  const gemmTask = (t: Int32Array, i: number) => {
    const o = i * TASK;
    gemm!(t[o], t[o + 1], t[o + 2], t[o + 3], t[o + 4], t[o + 5], t[o + 6], t[o + 7], t[o + 8], t[o + 9], t[o + 10], pa, pb, tile, KC, MC, NC);
  };
  // workers only when some loop, SIMD kernel or GEMM is big enough to be split (see loopRunner, simd-module.ts, matmulStep)
  const simdSplit = simd?.compile(shared);
  const jsLoops = steps.filter((s) => !simd?.runs(s)).flatMap((s) => s.generated);
  const parallel = jsLoops.some((g) => g.work >= PARALLEL_WORK && g.extent > 1) || simdSplit !== undefined || (!native && steps.some((s) => s.tasks.length > TASK));
  const simdContext = simd?.context ?? { fns: [], table: new Int32Array(0), args: new Map<number, number[]>() };
  const pool = threads > 1 && parallel
    ? new ThreadPool(threads, { memory, module, sources: generated.map((g) => g.source), tasks, gemmConsts: (t) => gemmConsts(pack.base + t * pack.stride, maxN), simd: simdSplit }, { fns, tasks, gemmTask, ...views, simd: simdContext })
    : undefined;
  simd?.instantiate(memory);
  const rt: Runtime = { ...views, fns, tasks, gemmTask, gemm, pool, native, threads };
  let fn = 0, task = 0;
  const run = steps.map((s) => {
    const made = s.instantiate(rt, { fn, task });
    const closure = opts.checkNumerics ? checkedStep(made, s.kernel, layout, views.F) : made;
    fn += s.generated.length;
    task += s.tasks.length / TASK;
    return closure;
  });

  const times = new Float64Array(steps.length);
  const timed = opts.profile
    ? run.map((f, i) => () => {
        const t0 = performance.now();
        f();
        times[i] += performance.now() - t0;
      })
    : run;
  let disposed = false;
  return {
    kernels: plan.kernels.length,
    arena: buf,
    threads,
    simdKernels: simd?.count ?? 0,
    simdFunctions: simd?.functions ?? 0,
    gemm: !taskList.length ? "none" : native ? describeNativeGemm(native) : `wasm SIMD ${MR}×${NR}${gemmUsesFma() ? " FMA" : ""}`,
    sources: generated.map((g) => g.source),
    run(inputs) {
      if (disposed) throw new AdjointError(`run: @${plan.graph.name} was disposed`);
      loadInputs(plan.graph, layout, views, inputs);
      for (let i = 0; i < timed.length; i++) timed[i]();
      return copyOutputs(plan.graph, layout, views);
    },
    get workerChunks() {
      return pool?.workerChunks ?? 0;
    },
    profile: () => (opts.profile ? steps.map((s, i) => ({ kernel: s.kernel.id, kind: s.kernel.loop.kind, ms: times[i] })) : []),
    dispose() {
      if (disposed) return;
      disposed = true;
      pool?.dispose();
    },
  };
}
