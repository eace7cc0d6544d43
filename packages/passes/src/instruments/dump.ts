/**
 * The dump instrument: the IR before the pipeline and after every pass that changed it
 * (MLIR's print-after-change), a summary table, a Graphviz view, and the input of a pass that crashed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { printGraph, type Graph } from "@adjoint/ir";
import { printDot } from "../dot";
import type { PassInstrument } from "../manager";
import { formatChange, type AnyPass, type PassRecord } from "../pass";

/** Where dumps go. The CLI / public API fills this from ADJOINT_DUMP and ADJOINT_DUMP_PASSES. */
export interface DumpOptions {
  /** The folder; created if missing. Files in it with the same names are overwritten. */
  readonly dir: string;
  /** Only passes whose name matches get an `.ir` file (crashes, the input and the summary always do). */
  readonly filter?: RegExp;
}

/** `# ` in front of every line of `text`, so the IR parser skips it. */
const commentLines = (text: string): string => text.split("\n").map((l) => `# ${l}`.trimEnd()).join("\n") + "\n";

/** One line per pass: position, name, changed?, node counts, ms. */
export function formatSummaryTable(records: readonly PassRecord[], crashed?: string): string {
  const width = Math.max(4, ...records.map((r) => r.name.length), crashed?.length ?? 0);
  const head = `#  ${"pass".padEnd(width)}  changed  added  removed  rewritten  ms`;
  const lines = records.map((r, i) => {
    const { added, removed, rewritten } = r.summary;
    const cells = [r.changed ? "yes" : "no", added, removed, rewritten].map(String);
    return `${String(i + 1).padStart(2, "0")} ${r.name.padEnd(width)}  ${cells[0].padEnd(7)}  ${cells[1].padEnd(5)}  ${cells[2].padEnd(7)}  ${cells[3].padEnd(9)}  ${r.ms.toFixed(2)}`;
  });
  if (crashed) lines.push(`${String(records.length + 1).padStart(2, "0")} ${crashed.padEnd(width)}  crashed`);
  return [head, ...lines].join("\n") + "\n";
}

/** Writes dumps into `opts.dir` as the pipeline runs. */
export function dumpInstrument(opts: DumpOptions): PassInstrument {
  // A /g or /y regex keeps state between `test` calls; a filter must not.
  const filter = opts.filter && new RegExp(opts.filter.source, opts.filter.flags.replace(/[gy]/g, ""));
  let digits = 2;
  const write = (file: string, text: string) => writeFileSync(path.join(opts.dir, file), text);
  const prefix = (index: number) => String(index + 1).padStart(digits, "0");

  return {
    beforePipeline(input: Graph, passes: readonly AnyPass[]) {
      mkdirSync(opts.dir, { recursive: true });
      digits = Math.max(2, String(passes.length).length);
      const names = passes.map((p) => p.name).join(", ");
      write(`${"0".repeat(digits)}-input.ir`, commentLines(`input of pipeline: ${names}`) + printGraph(input));
    },
    afterPass(pass, before, after, record, index) {
      if (after === before || (filter && !filter.test(pass.name))) return;
      const header = [
        `pass: ${pass.name}`,
        `summary: ${pass.summary}`,
        `change: ${formatChange(record.summary)}`,
        `ms: ${record.ms.toFixed(3)}`,
      ].join("\n");
      write(`${prefix(index)}-${pass.name}.ir`, commentLines(header) + printGraph(after));
    },
    afterPassFailed(pass, g, error, index, records) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const header = `pass: ${pass.name} (crashed; below is the IR it was given)\nsummary: ${pass.summary}\nerror: ${message}`;
      write(`${prefix(index)}-${pass.name}.crash.ir`, commentLines(header) + printGraph(g));
      write("summary.txt", formatSummaryTable(records, pass.name));
    },
    afterPipeline(output, records) {
      write("summary.txt", formatSummaryTable(records));
      write("graph.dot", printDot(output));
    },
  };
}
