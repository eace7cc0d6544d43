import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { VerifyError, freezeGraph, parseGraph, printGraph, type Graph, type Node, type SourceLoc, type TensorType } from "@adjoint/ir";
import {
  constantFold, cse, dce, diffById, getPass, parsePipeline, printDot, runPasses, simplifyPipeline, withOptions, type Pass,
} from "@adjoint/passes";

const SAMPLE = `
graph @f(%0: f32[2,3] "x" loc("m.ts":1:1)) {
  %1 = tanh %0 : f32[2,3] loc("m.ts":2:5)
  %2 = tanh %0 : f32[2,3] loc("m.ts":3:5)
  %3 = exp %0 : f32[2,3] loc("m.ts":4:5)
  %4 = add %1, %2 : f32[2,3] loc("m.ts":5:5)
  return %4
}`;

/** A pass that changes nothing and says so by returning its input. */
const noop: Pass = { name: "noop", summary: "does nothing", run: (g) => g };
/** A pass that throws. */
const explode: Pass = { name: "explode", summary: "always fails", run: () => { throw new Error("boom at %4"); } };
/** A pass whose output is ill-typed: the last node claims a type its op does not infer. */
const breakTypes: Pass = {
  name: "break-types",
  summary: "declares a wrong result type",
  run: (g) => freezeGraph({ ...g, nodes: g.nodes.map((n, i) => (i === g.nodes.length - 1 ? { ...n, type: { dtype: "i32", shape: [7] } } : n)) }),
};

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), "adjoint-dump-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("runPasses", () => {
  it("reports a pass that returns its input as unchanged, and the others' change summaries", () => {
    const g = parseGraph(SAMPLE);
    const { graph, records } = runPasses(g, [noop, cse, dce], { verify: true });
    expect(records.map((r) => [r.name, r.changed])).toEqual([["noop", false], ["cse", true], ["dce", true]]);
    expect(records[0].summary).toEqual({ added: 0, removed: 0, rewritten: 0 });
    expect(records[1].summary).toEqual({ added: 0, removed: 1, rewritten: 1 }); // %2 merged, %4 rewritten
    expect(records[2].summary).toEqual({ added: 0, removed: 1, rewritten: 0 }); // %3 dead
    expect(graph.nodes.map((n) => n.id)).toEqual([1, 4]);
    for (const r of records) expect(r.ms).toBeGreaterThanOrEqual(0);
  });

  it("never mutates its input and returns frozen graphs", () => {
    const g = parseGraph(SAMPLE);
    const before = printGraph(g);
    const { graph } = runPasses(g, simplifyPipeline, { verify: true });
    expect(printGraph(g)).toBe(before);
    expect(Object.isFrozen(graph) && Object.isFrozen(graph.nodes) && graph.nodes.every(Object.isFrozen)).toBe(true);
  });

  it("reaches a fixed point: a second simplify run changes nothing and returns the same object", () => {
    const once = runPasses(parseGraph(SAMPLE), simplifyPipeline).graph;
    const again = runPasses(once, simplifyPipeline);
    expect(again.graph).toBe(once);
    expect(again.records.every((r) => !r.changed)).toBe(true);
  });

  it("summarises in-place edits from patches exactly as an identity diff would", () => {
    const g = parseGraph(`
graph @f(%0: f32[2] "x" loc("m.ts":1:1)) {
  %1 = full {value = 2, shape = [2], dtype = f32} : f32[2] loc("m.ts":2:5)
  %2 = mul %1, %1 : f32[2] loc("m.ts":3:5)
  %3 = add %0, %2 : f32[2] loc("m.ts":4:5)
  return %3
}`);
    const { graph, records } = runPasses(g, [constantFold]);
    expect(records[0].summary).toEqual({ added: 0, removed: 0, rewritten: 1 });
    expect(records[0].summary).toEqual(diffById(g, graph));
  });

  it("the verify instrument names the pass that produced an ill-typed graph", () => {
    const dir = tempDir();
    const run = () => runPasses(parseGraph(SAMPLE), [cse, breakTypes], { verify: true, dump: { dir } });
    expect(run).toThrow(VerifyError);
    expect(run).toThrow(/after pass 'break-types'/);
    expect(readFileSync(path.join(dir, "02-break-types.crash.ir"), "utf8")).toMatch(/# error: VerifyError: .*declared type i32\[7\]/);
  });

  it("without verify, an ill-typed result goes through", () => {
    expect(() => runPasses(parseGraph(SAMPLE), [breakTypes])).not.toThrow();
  });

  it("binds options with withOptions (constant-fold's size limit)", () => {
    const g = parseGraph(`
graph @f(%0: f32[6] "x" loc("m.ts":1:1)) {
  %1 = constant {value = [1, 2, 3, 4, 5, 6], shape = [6], dtype = f32} : f32[6] loc("m.ts":2:5)
  %2 = neg %1 : f32[6] loc("m.ts":3:5)
  return %2
}`);
    expect(runPasses(g, [withOptions(constantFold, { maxConstantElements: 4 })]).records[0].changed).toBe(false);
    expect(printGraph(runPasses(g, [constantFold]).graph)).toContain("%2 = constant {value = [-1, -2, -3, -4, -5, -6]");
  });

  it("hands a timing table to the timing option", () => {
    let report = "";
    runPasses(parseGraph(SAMPLE), simplifyPipeline, { timing: (t) => (report = t) });
    for (const name of ["constant-fold", "algebraic", "cse", "dce", "total"]) expect(report).toMatch(new RegExp(`ms .*%  ${name}`));
  });

  it("calls instruments before and after each pass, and on failure", () => {
    const events: string[] = [];
    const spy = {
      beforePipeline: () => void events.push("start"),
      beforePass: (p: { name: string }) => void events.push(`before ${p.name}`),
      afterPass: (p: { name: string }, _b: Graph, _a: Graph, r: { changed: boolean }) => void events.push(`after ${p.name} ${r.changed}`),
      afterPassFailed: (p: { name: string }, _g: Graph, e: unknown) => void events.push(`failed ${p.name}: ${(e as Error).message}`),
      afterPipeline: () => void events.push("end"),
    };
    runPasses(parseGraph(SAMPLE), [noop, dce], { instruments: [spy] });
    expect(events).toEqual(["start", "before noop", "after noop false", "before dce", "after dce true", "end"]);
    events.length = 0;
    expect(() => runPasses(parseGraph(SAMPLE), [explode], { instruments: [spy] })).toThrow("boom at %4");
    expect(events).toEqual(["start", "before explode", "failed explode: boom at %4"]);
  });
});

