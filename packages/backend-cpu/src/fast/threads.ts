/**
 * Worker threads sharing the arena. Work is split into chunks that the main thread and the
 * workers claim from one atomic counter, so `run` stays synchronous, a slow or busy worker
 * only means the main thread claims more chunks, and a job never waits on a thread that has
 * not started yet. Workers sleep in `Atomics.wait` between jobs.
 */
import { Worker } from "node:worker_threads";
import { AdjointError } from "@adjoint/ir";
import type { WasmMemory, WasmModule } from "./wasm/api";
import { COMPILE_KERNEL_SOURCE } from "./fast-math";
import { PARTIAL_BYTES } from "./wasm/simd-emit";

/** Control words (Int32 indices). */
const SEQ = 0, CLAIM = 1, DONE = 2, KIND = 3, A0 = 4, A1 = 5, A2 = 6, CHUNKS = 7, BY_WORKERS = 8, FAILED = 9, MESSAGE = 10;
/** Control words plus room for a failing worker's message (one char code per word). */
const MESSAGE_CHARS = 400, WORDS = MESSAGE + MESSAGE_CHARS;
/** Job kinds. */
const STOP = 0, FN = 1, GEMM = 2, SIMD = 3;

/**
 * A SIMD kernel's entry in the shared SIMD table (wasm/simd-module.ts): its function, the
 * range [lo, hi) it runs, the unit chunk boundaries are multiples of, where chunk c stores
 * its partial accumulators (scratch + c · PARTIAL_BYTES; 0 for a kernel that is not a split
 * one-point reduction), then its stream bases.
 */
export const SIMD_ENTRY = { fn: 0, lo: 1, hi: 2, unit: 3, scratch: 4, bases: 5, first: 6 } as const;

const { fn: SIMD_ENTRY_FN, lo: SIMD_ENTRY_LO, hi: SIMD_ENTRY_HI, unit: SIMD_ENTRY_UNIT, scratch: SIMD_ENTRY_SCRATCH, bases: SIMD_ENTRY_BASES, first: SIMD_ENTRY_FIRST } = SIMD_ENTRY;

/** The body every thread runs for a chunk; shared verbatim by the main thread and the workers. */
const CHUNK_SOURCE = `
function runChunk(C, fns, tasks, gemmTask, F, I, U, D, chunk, simd) {
  const kind = C[${KIND}];
  if (kind === ${FN}) {
    const lo = C[${A1}], hi = C[${A2}], per = Math.ceil((hi - lo) / C[${CHUNKS}]);
    const a = lo + chunk * per, b = Math.min(hi, a + per);
    if (a < b) fns[C[${A0}]](F, I, U, D, a, b);
  } else if (kind === ${SIMD}) {
    // (lo, hi, [dst,] ...bases): one argument array per entry and thread, made once
    const t = simd.table, o = C[${A0}], scratch = t[o + ${SIMD_ENTRY_SCRATCH}];
    let args = simd.args.get(o);
    if (!args) {
      const bases = t.subarray(o + ${SIMD_ENTRY_FIRST}, o + ${SIMD_ENTRY_FIRST} + t[o + ${SIMD_ENTRY_BASES}]);
      simd.args.set(o, (args = scratch ? [0, 0, 0, ...bases] : [0, 0, ...bases]));
    }
    const lo = t[o + ${SIMD_ENTRY_LO}], hi = t[o + ${SIMD_ENTRY_HI}], unit = t[o + ${SIMD_ENTRY_UNIT}];
    const per = Math.ceil((hi - lo) / C[${CHUNKS}] / unit) * unit;
    args[0] = Math.min(hi, lo + chunk * per);
    args[1] = Math.min(hi, args[0] + per);
    // a partial fold runs even on an empty range: its slot must hold the empty accumulators
    if (scratch) args[2] = scratch + chunk * ${PARTIAL_BYTES};
    if (scratch || args[0] < args[1]) simd.fns[t[o + ${SIMD_ENTRY_FN}]].apply(null, args);
  } else {
    gemmTask(tasks, C[${A0}] + chunk * C[${A1}]);
  }
}
function work(C, seq, run) {
  const tag = (seq & 0x7fff) << 16;
  for (;;) {
    const v = Atomics.load(C, ${CLAIM});
    if ((v & 0x7fff0000) !== tag) return;
    const n = C[${CHUNKS}], chunk = v & 0xffff;
    if (chunk >= n) return;
    if (Atomics.compareExchange(C, ${CLAIM}, v, v + 1) !== v) continue;
    run(chunk);
    if (Atomics.add(C, ${DONE}, 1) + 1 === n) Atomics.notify(C, ${DONE});
  }
}`;

