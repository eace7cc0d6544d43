/**
 * Which values can never be NaN or infinite. `x * 0 → 0` is only true for finite `x`
 * (NaN * 0 and inf * 0 are NaN), so the algebraic pass asks this analysis first.
 */
import type { Graph, Node, ValueId } from "@adjoint/ir";
import { valueIdBound } from "../value-ids";

/** What is known about a value's elements: 2 finite, 1 never NaN (may be ±inf), 0 nothing. */
export type Finiteness = 0 | 1 | 2;

/** The finiteness of each value of a graph. */
export interface Finitenesses {
  of(id: ValueId): Finiteness;
}

const NOTHING = 0, NOT_NAN = 1, FINITE = 2;

const ofNumber = (v: number): Finiteness => (Number.isFinite(v) ? FINITE : Number.isNaN(v) ? NOTHING : NOT_NAN);
function weakest(levels: readonly Finiteness[]): Finiteness {
  let w: Finiteness = FINITE;
  for (const l of levels) if (l < w) w = l;
  return w;
}

/**
 * How each op's result depends on its operands' finiteness. Ops not listed can make NaN or inf
 * from finite operands (add overflows, log(0), 0/0) and know nothing. Integer and boolean
 * results are always finite and never reach this table.
 */
const RULES: Readonly<Record<string, (args: readonly Finiteness[], n: Node) => Finiteness>> = {
  full: (_, n) => ofNumber(n.attrs.value as number),
  constant: (_, n) => weakest((n.attrs.value as readonly number[]).map(ofNumber)),
  iota: () => FINITE,
  cast: ([x]) => x, // an integer or boolean operand is already FINITE
  // bounded outputs: finite for every input but NaN (tanh(±inf) = ±1, sign(inf) = 1)
  tanh: ([x]) => (x >= NOT_NAN ? FINITE : NOTHING),
  sigmoid: ([x]) => (x >= NOT_NAN ? FINITE : NOTHING),
  sign: ([x]) => (x >= NOT_NAN ? FINITE : NOTHING),
  // sin(±inf) is NaN
  sin: ([x]) => (x === FINITE ? FINITE : NOTHING),
  cos: ([x]) => (x === FINITE ? FINITE : NOTHING),
  exp: ([x]) => (x >= NOT_NAN ? NOT_NAN : NOTHING), // overflows to inf, never NaN
  neg: ([x]) => x,
  abs: ([x]) => x,
  relu: ([x]) => x,
  stop_gradient: ([x]) => x,
  max: weakest,
  min: weakest,
  where: ([, a, b]) => weakest([a, b]),
  broadcast: ([x]) => x,
  reshape: ([x]) => x,
  transpose: ([x]) => x,
  slice: ([x]) => x,
  pad: ([x], n) => weakest([x, ofNumber(n.attrs.value as number)]),
  concat: weakest,
  gather: ([x]) => x,
  reduce_max: ([x]) => x,
};

/** Finiteness of every value of `g` (indexed by value id), in one forward sweep. */
export function analyzeFiniteness(g: Graph): Finitenesses {
  const level = new Uint8Array(valueIdBound(g)); // NOTHING
  for (const i of g.inputs) level[i.id] = i.type.dtype === "f32" ? NOTHING : FINITE;
  for (const n of g.nodes) {
    const rule = RULES[n.op];
    level[n.id] = n.type.dtype !== "f32" ? FINITE : rule ? rule(n.args.map((a) => level[a] as Finiteness), n) : NOTHING;
  }
  return { of: (id) => (level[id] ?? NOTHING) as Finiteness };
}
