// The pipeline fuzzer's fixed CI sample: seeded random programs (AD, checkpoint regions, in-place
// writes, every op) through 14 pipeline configurations on the interpreter and the CPU backend,
// each compared with the reference interpreter; smooth programs' derivatives against finite
// differences. bench/fuzz-pipeline.ts runs 10,000. Also: the fuzzer catches a wrong backend and
// shrinks what it finds to a small fixture that replays.
import { describe, expect, it } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import { OP_NAMES } from "@adjoint/ir";
import { registerBackend, trace } from "adjoint";
import { runCampaign, shrinkFinding } from "./campaign";
import { checkProgram } from "./check-program";
import { coveringConfigs } from "./configs";
import { randomProgram } from "./programs";
import { formatFixture, parseFixture, replayFixture } from "./replay";

const SEEDS = 36;
const BACKENDS = ["interpret", "cpu"];

describe("pipeline fuzz sample", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, async () => {
      const p = randomProgram(seed);
      const r = await checkProgram(p, BACKENDS, coveringConfigs(seed));
      const report = r.findings.map((f) => `${f.kind} on ${f.backend ?? "-"} ${JSON.stringify(f.config ?? {})}: ${f.message}`).join("\n");
      expect(r.findings, `seed ${seed} (${p.features.join(",")}):\n${report}`).toEqual([]);
      expect(r.compiles).toBeGreaterThan(0);
    });
  }
});

// A backend that is wrong whenever the graph computes a sine: the fuzzer must notice.
registerBackend("wrong-sine", () => ({
  name: "wrong-sine",
  capabilities: { fusion: false, maxBuffersPerKernel: Infinity, maxBindingBytes: Infinity, alignment: 16, dtypes: ["f32", "i32", "bool"] },
  lower: (plan) => ({
    kernels: plan.graph.nodes.length,
    dispose: () => {},
    run: async (inputs) => {
      const out = interpret(plan.graph, inputs);
      if (!plan.graph.nodes.some((n) => n.op === "sin")) return out;
      return out.map((o) => (o.dtype === "f32" && o.data.length ? { ...o, data: o.data.map((v, i) => (i === 0 ? v + 1 : v)) } : o));
    },
  }),
}));

describe("the generator", () => {
  it("covers every op of the registry within the first 400 programs", () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 400; seed++) {
      const p = randomProgram(seed);
      for (const n of trace(p.fn, p.specs).nodes) seen.add(n.op);
    }
    expect(OP_NAMES.filter((op) => !seen.has(op))).toEqual([]);
  });
});

describe("the fuzzer finds and shrinks bugs", () => {
  it("reports a wrong backend, and shrinks the finding to a fixture that replays", async () => {
    // seed 4 is a fusion-fuzzer graph with a sin among ~20 nodes
    const s = await runCampaign([4], { backends: ["wrong-sine"], configs: "cover" });
    expect(s.findings.length).toBeGreaterThan(0);
    expect(s.findings.every((f) => f.finding.kind === "mismatch")).toBe(true);
    const fixture = (await shrinkFinding(4, s.findings[0].finding, ["wrong-sine"]))!;
    expect(fixture.graph.nodes.some((n) => n.op === "sin")).toBe(true);
    expect(fixture.graph.nodes.length).toBeLessThanOrEqual(3);
    const again = parseFixture(formatFixture(fixture), "roundtrip.ir");
    expect(formatFixture(again)).toBe(formatFixture(fixture));
    expect((await replayFixture(again))?.kind).toBe("mismatch");
    expect(await replayFixture(again, "interpret")).toBeUndefined();
  });
});
