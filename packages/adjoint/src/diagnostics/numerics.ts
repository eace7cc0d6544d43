/**
 * checkNumerics: stop at the first op that makes a NaN or an infinity and name it, its source
 * line, and for a backward (or recompute / tangent) op the forward op it derives from with that
 * op's line — PyTorch's anomaly mode names only the backward op.
 *
 * An op "produces" a NaN when its result holds a NaN and no operand does, and an infinity when
 * its result holds one and every operand is finite; an op that only passes on what it was given
 * is not blamed. Literal sources (`full`, `constant`) may hold ±Inf on purpose (attention masks),
 * so only a NaN literal is flagged. Non-finite graph inputs are reported as inputs.
 */
import { interpret } from "@adjoint/backend-cpu";
import {
  AdjointError, formatType, opDef,
  type Graph, type HostTensor, type Node, type OriginKind, type Shape, type SourceLoc, type ValueId,
} from "@adjoint/ir";

/** The first non-finite element's kind. */
export type NonFinite = "NaN" | "Inf" | "-Inf";

/** The forward op a backward, recompute or tangent op derives from. */
export interface NumericsOrigin {
  readonly kind: OriginKind;
  readonly id: ValueId;
  /** Undefined when optimisation removed the forward node (its line is then the derived op's). */
  readonly op?: string;
  readonly loc: SourceLoc;
  /** Whether the forward node's own value was finite (undefined when it was not computed). */
  readonly finite?: boolean;
}

/** What `NumericsError` reports besides its message. */
export interface NumericsDetails {
  /** The first non-finite element found. */
  readonly value: NonFinite;
  /** Its index in the tensor (empty for a scalar), and how many elements are not finite. */
  readonly element: readonly number[];
  readonly count: number;
  readonly type: string;
  /** The node that produced it; undefined for an input. */
  readonly nodeId?: ValueId;
  /** The input that holds it (index and name); undefined for a node. */
  readonly input?: { readonly index: number; readonly name: string };
  readonly origin?: NumericsOrigin;
}

/** The first op (or input) that made a NaN or an infinity under `checkNumerics`. */
export class NumericsError extends AdjointError {
  override name = "NumericsError";
  constructor(message: string, readonly details: NumericsDetails, op?: string, loc?: SourceLoc) {
    super(message, op, loc);
  }
}

/** A value's state: finite, holds ±Inf but no NaN, or holds a NaN. */
const FINITE = 0, HAS_INF = 1, HAS_NAN = 2;
type Status = typeof FINITE | typeof HAS_INF | typeof HAS_NAN;

interface Scan {
  readonly status: Status;
  readonly first: number;
  readonly count: number;
}

/** One pass over the data: the first NaN (or else first infinity) and the non-finite count. */
function scan(data: HostTensor["data"]): Scan {
  let firstNan = -1, firstInf = -1, count = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v === 0) continue; // finite: x - x is 0 exactly when x is finite
    count++;
    if (v !== v) { if (firstNan < 0) firstNan = i; } else if (firstInf < 0) firstInf = i;
  }
  if (count === 0) return { status: FINITE, first: -1, count };
  return firstNan >= 0 ? { status: HAS_NAN, first: firstNan, count } : { status: HAS_INF, first: firstInf, count };
}

const isFloat = (t: { readonly dtype: string }) => t.dtype === "f32";

