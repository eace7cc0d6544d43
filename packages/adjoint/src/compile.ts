import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AdjointError, formatType, traceWithTree, unflattenResult, type Graph, type HostTensor, type OutTree, type Spec } from "@adjoint/ir";
import { memoryReport, printKernelDot, printKernels, type Backend, type CheckpointPolicy, type LoweredProgram, type Plan, type ScheduleStrategy } from "@adjoint/passes";
import { getBackend } from "./backends";
import { defaultBackendName } from "./default-backend";
import type { TensorFn, Tree } from "./eager";
import { toHost, type ArgLike } from "./host";
import { buildReport, type CompileReport, type StageRecord } from "./report";
import { writeHtmlReport } from "./report-html";
import { pinpointNumerics } from "./diagnostics";
import { planGraph } from "./diagnostics/plan";

export interface CompileOptions {
  /**
   * A registered backend name, or a backend itself (e.g. `cpuBackend({ fastMath: false })`, made
   * once and shared by compiles). Default: "webgpu" when an adapter exists, else "cpu".
   */
  readonly backend?: string | Backend;
  /** Which forward values the backward pass saves: "none" (default), "sqrt", "all" or { budgetBytes }. */
  readonly checkpoint?: CheckpointPolicy;
  /** In-place writes that would corrupt a value still needed: "error" (default) or "copy" them. */
  readonly inplace?: "error" | "copy";
  /** Fuse nodes into kernels where the backend supports it (default true). */
  readonly fuse?: boolean;
  /** Kernel order: "best" (default) keeps the lowest peak of several strategies. */
  readonly schedule?: ScheduleStrategy;
  /** Flag the first op that produces NaN/Inf, with its source line (backends that support it). */
  readonly checkNumerics?: boolean;
  /** Folder for per-pass IR dumps; `ADJOINT_DUMP` sets it when this is absent. */
  readonly dump?: string;
  /** Only passes whose name matches dump; `ADJOINT_DUMP_PASSES` sets it when absent. */
  readonly dumpPasses?: RegExp;
  /** Run the verifier after every pass (slower; on in tests). */
  readonly verify?: boolean;
  /**
   * Values that stay with the executable between runs (parameters, optimiser state): after each
   * run, flat output `output` becomes input `input` of the next. Pass `null` for a carried
   * argument to use the value the executable holds; read it with `exe.carried(input)`.
   */
  readonly carry?: readonly { readonly output: number; readonly input: number }[];
}

/** A compiled function: `run` it on data, read its `report`, `dispose` it when done. */
export interface Executable {
  /** The optimised graph (after checkpointing, before fusion). */
  readonly graph: Graph;
  readonly plan: Plan;
  readonly report: CompileReport;
  /** Runs one step; `null` for a carried argument uses the value held from the last run. */
  run(...args: (ArgLike | null)[]): Promise<Tree<HostTensor>>;
  /** The value currently carried into input `input` (see `CompileOptions.carry`). */
  carried(input: number): HostTensor | undefined;
  dispose(): void;
}

function dumpFromEnv(opts: CompileOptions): { dir: string; filter?: RegExp } | undefined {
  // The entry edge is the only place that reads the environment.
  const dir = opts.dump ?? process.env.ADJOINT_DUMP;
  if (!dir) return undefined;
  const pattern = opts.dumpPasses ?? (process.env.ADJOINT_DUMP_PASSES ? new RegExp(process.env.ADJOINT_DUMP_PASSES) : undefined);
  return pattern ? { dir, filter: pattern } : { dir };
}

function timed<R>(stages: StageRecord[], name: string, fn: () => R): R {
  const t0 = performance.now();
  const r = fn();
  stages.push({ name, ms: performance.now() - t0 });
  return r;
}

/**
 * Traces `fn` for `specs`, optimises the graph (simplify, checkpoint, in-place check, fusion,
 * scheduling, memory planning) and lowers it on a backend.
 *
 *   const step = await compile(valueAndGrad(loss), [spec([256, 256]), spec([32, 256])]);
 *   const [value, dw] = await step.run(wData, xData);
 */
