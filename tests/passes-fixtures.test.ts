// Runs every IR fixture in tests/fixtures/passes: the `// RUN:` line names the pipeline, the rest
// of the file is the input IR (comments are skipped by the parser) and its CHECK lines.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseGraph, printGraph } from "@adjoint/ir";
import { parsePipeline, runPasses } from "@adjoint/passes";
import { fileCheck } from "./filecheck";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/passes");
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".ir")).sort();

/** The pipeline named by the fixture's first `// RUN:` line. */
function runLine(text: string, file: string): string {
  const m = /^\s*\/\/\s*RUN:(.*)$/m.exec(text);
  if (!m) throw new Error(`${file}: no '// RUN: <pass>,<pass>' line`);
  return m[1].trim();
}

describe("pass fixtures", () => {
  it("exist", () => expect(fixtures.length).toBeGreaterThan(0));

  for (const file of fixtures) {
    it(file, () => {
      const text = readFileSync(path.join(dir, file), "utf8");
      const passes = parsePipeline(runLine(text, file));
      const { graph } = runPasses(parseGraph(text), passes, { verify: true });
      const printed = printGraph(graph);
      fileCheck(printed, text, `fixtures/passes/${file}`);
      // what a pass produces must print and parse back to the same text
      expect(printGraph(parseGraph(printed))).toBe(printed);
    });
  }
});
