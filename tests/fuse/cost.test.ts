// The recompute rule prices work with `costOf` (packages/ir): transcendental ops already cost
// more flops per element than arithmetic there (exp, log, sin, cos: 4; sqrt, rsqrt: 2; tanh,
// sigmoid: 6; pow: 8; add, mul, neg, ...: 1), so fusion stores a transcendental chain that it
// would recompute if it were arithmetic. There is no erf op in the IR.
import { describe, expect, it } from "vitest";
import { costOf, spec, t, trace, type OpName, type Tensor } from "@adjoint/ir";
import { checkFusion, randomInputs } from "./helpers";

const f32 = (shape: number[]) => ({ shape, dtype: "f32" as const });
const flopsPerElement = (op: OpName, arity: number) => costOf(op, Array(arity).fill(f32([16])), f32([16])).flops / 16;

const arithmetic: [OpName, number][] = [["neg", 1], ["abs", 1], ["add", 2], ["sub", 2], ["mul", 2], ["div", 2], ["max", 2], ["min", 2], ["reciprocal", 1], ["relu", 1]];
const transcendental: [OpName, number][] = [["exp", 1], ["log", 1], ["sin", 1], ["cos", 1], ["tanh", 1], ["sigmoid", 1], ["sqrt", 1], ["rsqrt", 1], ["pow", 2]];

describe("costOf prices transcendental ops above arithmetic", () => {
  const dearest = Math.max(...arithmetic.map(([op, n]) => flopsPerElement(op, n)));
  it("every arithmetic op costs 1 flop per element", () => expect(dearest).toBe(1));
  for (const [op, n] of transcendental) it(`${op} costs more than any arithmetic op`, () => expect(flopsPerElement(op, n)).toBeGreaterThan(dearest));
});

/**
 * y = op(op(op(op(x)))) is the prologue of Σ_row y and is read again by y · Σ_row y. Per
 * element the rule recomputes y when cone flops / 4 + 4 bytes (loading x instead) < 4 bytes × 2:
 * four negs (4 flops: 5 < 8) are recomputed; four exps (16 flops: 8, not < 8) or anything dearer are stored.
 */
function chainThenScale(op: (x: Tensor) => Tensor) {
  const g = trace((x: Tensor) => {
    let y = x;
    for (let i = 0; i < 4; i++) y = op(y);
    return t.mul(y, t.sum(y, [1], { keepdims: true }));
  }, [spec([4, 8])]);
  const kg = checkFusion(g, randomInputs(g, 5), {}, "chain then scale");
  const y = g.nodes[3].id; // the fourth op of the chain
  expect(g.nodes.slice(0, 4).every((n) => n.args.length === 1)).toBe(true);
  return { computedBy: kg.kernels.filter((k) => k.nodes.includes(y)).length, stored: kg.kernels.some((k) => k.stores.includes(y)) };
}

describe("the recompute rule follows those prices", () => {
  it("recomputes an arithmetic chain in its second reader", () => {
    expect(chainThenScale(t.neg)).toEqual({ computedBy: 2, stored: false });
  });
  const ops: [string, (x: Tensor) => Tensor][] = [["exp", t.exp], ["sin", t.sin], ["cos", t.cos], ["tanh", t.tanh], ["sigmoid", t.sigmoid], ["log", t.log]];
  for (const [name, op] of ops) {
    it(`stores a ${name} chain of the same length`, () => expect(chainThenScale(op)).toEqual({ computedBy: 1, stored: true }));
  }
});