const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
${CHUNK_SOURCE}
const { memory, module, sources, control, tasksBuffer, gemmConsts, simdModule, simdTable, mathImports } = workerData;
const C = new Int32Array(control), tasks = new Int32Array(tasksBuffer);
const buf = memory.buffer;
const F = new Float32Array(buf), I = new Int32Array(buf), U = new Uint8Array(buf), D = new Float64Array(buf);
${COMPILE_KERNEL_SOURCE}
const fns = sources.map(compileKernel);
const gemm = module ? new WebAssembly.Instance(module, { env: { memory } }).exports.gemm : null;
// the executable's SIMD kernels, k0, k1, ..., on the same memory (their host imports are Math functions)
const simd = { fns: [], table: new Int32Array(simdTable), args: new Map() };
if (simdModule) {
  const env = { memory };
  for (const name of mathImports) env[name] = Math[name];
  const ex = new WebAssembly.Instance(simdModule, { env }).exports;
  for (let i = 0; ex["k" + i]; i++) simd.fns.push(ex["k" + i]);
}
const [pa, pb, tile, KC, MC, NC, TASK] = gemmConsts;
const gemmTask = (t, i) => {
  const o = i * TASK;
  gemm(t[o], t[o + 1], t[o + 2], t[o + 3], t[o + 4], t[o + 5], t[o + 6], t[o + 7], t[o + 8], t[o + 9], t[o + 10], pa, pb, tile, KC, MC, NC);
};
let seen = 0;
for (;;) {
  Atomics.wait(C, ${SEQ}, seen);
  seen = Atomics.load(C, ${SEQ});
  if (C[${KIND}] === ${STOP}) break;
  work(C, seen, (chunk) => {
    try {
      runChunk(C, fns, tasks, gemmTask, F, I, U, D, chunk, simd);
    } catch (e) {
      // report instead of dying with the chunk unfinished, which would leave run() waiting
      const text = String(e && e.stack || e).slice(0, ${MESSAGE_CHARS});
      for (let i = 0; i < ${MESSAGE_CHARS}; i++) C[${MESSAGE} + i] = i < text.length ? text.charCodeAt(i) : 0;
      Atomics.store(C, ${FAILED}, 1);
    }
    Atomics.add(C, ${BY_WORKERS}, 1);
  });
}`;

/** What each thread needs to run jobs. */
export interface PoolSetup {
  readonly memory: WasmMemory;
  readonly module: WasmModule | undefined;
  readonly sources: readonly string[];
  readonly tasks: Int32Array;
  /** Per thread: [pa, pb, tile, KC, MC, NC, task record length] for the GEMM. */
  readonly gemmConsts: (thread: number) => readonly number[];
  /** The SIMD kernels' module and table (wasm/simd-module.ts), when some SIMD kernel splits. */
  readonly simd?: { readonly module: WasmModule; readonly table: Int32Array; readonly mathImports: readonly string[] };
}

/** A SIMD kernel's function: the range, then each stream's base byte. */
export type SimdFn = (lo: number, hi: number, ...bases: number[]) => void;

/** What a thread needs to run SIMD chunks: the functions (filled once instantiated), the table, argument arrays. */
export interface SimdContext {
  fns: readonly SimdFn[];
  readonly table: Int32Array;
  readonly args: Map<number, number[]>;
}

/** A compiled generated kernel: `(F, I, U, D, lo, hi)`. */
export type KernelFn = (F: Float32Array, I: Int32Array, U: Uint8Array, D: Float64Array, lo: number, hi: number) => void;

/** The main thread's own copies of what a chunk needs. */
export interface MainContext {
  readonly fns: readonly KernelFn[];
  readonly tasks: Int32Array;
  readonly gemmTask: (tasks: Int32Array, record: number) => void;
  readonly F: Float32Array;
  readonly I: Int32Array;
  readonly U: Uint8Array;
  readonly D: Float64Array;
  readonly simd: SimdContext;
}

type ChunkRunner = (chunk: number) => void;
type Runner = (C: Int32Array, fns: MainContext["fns"], tasks: Int32Array, gemmTask: MainContext["gemmTask"], F: Float32Array, I: Int32Array, U: Uint8Array, D: Float64Array, chunk: number, simd: SimdContext) => void;

/** Worker threads plus the main thread, claiming chunks of one job at a time. */
export class ThreadPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  private readonly workers: Worker[] = [];
  private seq = 0;
  private readonly work: (C: Int32Array, seq: number, run: ChunkRunner) => void;
  private readonly local: ChunkRunner;

  constructor(readonly threads: number, setup: PoolSetup, main: MainContext) {
    const lib = new Function(`${CHUNK_SOURCE}\nreturn { work, runChunk };`)() as { work: ThreadPool["work"]; runChunk: Runner };
    this.work = lib.work;
    const { fns, tasks, gemmTask, F, I, U, D, simd } = main;
    this.local = (chunk) => lib.runChunk(this.control, fns, tasks, gemmTask, F, I, U, D, chunk, simd);
    for (let t = 1; t < threads; t++) {
      const workerData = {
        memory: setup.memory,
        module: setup.module,
        sources: setup.sources,
        control: this.control.buffer,
        tasksBuffer: setup.tasks.buffer,
        gemmConsts: setup.gemmConsts(t),
        simdModule: setup.simd?.module,
        simdTable: (setup.simd?.table ?? new Int32Array(new SharedArrayBuffer(4))).buffer,
        mathImports: setup.simd?.mathImports ?? [],
      };
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData });
      w.unref(); // an undisposed executable must not keep the process alive
      this.workers.push(w);
    }
  }

  /** Runs generated kernel `fn` over [lo, hi) of its outer loop in `chunks` parts. */
  runFn(fn: number, lo: number, hi: number, chunks: number): void {
    this.publish(FN, fn, lo, hi, chunks);
  }

  /** Runs `count` GEMM task records starting at record `first`, one chunk each. */
  runGemm(first: number, count: number): void {
    this.publish(GEMM, first, 1, 0, count);
  }

  /** Runs the SIMD kernel whose table entry starts at `entry` over its range in `chunks` parts. */
  runSimd(entry: number, chunks: number): void {
    this.publish(SIMD, entry, 0, 0, chunks);
  }

  /** Chunks the workers (not the calling thread) have run so far: how much the threads help. */
  get workerChunks(): number {
    return Atomics.load(this.control, BY_WORKERS);
  }

  /** Stops the workers. */
  dispose(): void {
    const C = this.control;
    C[KIND] = STOP;
    Atomics.add(C, SEQ, 1);
    Atomics.notify(C, SEQ);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }

  private publish(kind: number, a0: number, a1: number, a2: number, chunks: number): void {
    const C = this.control;
    C[KIND] = kind;
    C[A0] = a0;
    C[A1] = a1;
    C[A2] = a2;
    C[CHUNKS] = chunks;
    Atomics.store(C, DONE, 0);
    const seq = ++this.seq;
    Atomics.store(C, CLAIM, (seq & 0x7fff) << 16);
    Atomics.store(C, SEQ, seq);
    Atomics.notify(C, SEQ);
    this.work(C, seq, this.local);
    for (let d = Atomics.load(C, DONE); d < chunks; d = Atomics.load(C, DONE)) Atomics.wait(C, DONE, d);
    if (Atomics.load(C, FAILED)) {
      let text = "";
      for (let i = MESSAGE; i < WORDS && C[i] !== 0; i++) text += String.fromCharCode(C[i]);
      Atomics.store(C, FAILED, 0);
      throw new AdjointError(`a worker thread failed: ${text}`);
    }
  }
}

/** Weight of the newest time in a mode's smoothed time. */
const SMOOTHING = 0.25;
/** Every this many calls, the mode that currently looks slower is run once to refresh its time. */
const REPROBE = 8;
/** Calls after which split times count even if no worker took part (they may never start). */
const EXPLORE_LIMIT = 16;

/**
 * Chooses, call by call, whether a step runs split across the threads or on the calling thread
 * alone, from both modes' measured times. Splitting a GEMM pays when the second vCPU is idle
 * (1.9× measured here), but two vCPUs may be one core's hyperthreads sharing its FMA units,
 * and when another process holds a vCPU, a worker descheduled mid-chunk makes the calling
 * thread wait for it (1.6–2.7× slower measured beside one busy process): then the split loses.
 * Both modes give the same bits (every output element is computed by the same code in the
 * same order), so the choice only moves time. The modes alternate until each has two times
 * (a mode's first time, in V8's baseline tier, and split times while the workers are still
 * starting are not counted); then the faster-looking one runs and the other is retried now and then.
 */
export class SplitChooser {
  /** `now` is the clock in ms (a parameter so that tests can drive it). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Smoothed ms per call of [one thread, split]; NaN until measured. */
  private readonly ms = [NaN, NaN];
  /** Runs of each mode that counted, the first one's time dropped. */
  private readonly runs = [0, 0];
  private calls = 0;

  /** Runs `split` (which returns whether another thread took part) or `alone`, whichever looks faster, and times it. */
  run(split: () => boolean, alone: () => void): void {
    const [mode, retry] = this.pick();
    const t0 = this.now();
    let helped = true;
    if (mode === 1) helped = split();
    else alone();
    if (mode === 1 && !helped && this.calls <= EXPLORE_LIMIT) return; // the workers had not started: not a split's time
    this.record(mode, this.now() - t0, retry);
  }

  /** The mode to run, and whether it is a retry of the slower-looking one. */
  private pick(): [0 | 1, boolean] {
    const c = this.calls++;
    if (c < EXPLORE_LIMIT && (this.runs[0] < 3 || this.runs[1] < 3)) return [c & 1 ? 0 : 1, false];
    const faster = this.ms[1] <= this.ms[0] ? 1 : 0;
    return c % REPROBE === 0 ? [faster ? 0 : 1, true] : [faster, false];
  }

  private record(mode: 0 | 1, ms: number, retry: boolean): void {
    if (this.runs[mode]++ === 0) return;
    const prev = this.ms[mode];
    // a retry's time replaces an estimate that is REPROBE calls old, so a mode that has become fast is taken back at once
    this.ms[mode] = Number.isNaN(prev) || retry ? ms : prev + SMOOTHING * (ms - prev);
  }
}
