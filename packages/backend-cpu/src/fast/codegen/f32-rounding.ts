/**
 * Where a `fastMath` loop rounds to f32. By default every f32 op result is wrapped in
 * `Math.fround`, as the interpreter's typed-array stores round it (bitwise agreement). Under
 * `fastMath` a loop keeps f32 intermediates as doubles and rounds only where skipping the
 * rounding could change a result by more than rounding error. The rule:
 *
 * 1. Memory: a value that lives in memory (stored by any kernel, a graph output, a slot of the
 *    plan) is rounded where it is computed, so a kernel that recomputes it inline and one that
 *    loads it see the same f32. By induction every value's fastMath form is then one function
 *    of the graph, whichever kernels compute it: `eq(x, max(x))` (reduce_max's VJP mask) finds
 *    the maximum even when the maximum and x come from different kernels.
 * 2. Overflow: a result whose double could lie beyond f32's range is rounded (to ±Infinity, as
 *    f32 arithmetic would have made it), so `x·x·0`, `exp(x)/exp(x)` or `log(x·x)` keep f32's
 *    Inf/NaN. Whether it could is decided by interval bounds on every value (`Range`), computed
 *    once per plan from the graph: loads are within ±FLT_MAX, sin/cos/tanh/sigmoid within ±1,
 *    `exp(-x·x)` within [0, 1], and so on. In W4 this rounds x·x and 2·(…) and nothing else.
 * 3. Discontinuous consumers round their f32 operands, since one rounding can flip them:
 *    comparisons (eq/ne/lt/le/gt/ge), casts to i32/bool (truncation), and pow (the sign of
 *    `pow(-8, y)` depends on y being an integer). `where` needs nothing: its condition is bool.
 * 4. Zero: f32 flushes doubles below 2^-150 to ±0. Ops singular at zero (log, sqrt, rsqrt,
 *    sign; div's operands when the divisor may be tiny) round an operand whose range reaches
 *    below FLT_MIN, so `log(exp(-200))` is -Infinity as in f32, not -200.
 * 5. Reductions fold unrounded terms into the double accumulator they already use (the
 *    interpreter's is a double too) and round the result once: it is an f32 in memory, and a
 *    reduce_max of unrounded terms rounds to the max of the rounded terms (fround is monotone),
 *    which the comparisons of rule 3 then find.
 * i32 and bool values are exact in doubles and keep their `| 0` / `!== 0` conversions.
 *
 * What stays different (documented, not emulated): 0·∞ where the 0 is an f32 underflow of a
 * double kept unrounded (the interpreter gives NaN, fastMath ±∞); ties of a reduce_max that
 * per-op rounding would create or break (its gradient splits between tied elements).
 */
import { numel, type Node, type ValueId } from "@adjoint/ir";
import type { ArenaLayout } from "../layout";
import { isElementwiseOp, type ElementwiseOpName } from "./scalar-ops";

/** The finite doubles a value may hold, [lo, hi] (±Infinity ends: unbounded). NaN and ±∞ behave alike in f32 and f64. */
export type Range = readonly [number, number];

const FLT_MAX = 3.4028234663852886e38;
/** The smallest double that rounds to f32 +Infinity: 2^128 − 2^103, halfway from FLT_MAX to 2^128. */
const F32_OVERFLOW = 2 ** 128 - 2 ** 103;
/** The smallest normal f32: below it f32 loses precision, and below 2^-150 it is 0. */
const FLT_MIN = 2 ** -126;
const ALL: Range = [-Infinity, Infinity];
const UNIT: Range = [-1, 1];
const BOOL: Range = [0, 1];
const I32: Range = [-(2 ** 31), 2 ** 31 - 1];

