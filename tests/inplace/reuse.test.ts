// Buffer-reuse pairs (an elementwise node writing into an operand that dies there): exact
// pairs on small chains, every exclusion, execution orders, and a simulation on random
// graphs showing that honouring the pairs never changes a result.
import { describe, expect, it } from "vitest";
import { parseGraph, seededRandom, spec, t, trace, type Graph, type Tensor } from "adjoint";
import { opDef, sameShape, type Node, type ValueId } from "@adjoint/ir";
import { inplaceReuse } from "@adjoint/passes";
import { f32, run } from "./helpers";
import { simulate } from "./simulate";

const graph = (body: readonly string[], inputs = '%0: f32[4] "x" loc("a.ts":1:1)') =>
  parseGraph([`graph @g(${inputs}) {`, ...body.map((l) => `  ${l} loc("a.ts":2:1)`), "}"].join("\n").replace(/ loc\("a\.ts":2:1\)\n}$/, "\n}"));

const pairsOf = (g: Graph, order?: readonly number[]) => inplaceReuse(g, order).pairs.map((p) => [p.node, p.operand]);

describe("reuse pairs", () => {
  it("a chain hands one buffer along: each node takes its predecessor's", () => {
    const g = graph(["%1 = exp %0 : f32[4]", "%2 = tanh %1 : f32[4]", "%3 = neg %2 : f32[4]", "return %3"]);
    const r = inplaceReuse(g);
    expect(pairsOf(g)).toEqual([[2, 1], [3, 2]]); // exp reads the input: never reused
    expect(r.bytesSaved).toBe(2 * 16);
    expect([...r.byNode]).toEqual([[2, 1], [3, 2]]);
    expect(r.pairs.map((p) => p.bytes)).toEqual([16, 16]);
  });

  it("an operand read later is not reused; the node takes another operand that dies there", () => {
    const g = graph(["%1 = exp %0 : f32[4]", "%2 = tanh %1 : f32[4]", "%3 = mul %2, %1 : f32[4]", "return %3"]);
    expect(pairsOf(g)).toEqual([[3, 2]]);
  });

  it("excludes other types, outputs, inputs, embedded constants, non-elementwise nodes and view reads", () => {
    expect(pairsOf(graph(["%1 = exp %0 : f32[4]", "%2 = gt %1, %1 : bool[4]", "return %2"]))).toEqual([]);
    expect(pairsOf(graph(["%1 = exp %0 : f32[4]", "%2 = neg %1 : f32[4]", "return %2, %1"]))).toEqual([]);
    expect(pairsOf(graph(["%1 = neg %0 : f32[4]", "return %1"]))).toEqual([]);
    expect(pairsOf(graph(["%1 = constant {value = [1, 2, 3, 4], shape = [4], dtype = f32} : f32[4]", "%2 = neg %1 : f32[4]", "return %2"]))).toEqual([]);
    expect(pairsOf(graph(["%1 = full {value = 1, shape = [4], dtype = f32} : f32[4]", "%2 = neg %1 : f32[4]", "return %2"]))).toEqual([[2, 1]]);
    const sq = '%0: f32[2,2] "x" loc("a.ts":1:1)';
    expect(pairsOf(graph(["%1 = exp %0 : f32[2,2]", "%2 = matmul %1, %1 : f32[2,2]", "return %2"], sq))).toEqual([]);
    // %1 dies at %3, but %3 also reads it transposed: writing %1 would clobber what it still reads
    expect(pairsOf(graph(["%1 = exp %0 : f32[2,2]", "%2 = transpose %1 {perm = [1, 0]} : f32[2,2]", "%3 = add %1, %2 : f32[2,2]", "return %3"], sq))).toEqual([]);
    // a view read after the operand's last direct read keeps the operand's memory alive
    expect(pairsOf(graph(["%1 = exp %0 : f32[4]", "%2 = reshape %1 {shape = [2, 2]} : f32[2,2]", "%3 = neg %1 : f32[4]", "%4 = sin %2 : f32[2,2]", "return %3, %4"]))).toEqual([]);
  });

  it("a tagged write pairs with its own target, and a buffer claimed by a write is left to it", () => {
    const own = graph(["%1 = exp %0 : f32[4]", "%2 = sin %0 : f32[4]", "%3 = mul %2, %1 : f32[4] tags(writes = %1)", "return %3"]);
    expect(pairsOf(own)).toEqual([[3, 1]]);
    const claimed = graph(["%1 = exp %0 : f32[4]", "%2 = neg %1 : f32[4]", "%3 = full {value = 0, shape = [4], dtype = f32} : f32[4] tags(writes = %1)", "return %2, %3"]);
    expect(pairsOf(claimed)).toEqual([]);
  });

  it("depend on the execution order, which is checked", () => {
    const g = graph(["%1 = exp %0 : f32[4]", "%2 = neg %1 : f32[4]", "%3 = sin %0 : f32[4]", "%4 = mul %1, %3 : f32[4]", "return %2, %4"]);
    expect(pairsOf(g)).toEqual([[4, 1]]); // %1's last reader is %4
    expect(pairsOf(g, [1, 3, 4, 2])).toEqual([[4, 3], [2, 1]]); // now %1 dies at %2
    expect(() => inplaceReuse(g, [1, 2, 3])).toThrow(/lists 3 nodes/);
    expect(() => inplaceReuse(g, [2, 1, 3, 4])).toThrow(/%2 runs before its operand %1/);
    expect(() => inplaceReuse(g, [1, 1, 3, 4])).toThrow(/listed twice/);
  });
});