describe("dumps", () => {
  it("write the input, each changing pass, a summary and a DOT graph", () => {
    const dir = tempDir();
    const g = parseGraph(SAMPLE);
    const { graph } = runPasses(g, [noop, cse, dce], { verify: true, dump: { dir } });
    expect(readdirSync(dir).sort()).toEqual(["00-input.ir", "02-cse.ir", "03-dce.ir", "graph.dot", "summary.txt"]);
    expect(parseGraph(readFileSync(path.join(dir, "00-input.ir"), "utf8"))).toEqual(g);
    const dceDump = readFileSync(path.join(dir, "03-dce.ir"), "utf8");
    expect(dceDump.split("\n").slice(0, 4)).toEqual([
      "# pass: dce",
      `# summary: ${dce.summary}`,
      "# change: added 0, removed 1, rewritten 0",
      expect.stringMatching(/^# ms: \d+\.\d{3}$/),
    ]);
    expect(printGraph(parseGraph(dceDump))).toBe(printGraph(graph));
    const summary = readFileSync(path.join(dir, "summary.txt"), "utf8").trim().split("\n");
    expect(summary).toHaveLength(4);
    expect(summary[1]).toMatch(/^01 noop\s+no\s+0\s+0\s+0\s+\d+\.\d\d$/);
    expect(summary[2]).toMatch(/^02 cse\s+yes\s+0\s+1\s+1\s+/);
    expect(readFileSync(path.join(dir, "graph.dot"), "utf8")).toBe(printDot(graph));
  });

  it("limit .ir files to passes matching the filter", () => {
    const dir = tempDir();
    runPasses(parseGraph(SAMPLE), [cse, dce], { dump: { dir, filter: /^dc/g } });
    expect(readdirSync(dir).sort()).toEqual(["00-input.ir", "02-dce.ir", "graph.dot", "summary.txt"]);
  });

  it("leave the input of a pass that throws in NN-<pass>.crash.ir, then rethrow", () => {
    const dir = tempDir();
    const g = parseGraph(SAMPLE);
    expect(() => runPasses(g, [cse, explode, dce], { dump: { dir } })).toThrow("boom at %4");
    expect(readdirSync(dir).sort()).toEqual(["00-input.ir", "01-cse.ir", "02-explode.crash.ir", "summary.txt"]);
    const crash = readFileSync(path.join(dir, "02-explode.crash.ir"), "utf8");
    expect(crash).toMatch(/^# pass: explode \(crashed.*\n# summary: always fails\n# error: Error: boom at %4\n/);
    const given = runPasses(g, [cse]).graph;
    expect(printGraph(parseGraph(crash))).toBe(printGraph(given));
    expect(readFileSync(path.join(dir, "summary.txt"), "utf8")).toMatch(/02 explode\s+crashed/);
    expect(existsSync(path.join(dir, "03-dce.ir"))).toBe(false);
  });
});

describe("printDot", () => {
  it("draws values, operand edges, inputs as ellipses, outputs doubled and derived nodes coloured", () => {
    const g = parseGraph(`
graph @f(%0: f32[2] "x" loc("m.ts":1:1)) {
  %1 = tanh %0 : f32[2] loc("m.ts":2:5)
  %2 = tanh %0 : f32[2] loc(recompute of %1 "m.ts":2:5)
  %3 = mul %2, %2 : f32[2] loc(grad of %1 "m.ts":2:5)
  return %1, %3
}`);
    const dot = printDot(g);
    expect(dot).toMatch(/^digraph "f" \{/);
    expect(dot).toContain(`v0 [label="%0 \\"x\\"\\nf32[2]", shape=ellipse];`);
    expect(dot).toContain(`v1 [label="%1 tanh\\nf32[2]", peripheries=2, xlabel="out 0"];`);
    expect(dot).toMatch(/v2 \[label="%2 tanh\\nf32\[2\]", fillcolor="#[0-9a-f]{6}"\];/);
    expect(dot).toMatch(/v3 .*fillcolor="#[0-9a-f]{6}", peripheries=2, xlabel="out 1"/);
    expect(dot.match(/v2 -> v3;/g)).toHaveLength(2);
    expect(dot).toContain("v0 -> v1;");
  });
});

describe("pass registry", () => {
  it("finds passes by name and rejects unknown ones, listing the known", () => {
    expect(parsePipeline(" constant-fold, algebraic ,cse,dce").map((p) => p.name)).toEqual(simplifyPipeline.map((p) => p.name));
    expect(() => getPass("licm")).toThrow(/unknown pass 'licm'; known passes: algebraic, checkpoint, constant-fold, cse, dce, inplace/);
  });
});

/** A chain of `steps` × 5 nodes where every step simplifies: neg(neg y), a duplicate add, a `* 1`. */
function chainGraph(steps: number): Graph {
  const loc: SourceLoc = { file: "chain.ts", line: 1, col: 1 };
  const type: TensorType = { dtype: "f32", shape: [4] };
  const nodes: Node[] = [{ id: 1, op: "full", args: [], attrs: { value: 1, shape: [4], dtype: "f32" }, type, loc }];
  const node = (op: string, args: number[]) => (nodes.push({ id: nodes.length + 1, op, args, attrs: {}, type, loc }), nodes.length);
  let y = 0;
  for (let k = 0; k < steps; k++) {
    const negNeg = node("neg", [node("neg", [y])]);
    node("add", [negNeg, 0]);
    y = node("mul", [node("add", [negNeg, 0]), 1]);
  }
  return freezeGraph({ name: "chain", inputs: [{ id: 0, name: "x", type, loc }], nodes, outputs: [y] });
}

describe("big graphs", () => {
  it("simplify a 100k-node chain without recursion trouble", () => {
    const g = chainGraph(20_000);
    expect(g.nodes.length).toBe(100_001);
    const { graph, records } = runPasses(g, simplifyPipeline, { verify: true });
    expect(graph.nodes.length).toBe(20_000); // one add per step survives
    expect(graph.nodes.every((n) => n.op === "add")).toBe(true);
    expect(records.map((r) => r.changed)).toEqual([false, true, true, true]); // nothing to fold
    console.log(records.map((r) => `${r.name} ${r.ms.toFixed(0)} ms`).join(", "));
  });
});
