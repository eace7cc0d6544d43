/**
 * The members of one kernel, resolved for evaluation at a loop point: each operand is a
 * member computed earlier at the same point, a load through an `Access`, or a literal (a
 * `full`, or movement nodes over one: the same value everywhere). This is where the
 * per-point semantics of a kernel live (docs/fusion.md, "The loop-nest model").
 */
import { AdjointError, formatLoc, normalizeAxis, opDef, stridesOf, type DType, type Node, type ValueId } from "@adjoint/ir";
import { literalValue, type Access, type Kernel } from "@adjoint/passes";
import type { Precision, Storage } from "../storage";

/** Rounds a computed value to what storing it in `dtype` keeps, as the interpreter's typed arrays do. */
export function rounder(dtype: DType, precision: Precision): (v: number) => number {
  if (dtype === "f32") return precision === "f32" ? Math.fround : (v) => v;
  if (dtype === "i32") return (v) => v | 0; // ToInt32, as an Int32Array store
  return (v) => (v !== 0 ? 1 : 0); // bool: NaN is true
}

/** A load bound to the storage of its source. */
export interface BoundLoad {
  readonly key: ValueId;
  readonly data: Storage;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Reads a bound load at a loop point. */
export function readAt(load: BoundLoad, point: readonly number[]): number {
  let at = load.offset;
  for (let d = 0; d < load.strides.length; d++) at += load.strides[d] * point[d];
  return load.data[at];
}

/** Where an operand's value comes from: a member computed at this point, a load, or a literal (a `full`, possibly moved). */
type Operand = { readonly member: number } | { readonly load: number } | { readonly literal: number };

/** How one member gets its value at a point. */
type Step =
  | { readonly kind: "load"; readonly load: number }
  | { readonly kind: "full"; readonly value: number }
  | { readonly kind: "iota"; readonly stride: number; readonly size: number }
  | { readonly kind: "identity"; readonly from: Operand }
  | { readonly kind: "scalar"; readonly f: (...xs: number[]) => number; readonly from: readonly Operand[]; readonly round: (v: number) => number }
  | { readonly kind: "loop" }; // the reducer or matmul node: its loop computes it

/** A kernel's members as steps, and its loads bound to storage. */
export class KernelProgram {
  readonly loads: BoundLoad[] = [];
  readonly index = new Map<ValueId, number>();
  readonly steps: Step[] = [];
  /** Values of the members at the current point, by member index. */
  readonly values: Float64Array;
  private readonly loadIndex = new Map<ValueId, number>();

  constructor(
    readonly kernel: Kernel,
    readonly nodes: readonly Node[],
    private readonly graphNodes: ReadonlyMap<ValueId, Node>,
    source: (acc: Access, what: string) => Storage,
    private readonly precision: Precision,
  ) {
    for (const [key, acc] of kernel.loads) {
      this.loadIndex.set(key, this.loads.length);
      this.loads.push({ key, data: source(acc, `load %${key}`), strides: acc.strides, offset: acc.offset });
    }
    this.values = new Float64Array(nodes.length);
    nodes.forEach((n, i) => {
      this.steps.push(this.stepOf(n, precision));
      this.index.set(n.id, i);
    });
  }

  private fail(n: Node, why: string): never {
    throw new AdjointError(`kernel ${this.kernel.id}: %${n.id} = ${n.op} ${why} (at ${formatLoc(n.loc)})`, n.op, n.loc);
  }

  private operand(n: Node, a: ValueId): Operand {
    const m = this.index.get(a);
    if (m !== undefined) return { member: m };
    const l = this.loadIndex.get(a);
    if (l !== undefined) return { load: l };
    const literal = literalValue(this.graphNodes, a);
    if (literal !== undefined) return { literal: rounder(this.graphNodes.get(a)!.type.dtype, this.precision)(literal) };
    return this.fail(n, `reads %${a}, which the kernel neither computes before it nor loads (nor is it a literal)`);
  }

  private stepOf(n: Node, precision: Precision): Step {
    const own = this.loadIndex.get(n.id);
    if (own !== undefined) return { kind: "load", load: own }; // a movement node copied through its access
    const l = this.kernel.loop;
    if ((l.kind === "reduce" && l.reducer === n.id) || (l.kind === "matmul" && l.node === n.id)) return { kind: "loop" };
    const round = rounder(n.type.dtype, precision);
    switch (n.op) {
      case "full":
        return { kind: "full", value: round(n.attrs.value as number) };
      case "iota": {
        const axis = normalizeAxis(n.attrs.axis as number, n.type.shape.length);
        return { kind: "iota", stride: stridesOf(n.type.shape)[axis], size: n.type.shape[axis] };
      }
      case "reshape": // same flat index: computed as the operand's value
        return { kind: "identity", from: this.operand(n, n.args[0]) };
      case "custom_vjp":
        return { kind: "identity", from: this.operand(n, n.args[n.args.length - 1]) };
    }
    const def = opDef(n.op);
    if (def.class !== "elementwise") return this.fail(n, `cannot be computed at a loop point (a ${def.class} op needs a load of its own or a kernel of its own)`);
    return { kind: "scalar", f: def.scalar, from: n.args.map((a) => this.operand(n, a)), round };
  }

  private valueOf(o: Operand, point: readonly number[]): number {
    return "member" in o ? this.values[o.member] : "load" in o ? readAt(this.loads[o.load], point) : o.literal;
  }

  /** The value the member at `index` reads as operand `arg` at `point` (used by the reducer). */
  operandValue(n: Node, arg: ValueId, point: readonly number[]): number {
    return this.valueOf(this.operand(n, arg), point);
  }

  /** Computes the members `which` (indices, in order) at `point`; `flat` is the point's row-major index in their space. */
  run(which: readonly number[], point: readonly number[], flat: number): void {
    for (const i of which) {
      const s = this.steps[i];
      switch (s.kind) {
        case "load":
          this.values[i] = readAt(this.loads[s.load], point);
          break;
        case "full":
          this.values[i] = s.value;
          break;
        case "iota":
          this.values[i] = Math.floor(flat / s.stride) % s.size;
          break;
        case "identity":
          this.values[i] = this.valueOf(s.from, point);
          break;
        case "scalar": {
          const xs = s.from.map((o) => this.valueOf(o, point));
          this.values[i] = s.round(s.f(...xs));
          break;
        }
        case "loop":
          break;
      }
    }
  }
}
