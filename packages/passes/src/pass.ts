/** What a pass is, what it is given, and what the manager records about each run of one. */
import type { Patch } from "immer";
import type { Graph } from "@adjoint/ir";

/** What a pass is handed besides the graph: its options and a place to report its patches. */
export interface PassContext<O = void> {
  /** The options bound with `withOptions`, or undefined: the pass then uses its defaults. */
  readonly options: O | undefined;
  /**
   * Reports the immer patches of the pass's one `produceWithPatches`; the manager derives the
   * change summary from them instead of diffing the whole graph.
   */
  recordPatches(patches: readonly Patch[]): void;
}

/**
 * A graph-to-graph transform. `run` returns the very same object when it changed nothing,
 * so "changed" is `after !== before` and unchanged passes cost nothing downstream.
 */
export interface Pass<O = void> {
  /** Kebab-case, as it appears in dumps and pipelines (`constant-fold`). */
  readonly name: string;
  /** One line: what the pass does. */
  readonly summary: string;
  /** Options bound by `withOptions`; absent means the pass's own defaults. */
  readonly options?: O;
  run(g: Graph, ctx: PassContext<O>): Graph;
}

/** A pass of any option type, as pipelines hold them (each pass's options travel with it). */
export type AnyPass = Pass<unknown>;

/** The same pass bound to other options (e.g. a larger constant-fold limit). */
export function withOptions<O>(pass: Pass<O>, options: O): Pass<O> {
  return { ...pass, options };
}

/** How a pass changed the node list. A node keeping its id but not its object is "rewritten". */
export interface ChangeSummary {
  readonly added: number;
  readonly removed: number;
  readonly rewritten: number;
}

/** What the manager records for one pass of a pipeline. */
export interface PassRecord {
  readonly name: string;
  /** Wall-clock milliseconds spent in `run`. */
  readonly ms: number;
  readonly changed: boolean;
  readonly summary: ChangeSummary;
}

/** `added 2, removed 5, rewritten 7`: a change summary as text. */
export function formatChange(s: ChangeSummary): string {
  return `added ${s.added}, removed ${s.removed}, rewritten ${s.rewritten}`;
}
