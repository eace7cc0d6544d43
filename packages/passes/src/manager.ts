/** The pass manager: runs a pipeline of passes with MLIR-style instruments around each one. */
import type { Patch } from "immer";
import type { Graph } from "@adjoint/ir";
import { summarizeChange } from "./change";
import { dumpInstrument, type DumpOptions } from "./instruments/dump";
import { timingInstrument } from "./instruments/timing";
import { verifyInstrument } from "./instruments/verify";
import type { AnyPass, PassContext, PassRecord } from "./pass";

/**
 * Hooks around a pipeline (MLIR's PassInstrumentation). Every hook is optional; `index` is the
 * pass's position in the pipeline. A hook that throws fails the pass it observes.
 */
export interface PassInstrument {
  /** Once, with the graph the pipeline was given. */
  beforePipeline?(input: Graph, passes: readonly AnyPass[]): void;
  /** Before `pass.run`. */
  beforePass?(pass: AnyPass, g: Graph, index: number): void;
  /** After `pass.run` returned; `after === before` when it changed nothing. */
  afterPass?(pass: AnyPass, before: Graph, after: Graph, record: PassRecord, index: number): void;
  /** When `pass.run` (or an `afterPass` hook such as the verifier) threw; `g` is the graph the pass was given. */
  afterPassFailed?(pass: AnyPass, g: Graph, error: unknown, index: number, records: readonly PassRecord[]): void;
  /** Once, after the last pass succeeded. */
  afterPipeline?(output: Graph, records: readonly PassRecord[]): void;
}

/** How to run a pipeline. */
export interface RunPassesOptions {
  /** Verify the graph after every pass that changed it (and the input once). On in tests. */
  readonly verify?: boolean;
  /** Write the IR before and after each changing pass into a folder. */
  readonly dump?: DumpOptions;
  /** Receives the timing table (ms and share per pass) when the pipeline finishes. */
  readonly timing?: (report: string) => void;
  /** More instruments, run after the built-in ones in the order given. */
  readonly instruments?: readonly PassInstrument[];
}

/** A pipeline's result: the final graph and one record per pass, in order. */
export interface PipelineResult {
  readonly graph: Graph;
  readonly records: readonly PassRecord[];
}

/** The built-in instruments selected by `opts`, then the caller's. Verify comes first so a bad graph is never dumped as a success. */
function instrumentsFor(opts: RunPassesOptions): PassInstrument[] {
  const list: PassInstrument[] = [];
  if (opts.verify) list.push(verifyInstrument());
  if (opts.dump) list.push(dumpInstrument(opts.dump));
  if (opts.timing) list.push(timingInstrument(opts.timing));
  list.push(...(opts.instruments ?? []));
  return list;
}

/** Runs `passes` in order over `graph`, timing each, summarising its change and calling the instruments. */
export function runPasses(graph: Graph, passes: readonly AnyPass[], opts: RunPassesOptions = {}): PipelineResult {
  const instruments = instrumentsFor(opts);
  const records: PassRecord[] = [];
  for (const ins of instruments) ins.beforePipeline?.(graph, passes);
  let g = graph;
  passes.forEach((pass, index) => {
    for (const ins of instruments) ins.beforePass?.(pass, g, index);
    try {
      let patches: readonly Patch[] | undefined;
      const ctx: PassContext<unknown> = { options: pass.options, recordPatches: (p) => void (patches = p) };
      const start = performance.now();
      const after = pass.run(g, ctx);
      const ms = performance.now() - start;
      const record: PassRecord = { name: pass.name, ms, changed: after !== g, summary: summarizeChange(g, after, patches) };
      records.push(record);
      for (const ins of instruments) ins.afterPass?.(pass, g, after, record, index);
      g = after;
    } catch (error) {
      for (const ins of instruments) ins.afterPassFailed?.(pass, g, error, index, records);
      throw error;
    }
  });
  for (const ins of instruments) ins.afterPipeline?.(g, records);
  return { graph: g, records };
}
