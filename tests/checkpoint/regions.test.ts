// checkpoint(f) regions: whatever the policy, values computed inside a region are recomputed for the
// backward pass from the region's inputs, which are saved (jax.checkpoint's behaviour).
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Graph, type Tensor } from "@adjoint/ir";
import { liveBytesPeak, placeCheckpoints, placeCheckpointsWithReport } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";
import { checkpoint } from "adjoint";
import { expectBitwiseEqual, recomputed } from "./models";

// h [4,8] → u = tanh(h A) [4,64] → h' = tanh(u B) [4,8]: the insides are 8 times the boundary
const block = (h: Tensor, a: Tensor, b: Tensor) => t.tanh(t.matmul(t.tanh(t.matmul(h, a)), b));
const specs = [spec([4, 8]), spec([8, 64]), spec([64, 8])];
const model = (blk: typeof block) => (x: Tensor, a: Tensor, b: Tensor) => t.sum(blk(blk(blk(x, a, b), a, b), a, b));
const joint = (f: ReturnType<typeof model>): Graph => trace(valueAndGrad(f, { argnums: [0, 1, 2] }), specs);

describe("checkpoint(f) regions", () => {
  const plain = joint(model(block));
  const marked = joint(model(checkpoint(block)));

  it("tags the region's nodes, one region per call; the backward nodes carry no region", () => {
    const regions = new Set(marked.nodes.map((n) => n.tags?.region).filter((r) => r !== undefined));
    expect(regions.size).toBe(3);
    expect(marked.nodes.filter((n) => n.tags?.region !== undefined).every((n) => n.loc.origin === undefined)).toBe(true);
    expect(plain.nodes.some((n) => n.tags?.region !== undefined)).toBe(false);
  });

  it('under "none", the backward reads region values only through recompute clones that keep the region tag', () => {
    expect(placeCheckpoints(plain, "none")).toBe(plain);
    const out = placeCheckpoints(marked, "none");
    const byId = new Map(marked.nodes.map((n) => [n.id, n]));
    const clones = recomputed(out);
    expect(clones.length).toBeGreaterThan(0);
    for (const c of clones) {
      const orig = byId.get(c.loc.origin!.of)!;
      expect(orig.tags?.region, `clone %${c.id}`).toBeDefined();
      expect(c.tags?.region).toBe(orig.tags!.region);
    }
    // what a backward node reads from a region is a clone, unless it is the next region's input
    const regionInputs = new Set(marked.nodes.filter((n) => n.tags?.region !== undefined).flatMap((n) => n.args.filter((a) => byId.get(a)?.tags?.region !== n.tags!.region)));
    for (const n of out.nodes) {
      if (n.loc.origin?.kind !== "grad") continue;
      for (const a of n.args) {
        const orig = byId.get(a);
        if (orig?.tags?.region !== undefined && orig.loc.origin === undefined) expect(regionInputs.has(a), `%${n.id} reads %${a}`).toBe(true);
      }
    }
    // each region is recomputed once: one clone per forward node read (directly or not) by the backward
    const perOriginal = new Map<number, number>();
    for (const c of clones) perOriginal.set(c.loc.origin!.of, (perOriginal.get(c.loc.origin!.of) ?? 0) + 1);
    expect([...perOriginal.values()].every((k) => k === 1)).toBe(true);
  });

  it("lowers the peak: only the narrow region inputs wait for the backward pass", () => {
    const before = liveBytesPeak(placeCheckpoints(plain, "none"));
    const after = placeCheckpointsWithReport(marked, "none").report.peakBytes;
    expect(after).toBeLessThan(before);
  });

  it("keeps gradients bitwise identical under every policy", () => {
    for (const policy of ["none", "sqrt", "all", { budgetBytes: liveBytesPeak(marked) }] as const) {
      const out = placeCheckpoints(marked, policy);
      expectBitwiseEqual(plain, out, `regions, ${JSON.stringify(policy)}`);
      expect(recomputed(out).length).toBeGreaterThan(0);
    }
  });

  it("outside a trace, says where to call it", () => {
    expect(() => checkpoint(block)(undefined as never, undefined as never, undefined as never)).toThrow(/called outside a trace/);
  });
});
