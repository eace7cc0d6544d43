// Runs every fixture in tests/fixtures/fuse: the `// RUN: fuse [no-fuse] [max-buffers=N]
// [materialize=%a,%b]` line gives the options, the rest of the file is the input IR and
// CHECK lines matched against the printKernels dump. Each fixture also evaluates bitwise
// equal to the interpreter.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseGraph } from "@adjoint/ir";
import { printKernels, type FuseOptions } from "@adjoint/passes";
import { fileCheck } from "../filecheck";
import { checkFusion, randomInputs } from "./helpers";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/fuse");
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".ir")).sort();

/** The fusion options named by the fixture's `// RUN: fuse ...` line. */
function runOptions(text: string, file: string): FuseOptions {
  const m = /^\s*\/\/\s*RUN:\s*fuse\b(.*)$/m.exec(text);
  if (!m) throw new Error(`${file}: no '// RUN: fuse [options]' line`);
  const opts: { fuse?: boolean; maxBuffers?: number; materialize?: Set<number> } = {};
  for (const word of m[1].trim().split(/\s+/).filter(Boolean)) {
    const [key, value] = word.split("=");
    if (key === "no-fuse") opts.fuse = false;
    else if (key === "max-buffers") opts.maxBuffers = Number(value);
    else if (key === "materialize") opts.materialize = new Set(value.split(",").map((v) => Number(v.replace("%", ""))));
    else throw new Error(`${file}: unknown RUN option '${word}'`);
  }
  return opts;
}

describe("fusion fixtures", () => {
  it("exist", () => expect(fixtures.length).toBeGreaterThanOrEqual(4));
  for (const file of fixtures) {
    it(file, () => {
      const text = readFileSync(path.join(dir, file), "utf8");
      const g = parseGraph(text);
      const kg = checkFusion(g, randomInputs(g, 11), runOptions(text, file), file);
      fileCheck(printKernels(kg), text, `fixtures/fuse/${file}`);
    });
  }
});
