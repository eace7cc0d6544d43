// Random graphs (seeded): fused and unfused kernel graphs, under random buffer limits and
// materialise sets, evaluate to the interpreter's exact bits. bench/fuzz-fusion.ts runs many more.
import { describe, it } from "vitest";
import { printGraph } from "@adjoint/ir";
import { checkFusion } from "./helpers";
import { randomCase } from "./random-graph";

const SEEDS = 80;

describe("fusion fuzz", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, () => {
      const c = randomCase(seed);
      const what = `seed ${seed} (maxBuffers ${c.maxBuffers}, materialize ${[...c.materialize].map((v) => `%${v}`).join(",") || "none"})\n${printGraph(c.graph)}`;
      for (const fuse of [true, false]) checkFusion(c.graph, c.inputs, { fuse, maxBuffers: c.maxBuffers, materialize: c.materialize }, `${fuse ? "fused" : "unfused"} ${what}`);
    });
  }
});
