import { checkAttrs } from "./attrs";
import { InferError, ShapeError, formatLoc } from "./errors";
import { callerLocation } from "./location";
import { opDef } from "./ops";
import { Tensor } from "./tensor";
import type { AttrValue, Graph, GraphInput, Node, NodeTags, SourceLoc, TensorType, ValueId } from "./types";

type Attrs = Readonly<Record<string, AttrValue>>;

/** Anything tensors can be recorded into: a graph builder, or the linear tape of reverse mode. */
export interface Emitter {
  /** The graph builder that non-linear values and constants go to. */
  readonly main: GraphBuilder;
  /** True for tapes that record linear (tangent) computations instead of graph nodes. */
  readonly isLinear: boolean;
  emit(op: string, args: readonly Tensor[], attrs: Attrs, tags?: NodeTags): Tensor;
}

/** Checks arity, attributes and types of one op application; errors name op, shapes and location. */
export function inferNode(op: string, argTypes: readonly TensorType[], attrs: Attrs, loc: SourceLoc): TensorType {
  const def = opDef(op);
  const where = () => `(at ${formatLoc(loc)})`; // formatted only when there is an error
  if (def.arity === "variadic" ? argTypes.length === 0 : argTypes.length !== def.arity) {
    throw new ShapeError(`${op}: expects ${def.arity === "variadic" ? "at least 1" : def.arity} operands, got ${argTypes.length} ${where()}`, op, loc);
  }
  const bad = checkAttrs(def.attrs, attrs);
  if (bad) throw new ShapeError(`${op}: ${bad} ${where()}`, op, loc);
  try {
    return def.infer(argTypes, attrs as never);
  } catch (e) {
    if (e instanceof InferError) throw new ShapeError(`${op}: ${e.message} ${where()}`, op, loc);
    throw e;
  }
}

/** Records nodes into a new graph. One builder per trace; `trace()` keeps a stack of them. */
export class GraphBuilder implements Emitter {
  readonly isLinear = false;
  readonly inputs: GraphInput[] = [];
  readonly nodes: Node[] = [];
  /** Values of enclosing traces used here (closures), each lifted to an extra input. */
  readonly captures: { readonly outer: Tensor; readonly inner: Tensor }[] = [];
  private nextId = 0;
  private locOverride: SourceLoc | undefined;
  private region: number | undefined;
  private static nextRegion = 0;
  /** Set by `finish()`: a finished graph is frozen, so a tensor leaked out of it cannot record more. */
  private finished = false;

  /** `parent` is the trace that was active when this one began; its values may be captured. */
  constructor(
    readonly name: string,
    readonly parent?: GraphBuilder,
  ) {}

  get main(): GraphBuilder {
    return this;
  }

  /** The location a node emitted now would get. */
  currentLoc(): SourceLoc {
    return this.locOverride ?? callerLocation();
  }

  /** Runs `fn` with every emitted node taking `loc` (used by transforms for derived nodes). */
  withLoc<R>(loc: SourceLoc | undefined, fn: () => R): R {
    const saved = this.locOverride;
    this.locOverride = loc;
    try {
      return fn();
    } finally {
      this.locOverride = saved;
    }
  }

  /** Runs `fn` with every emitted node tagged as part of a new `checkpoint(f)` region. */
  withRegion<R>(fn: () => R): R {
    const saved = this.region;
    this.region = GraphBuilder.nextRegion++;
    try {
      return fn();
    } finally {
      this.region = saved;
    }
  }

  addInput(type: TensorType, name: string, loc?: SourceLoc): Tensor {
    const input: GraphInput = Object.freeze({ id: this.nextId++, name, type: freezeType(type), loc: loc ?? this.currentLoc() });
    this.inputs.push(input);
    return new Tensor(this, input.id, input.type);
  }

