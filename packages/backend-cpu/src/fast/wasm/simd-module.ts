/**
 * The wasm SIMD kernels of one executable (`fastMath` only): every qualifying kernel (or matmul epilogue)
 * (simd-kernel.ts) becomes one exported function of a single module, instantiated on the
 * executable's arena memory by the calling thread and by every worker thread. A kernel with
 * enough work runs split across the threads (its range in parts, from an entry of a shared
 * table: threads.ts, SIMD jobs), else whole on the calling thread. The kernel's JavaScript loop
 * is still generated (kept in `sources` for dumps, and so worker threads, which compile every
 * source, see the same list).
 */
import type { Kernel } from "@adjoint/passes";
import type { ArenaLayout } from "../layout";
import { PARALLEL_WORK } from "../codegen/pointwise";
import type { StepPlan } from "../step";
import type { SimdContext } from "../threads";
import { encodeModuleWithImports, type FnBuilder } from "./assemble";
import { wasm, type WasmMemory } from "./api";
import { PARTIAL_BYTES, emitProgram, simdBases, type SimdPart } from "./simd-emit";
import { simdProgram, type SimdPhase, type SimdProgram, type SimdVal } from "./simd-kernel";
import { MATH_IMPORTS } from "./simd-math";

/** A program's function: the range, then each stream's base byte (simd-emit.ts). */
type RangeFn = (lo: number, hi: number, ...bases: number[]) => void;

/** Host function indices the programs call (the module imports MATH_IMPORTS first). */
const IMPORTS = { sin: 0, cos: 1 };

/** The bytes of a module exporting `k<i>` for function i. */
function moduleBytes(fns: readonly FnBuilder[], shared: boolean): Uint8Array {
  return encodeModuleWithImports(fns.map((fn, i) => ({ name: `k${i}`, fn })), { shared }, MATH_IMPORTS);
}

/** The bytes of a module exporting `k<i>` for program i (tests run programs alone with it). */
export const simdModuleBytes = (programs: readonly SimdProgram[], shared: boolean): Uint8Array =>
  moduleBytes(programs.map((p) => emitProgram(p, IMPORTS)), shared);

/**
 * Locals one function may declare: wasm allows 50,000, and V8 compiles huge functions slowly;
 * a body this long (thousands of ops) keeps its JavaScript loop, which shares locals.
 */
const MAX_LOCALS = 20_000;

/**
 * Work (points × ops of the kernel's JavaScript loop) from which a SIMD kernel is split across
 * the threads: a SIMD thread does about four JavaScript threads' work, so 4× the JavaScript
 * loops' threshold keeps a split's cost (waking the workers, tens of µs) small beside it.
 */
const SIMD_PARALLEL_WORK = 4 * PARALLEL_WORK;

/**
 * What a program computes, apart from where its data lies: kernels with equal keys (the same
 * layer's ops in another block, or forward and backward copies) share one wasm function.
 */
function shapeKey(p: SimdProgram): string {
  const val = (v: SimdVal) =>
    v.kind === "op" ? [v.node.op, v.node.type.dtype, v.node.attrs, v.args] : v.kind === "load" ? ["load", v.stream] : v.kind === "lit" ? ["lit", v.value, v.mask] : ["reduced"];
  const phase = (ph: SimdPhase | undefined) => ph && [ph.vals.map(val), ph.stores.map((st) => [st.stream, st.val])];
  const { outer, inner, splitInner, extent, foldRows, fold } = p;
  return JSON.stringify([outer, inner, splitInner, extent, foldRows, fold, p.streams.map((s) => [s.outer, s.inner]), phase(p.body), phase(p.epilogue)]);
}

/** Collects an executable's SIMD kernels while steps are planned; `instantiate` once the arena exists. */
export class SimdKernels {
  private readonly programs: FnBuilder[] = [];
  private readonly byShape = new Map<string, number>();
  private kernels = 0;
  /** Entries of the shared table, one per kernel that splits across threads (threads.ts, SIMD_ENTRY). */
  private readonly entries: number[] = [];
  private table: Int32Array | undefined;
  private module: InstanceType<typeof wasm.Module> | undefined;
  /** The calling thread's functions and table, as the thread pool reads them. */
  readonly context: SimdContext = { fns: [], table: new Int32Array(0), args: new Map() };
  /** Why each kernel that stayed in JavaScript did (kernel id → reason), for dumps and tests. */
  readonly declined = new Map<number, string>();

  constructor(private readonly layout: ArenaLayout, private readonly threads: number) {}

  private readonly wrapped = new WeakSet<StepPlan>();

  /** True for a step `wrap` made SIMD. */
  runs(step: StepPlan): boolean {
    return this.wrapped.has(step);
  }

  /** Kernels that run as wasm SIMD. */
  get count(): number {
    return this.kernels;
  }

  /** The index of the function for `part` of programs shaped `key`, emitted once; undefined when it needs too many locals. */
  private functionFor(key: string, p: SimdProgram, part: SimdPart): number | undefined {
    const k = `${part}:${key}`;
    let index = this.byShape.get(k);
    if (index === undefined) {
      const fn = emitProgram(p, IMPORTS, part);
      if (fn.localCount > MAX_LOCALS) return undefined;
      index = this.programs.push(fn) - 1;
      this.byShape.set(k, index);
    }
    return index;
  }

  /** Whether some kernel splits across threads (then the executable needs its worker pool). */
  get splits(): boolean {
    return this.entries.length > 0;
  }