/** The hull of candidate bounds; a NaN candidate (0·∞, ∞/∞) stands for 0, the limit the other candidates bound. */
function hull(...xs: number[]): Range {
  let lo = Infinity, hi = -Infinity;
  for (const x of xs) {
    const v = Number.isNaN(x) ? 0 : x;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
/** Bounds of 1/x; unbounded when x may be 0. */
const recip = ([l, h]: Range): Range => (l > 0 || h < 0 ? [1 / h, 1 / l] : ALL);
/** Widened by a relative 1e-9: the fastMath functions differ from Math's by < 1e-10 relative. */
const loose = ([l, h]: Range): Range => [l - Math.abs(l) * 1e-9, h + Math.abs(h) * 1e-9];

/** Bounds of an op's double result from its operands' bounds (`same`: both operands are one value). */
type RangeRule = (args: readonly Range[], node: Node, same: boolean) => Range;

const RANGES: { readonly [K in ElementwiseOpName]: RangeRule } = {
  neg: ([[l, h]]) => [-h, -l],
  abs: ([[l, h]]) => (l >= 0 ? [l, h] : h <= 0 ? [-h, -l] : [0, Math.max(-l, h)]),
  sign: () => UNIT,
  exp: ([[l, h]]) => loose([Math.exp(l), Math.exp(h)]),
  log: ([[l, h]]) => loose([Math.log(Math.max(l, 0)), Math.log(Math.max(h, 0))]),
  sin: () => loose(UNIT),
  cos: () => loose(UNIT),
  tanh: () => loose(UNIT),
  sigmoid: () => loose([0, 1]),
  relu: ([[l, h]]) => [Math.max(l, 0), Math.max(h, 0)],
  sqrt: ([[l, h]]) => [Math.sqrt(Math.max(l, 0)), Math.sqrt(Math.max(h, 0))],
  rsqrt: ([[l, h]]) => recip([Math.sqrt(Math.max(l, 0)), Math.sqrt(Math.max(h, 0))]),
  reciprocal: ([a]) => recip(a),
  // IEEE +, −, ×, ÷ are monotone in each operand, so the endpoints' doubles bound every result's
  add: ([[l1, h1], [l2, h2]]) => hull(l1 + l2, h1 + h2),
  sub: ([[l1, h1], [l2, h2]]) => hull(l1 - h2, h1 - l2),
  mul: ([[l1, h1], [l2, h2]], _, same) =>
    same ? (l1 >= 0 ? [l1 * l1, h1 * h1] : h1 <= 0 ? [h1 * h1, l1 * l1] : [0, Math.max(l1 * l1, h1 * h1)]) : hull(l1 * l2, l1 * h2, h1 * l2, h1 * h2),
  div: ([[l1, h1], [l2, h2]]) => (l2 > 0 || h2 < 0 ? hull(l1 / l2, l1 / h2, h1 / l2, h1 / h2) : ALL),
  pow: () => ALL,
  max: ([[l1, h1], [l2, h2]]) => [Math.max(l1, l2), Math.max(h1, h2)],
  min: ([[l1, h1], [l2, h2]]) => [Math.min(l1, l2), Math.min(h1, h2)],
  eq: () => BOOL,
  ne: () => BOOL,
  lt: () => BOOL,
  le: () => BOOL,
  gt: () => BOOL,
  ge: () => BOOL,
  where: ([, a, b]) => hull(a[0], a[1], b[0], b[1]),
  cast: ([a], node) => (node.type.dtype === "f32" ? a : node.type.dtype === "i32" ? I32 : BOOL),
  stop_gradient: ([a]) => a,
};

/** Ops that pass an operand's value through inside a loop (see KernelBody.compute): its value, unrounded or not. */
const PASS_THROUGH = new Set(["broadcast", "reshape", "custom_vjp"]);
/** Ops whose f32 result is one of their (value) operands, negated or not, or 0: exact when those are. */
const SELECTS = new Set(["neg", "abs", "relu", "max", "min", "where", "stop_gradient"]);
/** Other movement ops: the same elements, read from memory. */
const MOVEMENT = new Set(["transpose", "slice", "gather"]);
/** Consumers that round every f32 operand (rule 3). */
const DISCONTINUOUS = new Set(["eq", "ne", "lt", "le", "gt", "ge", "pow"]);
/**
 * Consumers singular at 0: round operand 0 when it may be tiny (rule 4). Not reciprocal: 1/x of
 * a double that f32 flushes to ±0 is beyond f32's range, so the overflow rule makes it ±∞.
 */
const SINGULAR = new Set(["log", "sqrt", "rsqrt", "sign"]);

const reachesZero = ([l, h]: Range) => l < FLT_MIN && h > -FLT_MIN;
const clampF32 = (v: number) => Math.max(-FLT_MAX, Math.min(FLT_MAX, Math.fround(v)));

/** The dtype's range: what any value read from memory may hold. */
function dtypeRange(dtype: Node["type"]["dtype"]): Range {
  return dtype === "f32" ? [-FLT_MAX, FLT_MAX] : dtype === "i32" ? I32 : BOOL;
}

/**
 * The fastMath rounding decisions of one plan: which values are rounded where they are
 * computed, and which operands a consumer rounds. Computed once per plan, in one pass over
 * its graph in topological order.
 */
export class RoundingPlan {
  private readonly ranges = new Map<ValueId, Range>();
  /** f32 values whose double is kept unrounded: every other value is an exact f32 (or i32/bool). */
  private readonly inexact = new Set<ValueId>();
  private readonly roundAt = new Set<ValueId>();

  constructor(private readonly layout: ArenaLayout) {
    const { graph, kernels } = layout.plan;
    const inMemory = new Set<ValueId>(layout.locs.keys());
    for (const k of kernels) for (const id of k.stores) inMemory.add(id);
    for (const i of graph.inputs) this.ranges.set(i.id, dtypeRange(i.type.dtype));
    for (const node of graph.nodes) {
      const range = this.resultRange(node);
      const inexact = this.computesInexact(node);
      if (inexact && (inMemory.has(node.id) || range[1] >= F32_OVERFLOW || range[0] <= -F32_OVERFLOW)) {
        this.roundAt.add(node.id);
        this.ranges.set(node.id, [clampF32(range[0]), clampF32(range[1])]);
      } else {
        if (inexact) this.inexact.add(node.id);
        this.ranges.set(node.id, range);
      }
    }
  }

  /** True when `node`'s value, computed in a loop from its operands' doubles, may be a double that is no f32. */
  private computesInexact(node: Node): boolean {
    const op = node.op, args = node.args;
    if (node.type.dtype !== "f32") return false;
    if (PASS_THROUGH.has(op)) return this.inexact.has(args[op === "custom_vjp" ? args.length - 1 : 0]);
    if (!isElementwiseOp(op) || op === "sign") return false; // sign: ±1, 0, or its own ±0 / NaN
    if (op === "cast") {
      const from = this.layout.types.get(args[0])?.dtype;
      return from === "f32" ? this.inexact.has(args[0]) : from !== "bool"; // an i32 beyond 2^24 is no f32
    }
    if (SELECTS.has(op)) return args.slice(op === "where" ? 1 : 0).some((a) => this.inexact.has(a));
    return true;
  }

  /** True when `id`'s value is rounded (Math.fround) where a loop computes it. */
  rounds(id: ValueId): boolean {
    return this.roundAt.has(id);
  }

  /** Per operand of `node`, true when the op must read it rounded (rules 3 and 4). */
  roundsOperands(node: Node): boolean[] {
    const args = node.args, op = node.op;
    const inexact = args.map((a) => this.inexact.has(a));
    if (!inexact.some(Boolean)) return inexact;
    if (DISCONTINUOUS.has(op) || (op === "cast" && node.type.dtype !== "f32")) return inexact;
    if (SINGULAR.has(op)) return [inexact[0] && reachesZero(this.range(args[0]))];
    if (op === "div" && reachesZero(this.range(args[1]))) return inexact;
    return args.map(() => false);
  }

  /** Bounds of the finite values `id` may hold in a fastMath loop. */
  range(id: ValueId): Range {
    return this.ranges.get(id) ?? ALL;
  }

  private resultRange(node: Node): Range {
    const args = node.args.map((a) => this.range(a));
    const dtype = node.type.dtype;
    if (isElementwiseOp(node.op)) {
      if (dtype !== "f32") return node.op === "cast" ? RANGES.cast(args, node, false) : dtypeRange(dtype);
      const r = RANGES[node.op](args, node, node.args.length === 2 && node.args[0] === node.args[1]);
      return [Number.isNaN(r[0]) ? -Infinity : r[0], Number.isNaN(r[1]) ? Infinity : r[1]];
    }
    if (PASS_THROUGH.has(node.op) || MOVEMENT.has(node.op)) return args[node.op === "custom_vjp" ? args.length - 1 : 0] ?? ALL;
    switch (node.op) {
      case "full":
      case "constant": {
        // literals are stored as f32 (rounded: a value below 2^-150 is 0, one beyond FLT_MAX infinite)
        if (dtype !== "f32") return dtypeRange(dtype);
        let lo = Infinity, hi = -Infinity;
        for (const v of node.op === "full" ? [node.attrs.value as number] : (node.attrs.value as readonly number[])) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
        return Number.isNaN(lo) || lo > hi ? dtypeRange(dtype) : [clampF32(lo), clampF32(hi)]; // a NaN makes both NaN
      }
      case "iota":
        return [0, Math.max(0, node.type.shape[node.attrs.axis as number] - 1)];
      case "reduce_max":
        return [clampF32(args[0][0]), clampF32(args[0][1])];
      case "reduce_sum": {
        // the double sum of `terms` operands, rounded once: within terms·[lo, hi], clamped
        const terms = numel(this.layout.types.get(node.args[0])?.shape ?? [Infinity]) / Math.max(1, numel(node.type.shape));
        const [l, h] = hull(args[0][0] * terms, args[0][1] * terms);
        return [clampF32(l), clampF32(h)];
      }
      case "pad":
        return hull(args[0][0], args[0][1], node.attrs.value as number);
      case "concat":
        return hull(...args.flat());
      default:
        return dtypeRange(dtype);
    }
  }
}

const plans = new WeakMap<ArenaLayout, RoundingPlan>();

/** The plan's rounding decisions, computed on first use and kept with its layout. */
export function roundingPlan(layout: ArenaLayout): RoundingPlan {
  let plan = plans.get(layout);
  if (!plan) plans.set(layout, (plan = new RoundingPlan(layout)));
  return plan;
}
