/**
 * The wasm SIMD kernels of one executable (`fastMath` only): every qualifying kernel (or matmul epilogue)
 * (simd-kernel.ts) becomes one exported function of a single module, instantiated on the
 * executable's arena memory, and runs on the calling thread. The kernel's JavaScript loop is
 * still generated (kept in `sources` for dumps, and so worker threads, which compile every
 * source, see the same list).
 */
import type { Kernel } from "@adjoint/passes";
import type { ArenaLayout } from "../layout";
import { PARALLEL_WORK } from "../codegen/pointwise";
import type { StepPlan } from "../step";
import { encodeModuleWithImports, type FnBuilder } from "./assemble";
import { wasm, type WasmMemory } from "./api";
import { emitProgram, simdBases } from "./simd-emit";
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

/** Thread counts up to which a SIMD kernel on one thread is preferred to a split JavaScript loop. */
const SIMD_OVER_THREADS = 4;

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
  private fns: RangeFn[] = [];
  private kernels = 0;
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
    // workers cannot run these modules yet, so a SIMD kernel runs whole on the calling thread.
    // One SIMD thread does about four JavaScript threads' work (W4's kernel: 40.7 -> 10.8 ms),
    // so it beats the JavaScript loop split across up to SIMD_OVER_THREADS threads (W3 on 2
    // threads: 133-151 -> 121-129 ms); with more threads a loop big enough to split stays JavaScript.
    const single = js.generated.length === 1 ? js.generated[0] : undefined;
    if (this.threads > SIMD_OVER_THREADS && single && single.work >= PARALLEL_WORK && single.extent > 1) return decline("split across worker threads");
    // each value takes at least one local: a body this long is declined before it is emitted
    const values = p.body.vals.length + (p.epilogue?.vals.length ?? 0);
    if (values > MAX_LOCALS) return decline(`${values} values`);
    const key = shapeKey(p);
    let index = this.byShape.get(key);
    if (index === undefined) {
      const fn = emitProgram(p, IMPORTS);
      if (fn.localCount > MAX_LOCALS) return decline(`${fn.localCount} wasm locals`);
      index = this.programs.push(fn) - 1;
      this.byShape.set(key, index);
    }
    this.kernels++;
    const fnIndex = index, bases = simdBases(p);
    const note = `// kernel ${kernel.id} runs as wasm SIMD (simd-module.ts, function k${index}); this JavaScript loop is its equivalent\n`;
    const step: StepPlan = {
      ...js,
      generated: js.generated.map((g) => ({ ...g, source: note + g.source })),
      // the whole range on the calling thread (a one-point reduction's JavaScript partial sums are not used)
      instantiate: (rt, at) => {
        const run = this.fns[fnIndex];
        if (!run) return js.instantiate(rt, at); // an engine without wasm SIMD: the JavaScript loop
        const whole = run.bind(null, 0, p.extent, ...bases);
        return epilogue ? epilogue.instantiate(rt, at, whole) : whole;
      },
    };
    this.wrapped.add(step);
    return step;
  }

  /** Compiles the module and binds its functions to `memory` (shared when the executable has threads). */
  instantiate(memory: WasmMemory, shared: boolean): void {
    if (this.programs.length === 0) return;
    const bytes = moduleBytes(this.programs, shared);
    let module: InstanceType<typeof wasm.Module>;
    try {
      module = new wasm.Module(bytes); // validates as it compiles (a separate validate costs a pass)
    } catch {
      // an engine without wasm SIMD: every step falls back to its JavaScript loop (see `wrap`),
      // on the calling thread (the worker pool was sized without these steps)
      this.programs.length = 0;
      this.kernels = 0;
      return;
    }
    const env = { memory, ...Object.fromEntries(MATH_IMPORTS.map((m) => [m.name, m.fn])) };
    const exports = new wasm.Instance(module, { env }).exports;
    this.fns = this.programs.map((_, i) => exports[`k${i}`] as RangeFn);
  }
}
