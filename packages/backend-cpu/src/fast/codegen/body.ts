import { AdjointError, formatLoc, formatType, numel, type Node, type ValueId } from "@adjoint/ir";
import type { Access, Kernel } from "@adjoint/passes";
import { VIEW, type ArenaLayout, type ValueLoc } from "../layout";
import type { RoundingPlan } from "./f32-rounding";
import { isElementwiseOp, scalarSnippets, storeRounding, type Snippet } from "./scalar-ops";
import type { Stream } from "./nest";
import { MAX_LOCALS, reuseLocals, stmtText, type Stmt } from "./registers";

/** Ops that only move or relabel their (last) operand's elements. */
const MOVEMENT = new Set(["broadcast", "reshape", "transpose", "slice", "custom_vjp"]);

/** A stream with the arena view it indexes. */
export interface ViewStream extends Stream {
  readonly view: "F" | "I" | "U";
}

/**
 * Ops whose result is one of their value operands, negated or not (or ±1 / 0 for sign): on f32
 * operands it is already an f32, so the store rounding (a Math.fround, ~1.5 ns on a dependency
 * chain) is the identity and is left out.
 */
const EXACT = new Set(["neg", "abs", "sign", "relu", "max", "min", "where", "stop_gradient"]);

/** Ops whose operands commute bit for bit (not max/min: max(+0, -0) returns its second operand). */
const COMMUTATIVE = new Set(["add", "mul", "eq", "ne"]);

/** Literals hoisted to named consts per body; later ones are inlined, so a huge body adds no locals. */
const MAX_CONSTS = 256;