/** Uniform in [0, 1) (seededRandom gives [-1, 1)). */
const uniform = (seed: number) => {
  const r = seededRandom(seed);
  return () => (r() + 1) / 2;
};

/** A random traced graph over f32[2,3]: elementwise ops, views, a reduction, a comparison. */
function randomGraph(seed: number): Graph {
  const rnd = uniform(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  return trace((a: Tensor, b: Tensor) => {
    const pool: Tensor[] = [a, b];
    for (let i = 0; i < 24; i++) {
      const x = pick(pool.slice(-6)), y = pick(pool);
      const make: (() => Tensor)[] = [
        () => t.sin(x), () => t.tanh(x), () => t.neg(x), () => t.add(x, y), () => t.mul(x, y), () => t.sub(y, x),
        () => t.reshape(t.reshape(x, [3, 2]), [2, 3]).mul(0.5),
        () => t.transpose(t.transpose(x)),
        () => t.add(x, t.sum(y, 1, { keepdims: true })),
        () => t.where(t.gt(x, y), x, t.cos(y)),
      ];
      pool.push(pick(make)());
    }
    return [pool[pool.length - 1], pick(pool.slice(2)), pick(pool.slice(2))];
  }, [spec([2, 3]), spec([2, 3])]);
}

/** The same graph with its nodes listed in a random valid order (a randomised Kahn sort). */
function shuffled(g: Graph, seed: number): Graph {
  const rnd = uniform(seed);
  const done = new Set(g.inputs.map((i) => i.id));
  const left = [...g.nodes];
  const nodes = [];
  while (left.length) {
    const ready = left.filter((n) => n.args.every((a) => done.has(a)));
    const n = ready[Math.floor(rnd() * ready.length)];
    left.splice(left.indexOf(n), 1);
    done.add(n.id);
    nodes.push(n);
  }
  return { ...g, nodes };
}

describe("reuse on random graphs", () => {
  const inputs = [f32([0.3, -1.2, 0.8, 2, -0.1, 0.5], [2, 3]), f32([1.5, 0.2, -0.7, 0.9, -2, 0.4], [2, 3])];

  it("honouring every pair gives the interpreter's results, in graph order and in shuffled orders", () => {
    let pairs = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const g = randomGraph(seed);
      const exact = run(g, inputs);
      for (const order of [g, shuffled(g, seed * 7)]) {
        const r = inplaceReuse(g, order.nodes.map((n) => n.id));
        pairs += r.pairs.length;
        expect(simulate(order, inputs, (n) => r.byNode.get(n.id))).toEqual(exact);
      }
    }
    expect(pairs).toBeGreaterThan(50); // the property is not vacuous
  });

  it("the simulation does catch a bad pairing (any same-type operand, liveness ignored)", () => {
    let caught = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const g = randomGraph(seed);
      const types = new Map(g.nodes.map((n) => [n.id, n.type]));
      const careless = (n: Node): ValueId | undefined =>
        opDef(n.op).class === "elementwise"
          ? n.args.find((a) => types.get(a)?.dtype === n.type.dtype && sameShape(types.get(a)!.shape, n.type.shape))
          : undefined;
      if (JSON.stringify(simulate(g, inputs, careless)) !== JSON.stringify(run(g, inputs))) caught++;
    }
    expect(caught).toBeGreaterThan(0);
  });
});
