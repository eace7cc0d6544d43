/** Algebraic identities, as a table of rules per op (pattern → replacement). */
import { sameShape, type Node } from "@adjoint/ir";
import type { Pass } from "../pass";
import { redefine, rewriteNodes, type Rewrite, type RewriteView } from "../rewrite";
import { analyzeFiniteness, type Finitenesses } from "./finiteness";
import { splatValue } from "./literals";

/** What a rule is given: the node (operands already rewritten), the current definitions, and finiteness facts. */
interface Match {
  readonly n: Node;
  readonly view: RewriteView;
  readonly finiteness: Finitenesses;
}

/** One identity. `pattern` is how docs and comments write it. */
interface AlgebraicRule {
  readonly pattern: string;
  readonly apply: (m: Match) => Rewrite;
}

/** True when operand `i` is a literal whose every element equals `v` (`-0` counts as 0). */
const isSplat = (m: Match, i: number, v: number) => splatValue(m.view.producer(m.n.args[i])) === v;
const forwardArg = (m: Match, i: number): Rewrite => ({ forward: m.n.args[i] });

/** `op(x, c) → x` when the right operand is the literal `c`; `leftToo` adds `op(c, x) → x`. */
function neutral(op: string, c: number, leftToo: boolean): AlgebraicRule[] {
  const rules: AlgebraicRule[] = [{ pattern: `${op}(x, ${c}) → x`, apply: (m) => (isSplat(m, 1, c) ? forwardArg(m, 0) : undefined) }];
  if (leftToo) rules.push({ pattern: `${op}(${c}, x) → x`, apply: (m) => (isSplat(m, 0, c) ? forwardArg(m, 1) : undefined) });
  return rules;
}

/** `x * 0 → 0` holds only where x is finite (NaN * 0 and inf * 0 are NaN). The zero's sign may differ (-x * 0 is -0). */
function zeroTimesFinite(m: Match): Rewrite {
  for (const [zero, x] of [[1, 0], [0, 1]]) {
    if (isSplat(m, zero, 0) && m.finiteness.of(m.n.args[x]) === 2) {
      return { replace: redefine(m.n, "full", [], { value: 0, shape: [...m.n.type.shape], dtype: m.n.type.dtype }) };
    }
  }
  return undefined;
}

/** The producer of operand 0 when it is an `op` node. */
const innerOp = (m: Match, op: string): Node | undefined => {
  const p = m.view.producer(m.n.args[0]);
  return p?.op === op ? p : undefined;
};

/** A movement to the shape its operand already has is the operand itself. */
const noOpMovement = (op: string): AlgebraicRule => ({
  pattern: `${op} x to x's own shape → x`,
  apply: (m) => (sameShape(m.view.typeOf(m.n.args[0]).shape, m.n.type.shape) ? forwardArg(m, 0) : undefined),
});

/** transpose(transpose(x, p), q) is transpose(x, r) with r[i] = p[q[i]]; an identity r is x. */
function composeTransposes(m: Match): Rewrite {
  const inner = innerOp(m, "transpose");
  const outer = m.n.attrs.perm as readonly number[];
  const perm = inner ? outer.map((q) => (inner.attrs.perm as readonly number[])[q]) : outer;
  const src = inner ? inner.args[0] : m.n.args[0];
  if (perm.every((p, i) => p === i)) return { forward: src };
  return inner ? { replace: redefine(m.n, "transpose", [src], { perm }) } : undefined;
}

/** The rules, by op. Each is tried in order; the first that fires wins. */
const RULES: Readonly<Record<string, readonly AlgebraicRule[]>> = {
  mul: [...neutral("mul", 1, true), { pattern: "mul(x, 0) → 0, mul(0, x) → 0 (x finite)", apply: zeroTimesFinite }],
  add: neutral("add", 0, true), // x + 0 is x but for x = -0 (-0 + 0 = +0), which ML does not observe
  sub: neutral("sub", 0, false), // x - 0 = x exactly
  div: neutral("div", 1, false), // x / 1 = x exactly, integer division too
  neg: [{ pattern: "neg(neg(x)) → x", apply: (m) => (innerOp(m, "neg") ? { forward: innerOp(m, "neg")!.args[0] } : undefined) }],
  reshape: [
    noOpMovement("reshape"),
    {
      pattern: "reshape(reshape(x)) → reshape(x)",
      apply: (m) => {
        const inner = innerOp(m, "reshape");
        if (!inner) return undefined;
        const src = inner.args[0];
        if (sameShape(m.view.typeOf(src).shape, m.n.type.shape)) return { forward: src };
        return { replace: redefine(m.n, "reshape", [src], m.n.attrs) };
      },
    },
  ],
  transpose: [{ pattern: "transpose(transpose(x, p), q) → transpose(x, p∘q), dropped if identity", apply: composeTransposes }],
  broadcast: [noOpMovement("broadcast")],
  cast: [{ pattern: "cast x to its own dtype → x", apply: (m) => (m.view.typeOf(m.n.args[0]).dtype === m.n.type.dtype ? forwardArg(m, 0) : undefined) }],
};

/** Every identity the pass knows, for docs and listings. */
export const ALGEBRAIC_IDENTITIES: readonly string[] = Object.values(RULES).flatMap((rules) => rules.map((r) => r.pattern));

/** Applies the identities in one forward sweep; a rewritten node is visible to the rules of its users. */
export const algebraic: Pass = {
  name: "algebraic",
  summary: "apply algebraic identities (x*1, x+0, neg(neg x), reshape∘reshape, transpose∘transpose, ...)",
  run(g, ctx) {
    const finiteness = analyzeFiniteness(g);
    return rewriteNodes(g, ctx, "algebraic", (n, view) => {
      const rules = RULES[n.op];
      if (!rules) return undefined;
      const m: Match = { n, view, finiteness };
      for (const rule of rules) {
        const r = rule.apply(m);
        if (r) return r;
      }
      return undefined;
    });
  },
};
