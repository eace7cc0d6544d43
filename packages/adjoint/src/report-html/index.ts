/** The HTML report: one self-contained file with the graph, the passes and memory over time. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Graph, Spec } from "@adjoint/ir";
import type { TensorFn } from "../eager";
import { collectReport, collectReportForGraph, type HtmlReportOptions, type ReportData } from "./collect";
import { renderReport, type PageLimits } from "./page";

const limitsOf = (opts: HtmlReportOptions): PageLimits => ({
  maxGraphNodes: opts.maxGraphNodes ?? 400,
  maxGraphKernels: opts.maxGraphKernels ?? 300,
  maxKernelLines: opts.maxIrLines ?? 1500,
});

/** The report of `fn` on `specs` as an HTML string (see `writeHtmlReport`). */
export function htmlReport(fn: TensorFn, specs: readonly Spec[], opts: HtmlReportOptions = {}): string {
  return renderReport(collectReport(fn, specs, opts), limitsOf(opts));
}

/** The report of an already traced graph as an HTML string. */
export function htmlReportForGraph(graph: Graph, opts: HtmlReportOptions = {}): string {
  return renderReport(collectReportForGraph(graph, opts), limitsOf(opts));
}

/**
 * Runs the compile pipeline on `fn` (no backend needed) and writes one self-contained HTML file:
 * the graph with forward / backward / recompute nodes coloured and kernels as clusters, the IR
 * after each pass with its change summary, and memory over time per checkpoint policy.
 * Returns the file's path.
 */
export function writeHtmlReport(fn: TensorFn, specs: readonly Spec[], outFile: string, opts: HtmlReportOptions = {}): string {
  const html = htmlReport(fn, specs, opts);
  mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  writeFileSync(outFile, html);
  return outFile;
}

export { renderReport, collectReport, collectReportForGraph, type HtmlReportOptions, type ReportData };