/** `7` in shape [2,4] → [1,3]. */
function multiIndex(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

const kindOf = (v: number): NonFinite => (v !== v ? "NaN" : v > 0 ? "Inf" : "-Inf");
const at = (loc: SourceLoc | undefined) => (loc && loc.file !== "unknown" ? `${loc.file}:${loc.line}` : "an unknown location");

function where(t: HostTensor, s: Scan): { element: number[]; text: string } {
  const element = multiIndex(s.first, t.shape);
  const n = t.data.length;
  if (t.shape.length === 0) return { element, text: `the ${formatType(t)} scalar` };
  const text = `element [${element.join(",")}] of ${formatType(t)}, ${s.count} of ${n} element${n === 1 ? "" : "s"} not finite`;
  return { element, text };
}

/**
 * Checks values as they are computed. `checkInputs` runs once per run before any op;
 * `onValue` after each node, in graph order. Both throw `NumericsError`.
 */
export class NumericsChecker {
  private readonly status = new Map<ValueId, Status>();
  private byId: Map<ValueId, Node> | undefined;

  constructor(private readonly graph: Graph) {}

  /** Throws for the first graph input holding a NaN or an infinity. */
  checkInputs(inputs: readonly HostTensor[]): void {
    this.status.clear();
    this.graph.inputs.forEach((input, i) => {
      const given = inputs[i];
      if (!isFloat(input.type) || !given || !ArrayBuffer.isView(given.data)) return;
      const s = scan(given.data);
      this.status.set(input.id, s.status);
      if (s.status === FINITE) return;
      const value = kindOf(given.data[s.first]);
      const w = where(given, s);
      throw new NumericsError(
        `checkNumerics: input ${i} '${input.name}' holds ${value} (${w.text}): the data passed to run is not finite; no op produced it`,
        { value, element: w.element, count: s.count, type: formatType(given), input: { index: i, name: input.name } },
      );
    });
  }

  /** Records `value` of `node`; throws if the node produced a NaN or an infinity. */
  onValue(node: Node, value: HostTensor): void {
    if (!isFloat(value)) return void this.status.set(node.id, FINITE);
    const s = scan(value.data);
    this.status.set(node.id, s.status);
    if (s.status === FINITE) return;
    const worst = node.args.reduce<Status>((m, a) => Math.max(m, this.status.get(a) ?? FINITE) as Status, FINITE);
    const produced = s.status === HAS_NAN ? worst < HAS_NAN : worst === FINITE && opDef(node.op).class !== "source";
    if (produced) throw this.errorFor(node, value, s, worst);
  }

  private errorFor(node: Node, value: HostTensor, s: Scan, operands: Status): NumericsError {
    const kind = kindOf(value.data[s.first]);
    const w = where(value, s);
    const ops = operands === FINITE ? "its operands are finite" : "from operands holding ±Inf";
    const origin = this.originOf(node);
    const head = `checkNumerics: ${kind} produced by %${node.id} ${node.op}`;
    const details: NumericsDetails = { value: kind, element: w.element, count: s.count, type: formatType(value), nodeId: node.id, ...(origin ? { origin } : {}) };
    if (!origin) return new NumericsError(`${head} at ${at(node.loc)} (${w.text}; ${ops})`, details, node.op, node.loc);
    const fwd = `%${origin.id}${origin.op ? ` ${origin.op}` : " (removed by optimisation)"} at ${at(origin.loc)}`;
    const finite = origin.finite === undefined ? "" : origin.finite ? ", whose forward value was finite" : ", whose forward value was not finite either";
    const text =
      origin.kind === "grad" ? `${head} in the backward pass (${w.text}; ${ops}): it computes the gradient of ${fwd}${finite}`
      : origin.kind === "tangent" ? `${head} in the forward-mode tangent computation (${w.text}; ${ops}): it computes the tangent of ${fwd}${finite}`
      : `${head}, a recompute of ${fwd} for the backward pass (${w.text}; ${ops})`;
    return new NumericsError(text, details, node.op, node.loc);
  }

  private originOf(node: Node): NumericsOrigin | undefined {
    const o = node.loc.origin;
    if (!o) return undefined;
    this.byId ??= new Map(this.graph.nodes.map((n) => [n.id, n]));
    const fwd = this.byId.get(o.of);
    // backward nodes copy their forward node's file:line, so the line survives the node's removal
    const loc = fwd?.loc ?? { file: node.loc.file, line: node.loc.line, col: node.loc.col };
    const st = this.status.get(o.of);
    return { kind: o.kind, id: o.of, ...(fwd ? { op: fwd.op } : {}), loc, ...(st === undefined ? {} : { finite: st === FINITE }) };
  }
}

/** The reference interpreter with `checkNumerics`: same results, or a `NumericsError` at the first non-finite value. */
export function interpretCheckingNumerics(graph: Graph, inputs: readonly HostTensor[]): HostTensor[] {
  const checker = new NumericsChecker(graph);
  checker.checkInputs(inputs);
  return interpret(graph, inputs, { onValue: (node, value) => checker.onValue(node, value) });
}

/**
 * For a backend that detected a non-finite value coarsely (a fused kernel's store): re-runs the
 * graph on the reference interpreter with the checks on and returns the precise `NumericsError`,
 * or undefined when the interpreter finds every value finite (the backend's arithmetic differed).
 */
export function pinpointNumerics(graph: Graph, inputs: readonly HostTensor[]): NumericsError | undefined {
  try {
    interpretCheckingNumerics(graph, inputs);
    return undefined;
  } catch (e) {
    if (e instanceof NumericsError) return e;
    throw e;
  }
}
