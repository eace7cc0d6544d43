import { AdjointError, DTYPE_BYTES, costOf, formatType, numel, traceWithTree, unflattenResult, type Graph, type HostTensor, type OutTree, type Spec, type TensorType } from "@adjoint/ir";
import { runPasses, simplifyPipeline, type PassRecord } from "@adjoint/passes";
import { getBackend, type LoweredProgram } from "./backends";
import type { TensorFn, Tree } from "./eager";
import { toHost, type ArgLike } from "./host";

export interface CompileOptions {
  /** A registered backend name. Default "interpret" until the CPU and WebGPU backends land. */
  readonly backend?: string;
  /** Folder for per-pass IR dumps; `ADJOINT_DUMP` sets it when this is absent. */
  readonly dump?: string;
  /** Only passes whose name matches dump; `ADJOINT_DUMP_PASSES` sets it when absent. */
  readonly dumpPasses?: RegExp;
  /** Run the verifier after every pass (slower; on in tests). */
  readonly verify?: boolean;
}

/** What compiling produced, with figures a user can act on. */
export interface CompileReport {
  /** Dispatches per run. */
  readonly kernels: number;
  /** Bytes the executor holds at its peak. Without a memory plan (a later pass) every value is kept. */
  readonly peakBytes: number;
  /** Bytes of intermediate values (not inputs) at the peak. */
  readonly activationBytes: number;
  /** Flops of forward nodes, and of backward/tangent nodes. */
  readonly forwardFlops: number;
  readonly backwardFlops: number;
  /** Flops spent recomputing values (checkpointing; 0 until that pass lands). */
  readonly recomputeFlops: number;
  readonly passes: readonly { readonly name: string; readonly ms: number; readonly changed: boolean }[];
}

/** A compiled function: `run` it on data, read its `report`, `dispose` it when done. */
export interface Executable {
  readonly graph: Graph;
  readonly report: CompileReport;
  run(...args: ArgLike[]): Promise<Tree<HostTensor>>;
  dispose(): void;
}

const bytesOf = (t: TensorType) => numel(t.shape) * DTYPE_BYTES[t.dtype];

function reportFor(graph: Graph, program: LoweredProgram, records: readonly PassRecord[]): CompileReport {
  let forwardFlops = 0, backwardFlops = 0, recomputeFlops = 0, activationBytes = 0;
  const types = new Map(graph.inputs.map((i) => [i.id, i.type]));
  for (const n of graph.nodes) {
    const { flops } = costOf(n.op, n.args.map((a) => types.get(a)!), n.type);
    types.set(n.id, n.type);
    activationBytes += bytesOf(n.type);
    const kind = n.loc.origin?.kind;
    if (kind === "recompute") recomputeFlops += flops;
    else if (kind) backwardFlops += flops;
    else forwardFlops += flops;
  }
  const inputBytes = graph.inputs.reduce((s, i) => s + bytesOf(i.type), 0);
  return {
    kernels: program.kernels,
    peakBytes: inputBytes + activationBytes,
    activationBytes,
    forwardFlops,
    backwardFlops,
    recomputeFlops,
    passes: records.map((r) => ({ name: r.name, ms: r.ms, changed: r.changed })),
  };
}

function dumpFromEnv(opts: CompileOptions): { dir: string; filter?: RegExp } | undefined {
  // The entry edge is the only place that reads the environment.
  const dir = opts.dump ?? process.env.ADJOINT_DUMP;
  if (!dir) return undefined;
  const pattern = opts.dumpPasses ?? (process.env.ADJOINT_DUMP_PASSES ? new RegExp(process.env.ADJOINT_DUMP_PASSES) : undefined);
  return pattern ? { dir, filter: pattern } : { dir };
}

/**
 * Traces `fn` for `specs`, optimises the graph and lowers it on a backend.
 *
 *   const step = await compile(valueAndGrad(loss), [spec([256, 256]), spec([32, 256])]);
 *   const [value, dw] = await step.run(wData, xData);
 */
export async function compile(fn: TensorFn, specs: readonly Spec[], opts: CompileOptions = {}): Promise<Executable> {
  const traced = traceWithTree(fn, specs, fn.name || "main");
  const { graph, records } = runPasses(traced.graph, simplifyPipeline, { verify: opts.verify, dump: dumpFromEnv(opts) });
  const program = await getBackend(opts.backend ?? "interpret").lower(graph);
  return new CompiledFunction(graph, traced.outTree, program, reportFor(graph, program, records));
}

class CompiledFunction implements Executable {
  private disposed = false;
  constructor(
    readonly graph: Graph,
    private readonly outTree: OutTree,
    private readonly program: LoweredProgram,
    readonly report: CompileReport,
  ) {}

  async run(...args: ArgLike[]): Promise<Tree<HostTensor>> {
    if (this.disposed) throw new AdjointError(`run: @${this.graph.name} was disposed`);
    const inputs = this.graph.inputs;
    if (args.length !== inputs.length) {
      const expected = inputs.map((i) => `${i.name}: ${formatType(i.type)}`).join(", ");
      throw new AdjointError(`run: @${this.graph.name} takes ${inputs.length} arguments (${expected}), got ${args.length}`);
    }
    const hosts = args.map((a, i) => toHost(a, inputs[i].type, `run: argument ${i} ('${inputs[i].name}')`));
    return unflattenResult(this.outTree, await this.program.run(hosts)) as Tree<HostTensor>;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.program.dispose();
  }
}