  /** Distinct wasm functions those kernels share. */
  get functions(): number {
    return this.programs.length;
  }

  /** `js` (the kernel's JavaScript step) made to run in wasm SIMD when the kernel qualifies; else `js`. */
  wrap(kernel: Kernel, js: StepPlan): StepPlan {
    const epilogue = kernel.loop.kind === "matmul" ? js.matmulEpilogue : undefined;
    if (kernel.loop.kind !== "elementwise" && kernel.loop.kind !== "reduce" && !epilogue) return js;
    const decline = (reason: string) => (this.declined.set(kernel.id, reason), js);
    const p = simdProgram(kernel, this.layout, epilogue);
    if ("reason" in p) return decline(p.reason);
    // each value takes at least one local: a body this long is declined before it is emitted
    const values = p.body.vals.length + (p.epilogue?.vals.length ?? 0);
    if (values > MAX_LOCALS) return decline(`${values} values`);
    const key = shapeKey(p);
    const index = this.functionFor(key, p, "whole");
    if (index === undefined) return decline("too many wasm locals");
    this.kernels++;
    const fnIndex = index, bases = simdBases(p);
    // split across threads when big enough (the JavaScript loop's work; a one-point sum has two loops).
    // Outer points are independent rows; a one-row kernel's inner range splits at whole
    // vectors, so every point runs as it does whole. A one-point reduction folding rows into
    // one accumulator splits into partial folds, each storing its accumulators to the step
    // scratch, merged in order by a finish function on the calling thread: associated
    // differently from one thread (as the JavaScript split sum is), the same on every run.
    const unit = p.splitInner ? 4 : 1;
    const work = Math.max(0, ...js.generated.map((g) => g.work));
    const worth = this.threads > 1 && work >= SIMD_PARALLEL_WORK;
    let entry = -1, finishIndex: number | undefined, scratch = 0;
    if (worth && !p.foldRows && p.extent >= 2 * unit) {
      entry = this.entries.length;
      this.entries.push(fnIndex, 0, p.extent, unit, 0, bases.length, ...bases); // threads.ts's SIMD_ENTRY layout
    } else if (worth && p.fold && p.foldRows && this.layout.scratchBase > 0 && (p.outer > 1 || p.inner >= 8)) {
      // rows, or the points of a single row (whole vectors each but the last)
      const [extent, step] = p.outer > 1 ? [p.extent, 1] : [p.inner, 4];
      const partIndex = this.functionFor(key, p, "partial");
      finishIndex = this.functionFor(key, p, "finish");
      if (partIndex !== undefined && finishIndex !== undefined) {
        this.layout.needScratch(this.threads * PARTIAL_BYTES);
        scratch = this.layout.scratchBase;
        entry = this.entries.length;
        this.entries.push(partIndex, 0, extent, step, scratch, bases.length, ...bases);
      }
    }
    const note = `// kernel ${kernel.id} runs as wasm SIMD (simd-module.ts, function k${index}); this JavaScript loop is its equivalent\n`;
    const step: StepPlan = {
      ...js,
      generated: js.generated.map((g) => ({ ...g, source: note + g.source })),
      // the whole range on the calling thread (a one-point reduction's JavaScript partial sums are not used)
      instantiate: (rt, at) => {
        const run = this.context.fns[fnIndex];
        if (!run) return js.instantiate(rt, at); // an engine without wasm SIMD: the JavaScript loop
        const { pool } = rt;
        let body: () => void = run.bind(null, 0, p.extent, ...bases);
        if (pool && entry >= 0 && finishIndex !== undefined) {
          const finish = this.context.fns[finishIndex].bind(null, pool.threads, scratch, ...bases);
          body = () => {
            pool.runSimd(entry, pool.threads);
            finish();
          };
        } else if (pool && entry >= 0) body = () => pool.runSimd(entry, pool.threads);
        return epilogue ? epilogue.instantiate(rt, at, body) : body;
      },
    };
    this.wrapped.add(step);
    return step;
  }

  /**
   * Compiles the module (once every kernel is wrapped, before the worker pool starts), and says
   * what the workers need to run the kernels that split: undefined when none does.
   */
  compile(shared: boolean): { module: InstanceType<typeof wasm.Module>; table: Int32Array; mathImports: string[] } | undefined {
    if (this.programs.length === 0) return undefined;
    try {
      this.module = new wasm.Module(moduleBytes(this.programs, shared)); // validates as it compiles (a separate validate costs a pass)
    } catch {
      // an engine without wasm SIMD: every step falls back to its JavaScript loop (see `wrap`)
      this.programs.length = 0;
      this.kernels = 0;
      this.entries.length = 0;
      return undefined;
    }
    if (!this.entries.length) return undefined;
    const table = new Int32Array(new SharedArrayBuffer(this.entries.length * 4));
    table.set(this.entries);
    this.table = table;
    return { module: this.module, table, mathImports: MATH_IMPORTS.map((m) => m.name) };
  }

  /** Binds the compiled module's functions to `memory` on the calling thread. */
  instantiate(memory: WasmMemory): void {
    if (!this.module) return;
    const env = { memory, ...Object.fromEntries(MATH_IMPORTS.map((m) => [m.name, m.fn])) };
    const exports = new wasm.Instance(this.module, { env }).exports;
    Object.assign(this.context, { fns: this.programs.map((_, i) => exports[`k${i}`] as RangeFn), table: this.table ?? new Int32Array(0) });
  }
}
