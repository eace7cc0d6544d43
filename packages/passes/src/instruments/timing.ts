/** The timing instrument: an MLIR-style table of where a pipeline spent its time. */
import type { PassInstrument } from "../manager";
import type { PassRecord } from "../pass";

/** A table of ms per pass with its share of the total, slowest passes easy to spot. */
export function formatTimingReport(records: readonly PassRecord[]): string {
  const total = records.reduce((s, r) => s + r.ms, 0);
  const width = Math.max(4, ...records.map((r) => r.name.length));
  const row = (ms: number, name: string) => {
    const share = total > 0 ? (100 * ms) / total : 0;
    return `${ms.toFixed(2).padStart(10)} ms ${share.toFixed(1).padStart(6)}%  ${name.padEnd(width)}`.trimEnd();
  };
  return ["  wall time      share  pass", ...records.map((r) => row(r.ms, r.name)), row(total, "total")].join("\n") + "\n";
}

/** Hands the timing report of each finished pipeline to `report` (e.g. `console.error`). */
export function timingInstrument(report: (text: string) => void): PassInstrument {
  return { afterPipeline: (_, records) => report(formatTimingReport(records)) };
}