/** A number as JavaScript source that reads back bit for bit (NaN, ±Infinity, -0 included). */
export function literal(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

/** The value a store of `v` in `dtype` keeps, as the interpreter's typed arrays would. */
export function storedLiteral(v: number, dtype: Node["type"]["dtype"]): number {
  if (dtype === "f32") return Math.fround(v);
  if (dtype === "i32") return v | 0;
  return v !== 0 ? 1 : 0;
}

/**
 * The statements computing one phase of a kernel at one loop point (an elementwise point, a
 * reduction's full point, a domain point of its epilogue, a matmul output point). Members read
 * loads, literals and earlier members; every memory access becomes a stream whose index the
 * loop nest supplies later through the placeholder `@s<n>@`.
 */
export class KernelBody {
  readonly streams: ViewStream[] = [];
  /** The statements at one point, in order (their source: `render`). */
  readonly stmts: Stmt[] = [];
  readonly consts: string[] = [];
  private readonly names = new Map<ValueId, string>();
  /** Names handed to callers through `read`: code outside the statements uses them, so they keep their const. */
  private readonly pinned = new Set<string>();
  /** Each computed member's value by op and operands, so a repeat (`x·y` after `y·x`) reuses it. */
  private readonly computed = new Map<string, string>();
  /** The statements on shared locals, once rendered (huge bodies only). */
  private shared: string[] | undefined;
  /** fastMath: the name of each value's Math.fround, once emitted. */
  private readonly roundedNames = new Map<string, string>();

  /**
   * @param loadStrides the strides of an access over this phase's loop dims
   * @param points the number of points of this phase (what a store must hold)
   * @param dense strides over this phase's dims of a row-major value of `points` elements (to
   *   read a materialised source node by flat index); undefined where the phase has no flat order
   * @param rounding fastMath's rounding decisions (f32-rounding.ts); undefined: round every f32
   *   result, bitwise with the interpreter
   */
  constructor(
    private readonly layout: ArenaLayout,
    private readonly kernel: Kernel,
    private readonly tag: string,
    private readonly loadStrides: (access: Access) => readonly number[],
    private readonly points: number,
    private readonly dense: readonly number[] | undefined,
    private readonly rounding?: RoundingPlan,
  ) {}

  /** "kernel 3 (tanh at model.ts:12)": for error messages. */
  who(id?: ValueId): string {
    const node = id === undefined ? undefined : this.layout.nodes.get(id);
    return node ? `kernel ${this.kernel.id}: ${node.op} %${node.id} ${formatType(node.type)} (at ${formatLoc(node.loc)})` : `kernel ${this.kernel.id}`;
  }

  /** Adds a stream and returns its placeholder. */
  stream(view: ViewStream["view"], base: number, strides: readonly number[]): string {
    this.streams.push({ view, base, strides });
    return `${view}[@s${this.streams.length - 1}@]`;
  }

  /** The statements' source with their own names (placeholders unresolved), one per line. */
  get lines(): string[] {
    return this.stmts.map(stmtText);
  }

  /** Emits `const name = rhs;`. */
  private define(name: string, rhs: string): void {
    this.stmts.push({ def: name, uses: [], expr: () => rhs });
  }

  /** Emits the store `target = value;`. */
  private store(target: string, value: string): void {
    this.stmts.push({ def: undefined, uses: [value], expr: ([v]) => `${target} = ${v}` });
  }

  /** Makes `id` read as `name` (a reduction's result, say). */
  bind(id: ValueId, name: string): void {
    this.names.set(id, name);
  }

  /** Makes `id` read from `loc` with `strides` over this phase's dims (a matmul's result). */
  bindStream(id: ValueId, loc: ValueLoc, strides: readonly number[]): void {
    const name = `${this.tag}m${id}`;
    this.define(name, this.stream(VIEW[loc.dtype], loc.elem, strides));
    this.names.set(id, name);
  }

  /**
   * The name holding value `id` at the current point, emitting its load first if needed.
   * The caller may use the name in code of its own, after the rendered lines.
   */
  read(id: ValueId, reader?: ValueId): string {
    const name = this.value(id, reader);
    this.pinned.add(name);
    return name;
  }

  /** `read` for uses inside the statements (an operand of a member, a store). */
  private value(id: ValueId, reader?: ValueId): string {
    const known = this.names.get(id);
    if (known) return known;
    const access = this.kernel.loads.get(id);
    if (access) {
      const src = this.layout.loc(access.source, this.who(reader));
      const strides = this.loadStrides(access);
      const name = `${this.tag}l${id}`;
      this.define(name, this.stream(VIEW[src.dtype], src.elem + access.offset, strides));
      this.names.set(id, name);
      return name;
    }
    const node = this.layout.nodes.get(id);
    const lit = this.literalOf(id);
    if (lit && this.consts.length >= MAX_CONSTS) return `(${literal(storedLiteral(lit.value, lit.dtype))})`;
    if (lit) {
      const name = `${this.tag}k${id}`;
      this.consts.push(`const ${name} = ${literal(storedLiteral(lit.value, lit.dtype))};`);
      this.names.set(id, name);
      return name;
    }
    if (node && (node.op === "constant" || node.op === "iota") && this.dense && numel(node.type.shape) === this.points) {
      const loc = this.layout.sourceLoc(id, this.who(reader));
      const name = `${this.tag}c${id}`;
      this.define(name, this.stream(VIEW[loc.dtype], loc.elem, this.dense));
      this.names.set(id, name);
      return name;
    }
    throw new AdjointError(
      `${this.who(reader)} reads %${id}${node ? ` (${node.op})` : ""}, which the kernel neither loads nor computes before it`,
      node?.op,
      node?.loc,
    );
  }

  /**
   * The uniform value of `id` when it is a `full` or a one-element `constant`, possibly seen
   * through movement nodes (a broadcast scalar): fusion inlines these as literals, neither
   * loading nor listing them as members.
   */
  private literalOf(id: ValueId): { value: number; dtype: Node["type"]["dtype"] } | undefined {
    for (let n = this.layout.nodes.get(id); n; ) {
      if (n.op === "full") return { value: n.attrs.value as number, dtype: n.type.dtype };
      if (n.op === "constant" && numel(n.type.shape) === 1) return { value: (n.attrs.value as readonly number[])[0], dtype: n.type.dtype };
      if (!MOVEMENT.has(n.op)) return undefined;
      n = this.layout.nodes.get(n.args[n.args.length - 1]);
    }
    return undefined;
  }

  /** Emits member `id`: an elementwise op through its snippet, or a movement that keeps flat order. */
  compute(id: ValueId): void {
    if (this.kernel.loads.has(id)) {
      this.value(id); // a folded movement node: its value comes from memory
      return;
    }
    const node = this.layout.nodes.get(id);
    if (!node) throw new AdjointError(`${this.who()}: member %${id} is not a node of the graph`);
    if (isElementwiseOp(node.op)) {
      const wrap = this.rounding?.roundsOperands(node);
      const args = node.args.map((a, k) => (wrap?.[k] ? this.rounded(this.value(a, id)) : this.value(a, id)));
      const rounds = this.rounding?.rounds(id) ? "~" : "";
      const key = `${node.op}:${node.type.dtype}${rounds}(${(COMMUTATIVE.has(node.op) ? [...args].sort() : args).join(",")})`;
      const same = this.computed.get(key);
      if (same !== undefined) return void this.names.set(id, same);
      const name = `${this.tag}v${id}`;
      this.computed.set(key, name);
      this.stmts.push({ def: name, uses: args, expr: this.expression(node) });
      this.names.set(id, name);
      return;
    }
    // views of an in-kernel value: the same value where flat order is kept, or where the
    // operand holds one element (a broadcast scalar, e.g. an inline `full`)
    const arg = node.args[node.op === "custom_vjp" ? node.args.length - 1 : 0];
    const argCount = numel(this.layout.types.get(arg)?.shape ?? [NaN]);
    const passes = argCount === numel(node.type.shape) || (node.op === "broadcast" && argCount === 1);
    if (passes && (node.op === "reshape" || node.op === "broadcast" || node.op === "custom_vjp")) {
      const v = this.value(arg, id);
      return void this.names.set(id, this.rounding?.rounds(id) ? this.rounded(v) : v);
    }
    if (node.op === "full" || node.op === "constant" || node.op === "iota") return void this.value(id, id);
    throw new AdjointError(`${this.who(id)} cannot be computed inside a fused loop; lower it as an opaque kernel`, node.op, node.loc);
  }

  /** An elementwise member's source from its operands' names, with the rounding its result takes. */
  private expression(node: Node): Snippet {
    const snippet = scalarSnippets[node.op as keyof typeof scalarSnippets], { op, type } = node;
    if (this.rounding) {
      // fastMath (f32-rounding.ts): an f32 stays a double unless the plan rounds it
      if (type.dtype !== "f32") return (u) => storeRounding(snippet(u), type.dtype, op);
      return this.rounding.rounds(node.id) ? (u) => `Math.fround(${snippet(u)})` : snippet;
    }
    const values = op === "where" ? node.args.slice(1) : node.args;
    // f32 only: an i32 neg or abs of -2³¹ leaves the range and must wrap
    const exact = type.dtype === "f32" && EXACT.has(op) && values.every((a) => this.layout.types.get(a)?.dtype === "f32");
    return exact ? snippet : (u) => storeRounding(snippet(u), type.dtype, op);
  }

  /** The name of `Math.fround(value)`, emitted once per value (fastMath's operand and pass-through roundings). */
  private rounded(value: string): string {
    const known = this.roundedNames.get(value);
    if (known !== undefined) return known;
    const name = `${value}f`;
    this.stmts.push({ def: name, uses: [value], expr: ([v]) => `Math.fround(${v})` });
    this.roundedNames.set(value, name);
    return name;
  }

  /** Emits the store of `id` into its own location, walked with `strides` over this phase's dims. */
  write(id: ValueId, strides: readonly number[]): void {
    const loc = this.layout.loc(id, this.who(id));
    if (loc.numel !== this.points) {
      throw new AdjointError(`${this.who(id)}: stores ${loc.numel} elements from a loop of ${this.points} points`);
    }
    this.store(this.stream(VIEW[loc.dtype], loc.elem, strides), this.value(id, id));
  }

  /** Emits a store of `id` into `loc` at `offset + Σ strides·i` (a slab of a pad or concat result). */
  writeView(id: ValueId, loc: ValueLoc, strides: readonly number[], offset: number): void {
    this.store(this.stream(VIEW[loc.dtype], loc.elem + offset, strides), this.value(id, id));
  }

  /** The statements with each stream placeholder replaced by its index expression. */
  render(at: (s: number) => string): string {
    const lines = this.stmts.length > MAX_LOCALS ? (this.shared ??= reuseLocals(this.stmts, this.pinned, `${this.tag}t`)) : this.stmts.map(stmtText);
    return lines.join("\n").replace(/@s(\d+)@/g, (_, s: string) => at(Number(s)));
  }
}