  /** Records one node; `tags` marks in-place writes and carries regions through transforms. */
  emit(op: string, args: readonly Tensor[], attrs: Attrs, tags?: NodeTags): Tensor {
    const loc = this.currentLoc();
    if (this.finished) {
      const leaked = args.find((a) => a.emitter === this);
      const what = leaked ? `operand %${leaked.id} belongs to` : "called on";
      throw new ShapeError(`${op}: ${what} a trace that has already finished; tensors cannot leak out of the function that made them (at ${formatLoc(loc)})`, op, loc);
    }
    args = args.map((a) => (a.emitter === this ? a : this.capture(a, op, loc)));
    const type = freezeType(inferNode(op, args.map((a) => a.type), attrs, loc));
    const base = { id: this.nextId++, op, args: Object.freeze(args.map((a) => a.id)), attrs: freezeAttrs(attrs), type, loc };
    const region = tags?.region ?? this.region;
    const allTags = region !== undefined || tags?.writes !== undefined ? Object.freeze({ ...tags, ...(region !== undefined ? { region } : {}) }) : undefined;
    const node: Node = Object.freeze(allTags ? { ...base, tags: allTags } : base);
    this.nodes.push(node);
    return new Tensor(this, node.id, type);
  }

  /**
   * A value from an enclosing trace (a closure, as in `grad(w => loss(w, x))`) becomes an
   * extra input of this graph; the caller passes the outer value for it. Values of
   * unrelated traces cannot be used: they leaked out of the function that made them.
   */
  private capture(outer: Tensor, op: string, loc: SourceLoc): Tensor {
    const known = this.captures.find((c) => c.outer === outer);
    if (known) return known.inner;
    let ancestor = this.parent;
    while (ancestor && ancestor !== outer.emitter) ancestor = ancestor.parent;
    if (!ancestor) {
      throw new ShapeError(`${op}: operand %${outer.id} belongs to another trace; tensors cannot leak out of the function that made them (at ${formatLoc(loc)})`, op, loc);
    }
    const inner = this.addInput(outer.type, `capture${this.captures.length}`, loc);
    this.captures.push({ outer, inner });
    return inner;
  }

  /** Freezes the recorded graph with the given outputs. */
  finish(outputs: readonly Tensor[]): Graph {
    const loc = this.currentLoc();
    const ids = outputs.map((o) => (o.emitter === this ? o : this.capture(o, "return", loc)).id);
    this.finished = true;
    return freezeGraph({ name: this.name, inputs: this.inputs.slice(), nodes: this.nodes.slice(), outputs: ids });
  }
}

const freezeType = (t: TensorType): TensorType => (Object.isFrozen(t) ? t : Object.freeze({ dtype: t.dtype, shape: Object.freeze([...t.shape]) }));

function freezeAttrs(attrs: Attrs): Attrs {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = Array.isArray(v) ? Object.freeze([...v]) : v;
  return Object.freeze(out);
}

/** Deep-freezes a graph built outside immer (immer freezes what it produces itself). */
export function freezeGraph(g: Graph): Graph {
  return Object.freeze({
    name: g.name,
    inputs: Object.freeze(g.inputs.map((i) => (Object.isFrozen(i) ? i : Object.freeze({ id: i.id, name: i.name, type: freezeType(i.type), loc: i.loc })))),
    nodes: Object.freeze(g.nodes.map((n) => (Object.isFrozen(n) ? n : freezeNode(n)))),
    outputs: Object.freeze([...g.outputs]),
  });
}

/**
 * A frozen copy of a node. Built as an explicit literal (not a spread): V8 reads
 * properties of spread-built frozen objects several times slower.
 */
export function freezeNode(n: Node): Node {
  const node = { id: n.id, op: n.op, args: Object.freeze([...n.args]), attrs: freezeAttrs(n.attrs), type: freezeType(n.type), loc: n.loc };
  return Object.freeze(n.tags ? { ...node, tags: Object.freeze({ ...n.tags }) } : node);
}

/** A stack of active traces; constants made from plain numbers go to the innermost. */
const traceStack: GraphBuilder[] = [];

export function currentBuilder(): GraphBuilder | undefined {
  return traceStack[traceStack.length - 1];
}

export function withBuilder<R>(b: GraphBuilder, fn: () => R): R {
  traceStack.push(b);
  try {
    return fn();
  } finally {
    traceStack.pop();
  }
}

export type { ValueId };
