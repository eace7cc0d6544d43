/**
 * Local reuse for very long generated bodies. V8 gives every `const` of a function its own
 * stack slot, even in sibling blocks, so a fused chain of ~150k values needs a frame larger
 * than the whole stack ("Maximum call stack size exceeded"). Past `MAX_LOCALS` statements, a
 * body's values are renamed onto a small pool of `let` variables by liveness: a variable is
 * handed to a new value once the value it held has been read for the last time.
 */

/** Statements of a body above which its values share locals (shorter bodies keep one `const` each). */
export const MAX_LOCALS = 2048;

/**
 * One statement of a generated body, kept as structure so renaming needs no parsing:
 * `const def = expr(uses);`, or `expr(uses);` when it defines nothing (a store).
 */
export interface Stmt {
  readonly def: string | undefined;
  /** Operand expressions: names of earlier statements' values, or literals. */
  readonly uses: readonly string[];
  readonly expr: (uses: readonly string[]) => string;
}

/** A statement's source with its own names. */
export const stmtText = (s: Stmt): string => (s.def === undefined ? `${s.expr(s.uses)};` : `const ${s.def} = ${s.expr(s.uses)};`);

/**
 * The statements' source with every defined name not in `keep` renamed onto locals
 * `${prefix}0, ${prefix}1, …`, declared by the first returned line. The names in `keep` are
 * read by code outside these statements and stay `const`s of their own.
 */
export function reuseLocals(stmts: readonly Stmt[], keep: ReadonlySet<string>, prefix: string): string[] {
  const n = stmts.length;
  const defined = new Map<string, number>(); // name → defining statement
  for (let i = 0; i < n; i++) {
    const def = stmts[i].def;
    if (def !== undefined && !keep.has(def)) defined.set(def, i);
  }
  // lastUse[d]: the last statement reading the value statement d defines (-1: none);
  // useDef[start[i] + k]: the statement defining use k of statement i (-1: not renamed)
  const lastUse = new Int32Array(n).fill(-1), start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + stmts[i].uses.length;
  const useDef = new Int32Array(start[n]);
  for (let i = 0; i < n; i++) {
    const uses = stmts[i].uses;
    for (let k = 0; k < uses.length; k++) {
      const d = defined.get(uses[k]) ?? -1;
      useDef[start[i] + k] = d < i ? d : -1;
      if (d >= 0 && d < i) lastUse[d] = i;
    }
  }
  const local: (string | undefined)[] = new Array<string | undefined>(n); // the local holding each live renamed value
  const free: string[] = [];
  let count = 0;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = stmts[i], from = start[i], to = start[i + 1];
    let renamed = false;
    for (let q = from; q < to; q++) renamed ||= useDef[q] >= 0;
    const expr = s.expr(renamed ? s.uses.map((u, k) => (useDef[from + k] >= 0 ? local[useDef[from + k]]! : u)) : s.uses);
    // operands read here for the last time free their locals before the result takes one
    for (let q = from; q < to; q++) {
      const d = useDef[q];
      const held = d >= 0 && lastUse[d] === i ? local[d] : undefined;
      if (held !== undefined) {
        free.push(held);
        local[d] = undefined;
      }
    }
    if (s.def === undefined || defined.get(s.def) !== i) {
      out.push(s.def === undefined ? `${expr};` : `const ${s.def} = ${expr};`);
      continue;
    }
    const mine = free.pop() ?? `${prefix}${count++}`;
    out.push(`${mine} = ${expr};`);
    if (lastUse[i] >= 0) local[i] = mine;
    else free.push(mine); // never read: its local is free at once
  }
  return count ? [`let ${Array.from({ length: count }, (_, k) => `${prefix}${k}`).join(", ")};`, ...out] : out;
}
