// Shared by the in-place tests: f64 inputs, running a graph on the reference interpreter, and
// finding a test file's own line numbers by a marker comment (so edits do not break them).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { interpret } from "@adjoint/backend-cpu";
import type { Graph, HostTensor } from "@adjoint/ir";

/** An f32 input holding doubles (the interpreter keeps them exact in "f64" precision). */
export const f32 = (data: readonly number[], shape: readonly number[] = [data.length]): HostTensor => ({
  shape, dtype: "f32", data: Float64Array.from(data),
});

/** Runs `g` on the reference interpreter in f64 and returns each output as a plain array. */
export function run(g: Graph, inputs: readonly HostTensor[]): number[][] {
  return interpret(g, inputs, { precision: "f64" }).map((h) => Array.from(h.data));
}

/** The 1-based line in the file at `url` marked with the comment `// @L:name` (exactly one). */
export function lineOf(url: string, name: string): number {
  const marker = "@L:" + name;
  const lines = readFileSync(fileURLToPath(url), "utf8").split("\n");
  const found = lines.flatMap((text, i) => (text.trimEnd().endsWith(marker) ? [i + 1] : []));
  if (found.length !== 1) throw new Error(`marker ${marker} occurs ${found.length} times`);
  return found[0];
}
