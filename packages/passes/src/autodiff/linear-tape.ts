import { AdjointError, GraphBuilder, Tensor, formatType, inferNode, opDef, sameShape, t, type AttrValue, type Emitter, type TensorType } from "@adjoint/ir";

interface TapeEntry {
  readonly out: Tensor;
  readonly op: string;
  readonly args: readonly Tensor[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/**
 * Records the linear part of a JVP rule instead of emitting it, so reverse mode can
 * transpose it: tangents are tape values, everything else is an ordinary graph value.
 * Reverse mode is thus "JVP, then transpose", and each op needs only a JVP rule plus,
 * for linear ops, a transpose rule.
 */
export class LinearTape implements Emitter {
  readonly isLinear = true;
  private readonly entries: TapeEntry[] = [];
  private nextId = 0;

  constructor(readonly main: GraphBuilder) {}

  /** A fresh linear input (the tangent of one operand). */
  input(type: TensorType): Tensor {
    return new Tensor(this, this.nextId++, type);
  }

  emit(op: string, args: readonly Tensor[], attrs: Readonly<Record<string, AttrValue>>): Tensor {
    const def = opDef(op);
    const loc = this.main.currentLoc();
    if (!def.linear) {
      throw new AdjointError(`the JVP rule applied '${op}', which is not linear, to a tangent; only linear ops may touch tangents`, op, loc);
    }
    for (const a of args) {
      if (a.emitter !== this && a.emitter !== this.main) throw new AdjointError(`${op}: operand %${a.id} belongs to another trace`, op, loc);
    }
    const type = inferNode(op, args.map((a) => a.type), attrs, loc);
    const out = new Tensor(this, this.nextId++, type);
    this.entries.push({ out, op, args, attrs });
    return out;
  }

  /**
   * Pulls `ct` (the cotangent of `out`) back through the recorded linear ops, emitting the
   * transposed ops into the main graph; returns the cotangent of each of `inputs`.
   */
  transpose(out: Tensor, ct: Tensor, inputs: readonly (Tensor | null)[]): (Tensor | null)[] {
    const cts = new Map<number, Tensor>([[out.id, ct]]);
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      const c = cts.get(e.out.id);
      if (!c) continue;
      cts.delete(e.out.id);
      const args = e.args.map((a) => (a.emitter === this ? undefined : a));
      const def = opDef(e.op);
      if (!def.linear) throw new AdjointError(`internal: non-linear '${e.op}' on the tape`, e.op);
      const res = def.transpose(t, c, args, e.args.map((a) => a.type), e.attrs as never);
      e.args.forEach((a, k) => {
        const r = res[k];
        if (args[k] !== undefined || !r) return;
        if (!sameShape(r.shape, a.shape)) {
          throw new AdjointError(`internal: transpose of '${e.op}' gave ${formatType(r.type)} for an operand of ${formatType(a.type)}`, e.op);
        }
        const prev = cts.get(a.id);
        cts.set(a.id, prev ? t.add(prev, r) : r);
      });
    }
    return inputs.map((x) => (x ? (cts.get(x.id) ?? null) : null));
  }
}
