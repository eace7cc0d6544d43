// Every checkpoint policy must leave the gradients exactly as they were: recompute nodes run the
// same ops on the same values, so the reference interpreter gives the same bits.
import { describe, expect, it } from "vitest";
import { parseGraph, printGraph, verifyGraph, type Graph } from "@adjoint/ir";
import { checkpointPass, cse, liveBytesPeak, placeCheckpoints, placeCheckpointsWithReport, runPasses, type CheckpointPolicy } from "@adjoint/passes";
import { attentionBlocks, expectBitwiseEqual, matmulTanhChain, mlp, randomGraph, recomputed, tanhChain } from "./models";

const models: [string, () => Graph][] = [
  ["tanh chain of 12", () => tanhChain(12)],
  ["matmul-tanh chain of 9", () => matmulTanhChain(9)],
  ["MLP of 5 layers", () => mlp(5)],
  ["attention-like blocks x3", () => attentionBlocks(3)],
  ...[1, 2, 3, 4, 5, 6].map((seed): [string, () => Graph] => [`random graph ${seed}`, () => randomGraph(seed, 10)]),
];

/** Fixed policies, and budgets between the least reachable peak and the peak without checkpointing. */
function policiesFor(g: Graph): CheckpointPolicy[] {
  const none = liveBytesPeak(g);
  const least = placeCheckpointsWithReport(g, "all").report.peakBytes;
  const budgets = [0.25, 0.5, 0.75].map((f) => Math.round(least + f * (none - least)));
  return ["none", "sqrt", "all", { revolveSlots: 2 }, { revolveSlots: 3 }, ...budgets.map((budgetBytes) => ({ budgetBytes }))];
}

describe("checkpoint policies keep gradients bitwise identical", () => {
  for (const [name, make] of models) {
    it(name, () => {
      const g = make();
      for (const policy of policiesFor(g)) {
        const { graph, report } = placeCheckpointsWithReport(g, policy);
        const what = `${name}, ${JSON.stringify(policy)}`;
        verifyGraph(graph);
        expectBitwiseEqual(g, graph, what);
        expect(report.peakBytes, what).toBe(liveBytesPeak(graph));
        if (typeof policy === "object" && "budgetBytes" in policy) expect(report.peakBytes, what).toBeLessThanOrEqual(policy.budgetBytes);
        if (policy === "all") expect(recomputed(graph).length, what).toBeGreaterThan(0); // the check above compared something
      }
    });
  }
});

describe("recompute nodes", () => {
  it('"none" gives the same graph object back', () => {
    const g = matmulTanhChain(4);
    expect(placeCheckpoints(g, "none")).toBe(g);
    expect(placeCheckpoints(g, { budgetBytes: liveBytesPeak(g) })).toBe(g);
  });

  it("are clones of forward nodes, tagged with their origin and printed as `recompute of %N`", () => {
    const g = matmulTanhChain(6);
    const out = placeCheckpoints(g, "sqrt");
    const clones = recomputed(out);
    expect(clones.length).toBeGreaterThan(0);
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    for (const c of clones) {
      const orig = byId.get(c.loc.origin!.of)!;
      expect(orig.loc.origin).toBeUndefined(); // a forward node
      expect([c.op, c.attrs, c.type, c.loc.file, c.loc.line]).toEqual([orig.op, orig.attrs, orig.type, orig.loc.file, orig.loc.line]);
    }
    const text = printGraph(out);
    expect(text).toContain(`recompute of %${clones[0].loc.origin!.of} `);
    expect(printGraph(parseGraph(text))).toBe(text); // the dump round-trips
  });

  it("sit just before their first backward reader, after the forward pass", () => {
    const g = matmulTanhChain(8);
    const out = placeCheckpoints(g, "all");
    const lastForward = out.nodes.findLastIndex((n) => n.loc.origin === undefined);
    expect(lastForward).toBe(g.nodes.findLastIndex((n) => n.loc.origin === undefined));
    out.nodes.forEach((n, i) => {
      if (n.loc.origin?.kind !== "recompute") return;
      expect(i).toBeGreaterThan(lastForward);
      // the next node that is not a recompute node reads this clone or a later clone of the same run
      let j = i + 1;
      while (out.nodes[j].loc.origin?.kind === "recompute") j++;
      const run = new Set(out.nodes.slice(i, j).map((m) => m.id));
      expect(out.nodes[j].args.some((a) => run.has(a)), `clone %${n.id}`).toBe(true);
    });
  });

  it("survive CSE (it must not merge them back into the forward values)", () => {
    const g = matmulTanhChain(6);
    const { graph } = runPasses(g, [checkpointPass("sqrt"), cse], { verify: true });
    expect(recomputed(graph).length).toBe(recomputed(placeCheckpoints(g, "sqrt")).length);
    expectBitwiseEqual(g, graph, "sqrt then cse");
  });

  it("the pass is declared for the pass manager: name, summary, options", () => {
    const pass = checkpointPass({ budgetBytes: 1 << 20 });
    expect(pass.name).toBe("checkpoint");
    expect(pass.summary.length).toBeGreaterThan(10);
    expect(pass.options).toEqual({ budgetBytes: 1 << 20 });
  });

  it("rejects an unknown policy and a bad slot count", () => {
    const g = tanhChain(3);
    expect(() => placeCheckpoints(g, "most" as never)).toThrow(/unknown policy "most"/);
    expect(() => placeCheckpoints(g, { revolveSlots: 0 })).toThrow(/revolveSlots must be an integer ≥ 1/);
  });

  it("refuses a plan past the recompute-node limit, naming the way out", () => {
    expect(() => placeCheckpoints(tanhChain(40), "all", { maxRecomputeNodes: 100 })).toThrow(/more than 100 recompute nodes.*use "sqrt" or a budget/);
  });
});