export async function compile(fn: TensorFn, specs: readonly Spec[], opts: CompileOptions = {}): Promise<Executable> {
  const stages: StageRecord[] = [];
  const traced = timed(stages, "trace", () => traceWithTree(fn, specs, fn.name || "main"));
  const backend: Backend = typeof opts.backend === "object" ? opts.backend : await getBackend(opts.backend ?? (await defaultBackendName()));
  const caps = backend.capabilities;
  const dump = dumpFromEnv(opts);
  const { records, plan, schedule } = planGraph(traced.graph, {
    checkpoint: opts.checkpoint, inplace: opts.inplace, schedule: opts.schedule, verify: opts.verify, dump, stages,
    fuse: caps.fusion && opts.fuse !== false, maxBuffersPerKernel: caps.maxBuffersPerKernel, alignment: caps.alignment, inplaceReuse: caps.inplace === true,
  });
  const graph = plan.graph;
  if (dump) {
    mkdirSync(dump.dir, { recursive: true });
    writeFileSync(path.join(dump.dir, "kernels.ir"), printKernels({ graph, kernels: plan.kernels }));
    writeFileSync(path.join(dump.dir, "kernels.dot"), printKernelDot({ graph, kernels: plan.kernels }));
    writeHtmlReport(fn, specs, path.join(dump.dir, "report.html"), {
      checkpoint: opts.checkpoint, inplace: opts.inplace, schedule: opts.schedule, alignment: caps.alignment,
      fuse: caps.fusion && opts.fuse !== false, maxBuffersPerKernel: caps.maxBuffersPerKernel,
    });
  }
  const program = await timedAsync(stages, "lower", () => backend.lower(plan, { checkNumerics: opts.checkNumerics }));
  const report = buildReport({ backend: backend.name, plan, program, records, stages, schedule, memory: memoryReport(graph, plan.memory, plan.kernels) });
  const carry = opts.carry ?? [];
  for (const c of carry) {
    const input = graph.inputs[c.input], output = graph.outputs[c.output];
    const outType = output === undefined ? undefined : (graph.nodes.find((n) => n.id === output)?.type ?? graph.inputs.find((i) => i.id === output)?.type);
    if (!input || !outType || formatType(outType) !== formatType(input.type)) {
      throw new AdjointError(`compile: carry output ${c.output} (${outType ? formatType(outType) : "none"}) into input ${c.input} (${input ? formatType(input.type) : "none"}): they must exist and have the same type`);
    }
  }
  return new CompiledFunction(graph, plan, traced.outTree, program, report, carry);
}

async function timedAsync<R>(stages: StageRecord[], name: string, fn: () => R | Promise<R>): Promise<R> {
  const t0 = performance.now();
  const r = await fn();
  stages.push({ name, ms: performance.now() - t0 });
  return r;
}

class CompiledFunction implements Executable {
  private disposed = false;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    readonly graph: Graph,
    readonly plan: Plan,
    private readonly outTree: OutTree,
    private readonly program: LoweredProgram,
    readonly report: CompileReport,
    private readonly carry: readonly { readonly output: number; readonly input: number }[],
  ) {}

  private readonly held = new Map<number, HostTensor>();

  carried(input: number): HostTensor | undefined {
    return this.held.get(input);
  }

  /** Runs one step. Concurrent calls are queued, never interleaved. */
  run(...args: (ArgLike | null)[]): Promise<Tree<HostTensor>> {
    const result = this.running.then(() => this.runNow(args));
    this.running = result.catch(() => undefined);
    return result;
  }

  private async runNow(args: (ArgLike | null)[]): Promise<Tree<HostTensor>> {
    if (this.disposed) throw new AdjointError(`run: @${this.graph.name} was disposed`);
    const inputs = this.graph.inputs;
    if (args.length !== inputs.length) {
      const expected = inputs.map((i) => `${i.name}: ${formatType(i.type)}`).join(", ");
      throw new AdjointError(`run: @${this.graph.name} takes ${inputs.length} arguments (${expected}), got ${args.length}`);
    }
    const hosts = args.map((a, i) => {
      const what = `run: argument ${i} ('${inputs[i].name}')`;
      if (a !== null && a !== undefined) return toHost(a, inputs[i].type, what);
      const held = this.held.get(i);
      if (!held) throw new AdjointError(`${what}: null means "the carried value", but ${this.carry.some((c) => c.input === i) ? "nothing has been carried into it yet; pass its initial value" : "it is not carried (see the carry compile option)"}`);
      return held;
    });
    let outputs: HostTensor[];
    try {
      outputs = await this.program.run(hosts);
    } catch (e) {
      // a fused backend names the kernel; the interpreter can name the exact op and line
      if (e instanceof Error && e.message.startsWith("checkNumerics:")) throw pinpointNumerics(this.graph, hosts) ?? e;
      throw e;
    }
    for (const c of this.carry) this.held.set(c.input, outputs[c.output]);
    return unflattenResult(this.outTree, outputs) as Tree<HostTensor>;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.program.dispose();
  }
}

export type { CompileReport };
