import type { Emitter } from "./builder";
import { TraceError, formatLoc, formatType } from "./errors";
import { t, type TensorLike, type ReduceOptions } from "./api";
import { assignInPlace, cloneTensor, writeInPlace } from "./inplace";
import type { DType, Shape, TensorType, ValueId } from "./types";

function valueRead(x: Tensor, what: string): never {
  const loc = x.emitter.main.currentLoc();
  throw new TraceError(
    `${what} of tensor %${x.id} (${formatType(x.type)}) was requested while tracing (at ${formatLoc(loc)}). ` +
      `Adjoint traces your function once into a static graph, so tensor values are not known yet. ` +
      `Use t.where(cond, a, b) or masking instead of if/else on tensor values, and read results from step.run().`,
    undefined,
    loc,
  );
}

/**
 * A symbolic tensor: a value in the graph being traced. It has a static type
 * but no data; ops on it record nodes.
 */
export class Tensor {
  /** The SSA value this object names now; an in-place write moves it to the new version. */
  private version: ValueId;

  constructor(
    readonly emitter: Emitter,
    id: ValueId,
    readonly type: TensorType,
  ) {
    this.version = id;
  }

  /** The SSA id of this tensor's current version (changes when it is written in place). */
  get id(): ValueId { return this.version; }

  get shape(): Shape { return this.type.shape; }
  get dtype(): DType { return this.type.dtype; }
  get ndim(): number { return this.type.shape.length; }
  get size(): number { return this.type.shape.reduce((a, b) => a * b, 1); }

  // Reading a value while tracing is the classic mistake of trace-based AD: say so clearly.
  valueOf(): never { return valueRead(this, "the value"); }
  [Symbol.toPrimitive](hint: string): string {
    if (hint === "string") return this.toString();
    return valueRead(this, "the value");
  }
  toString(): string { return `Tensor(%${this.id}: ${formatType(this.type)})`; }
  item(): never { return valueRead(this, "item()"); }
  data(): never { return valueRead(this, "data()"); }
  toArray(): never { return valueRead(this, "toArray()"); }

  add(y: TensorLike): Tensor { return t.add(this, y); }
  sub(y: TensorLike): Tensor { return t.sub(this, y); }
  mul(y: TensorLike): Tensor { return t.mul(this, y); }
  div(y: TensorLike): Tensor { return t.div(this, y); }
  pow(y: TensorLike): Tensor { return t.pow(this, y); }
  maximum(y: TensorLike): Tensor { return t.maximum(this, y); }
  minimum(y: TensorLike): Tensor { return t.minimum(this, y); }
  eq(y: TensorLike): Tensor { return t.eq(this, y); }
  ne(y: TensorLike): Tensor { return t.ne(this, y); }
  lt(y: TensorLike): Tensor { return t.lt(this, y); }
  le(y: TensorLike): Tensor { return t.le(this, y); }
  gt(y: TensorLike): Tensor { return t.gt(this, y); }
  ge(y: TensorLike): Tensor { return t.ge(this, y); }
  neg(): Tensor { return t.neg(this); }
  abs(): Tensor { return t.abs(this); }
  sign(): Tensor { return t.sign(this); }
  exp(): Tensor { return t.exp(this); }
  log(): Tensor { return t.log(this); }
  sin(): Tensor { return t.sin(this); }
  cos(): Tensor { return t.cos(this); }
  tanh(): Tensor { return t.tanh(this); }
  sigmoid(): Tensor { return t.sigmoid(this); }
  relu(): Tensor { return t.relu(this); }
  gelu(): Tensor { return t.gelu(this); }
  sqrt(): Tensor { return t.sqrt(this); }
  rsqrt(): Tensor { return t.rsqrt(this); }
  reciprocal(): Tensor { return t.reciprocal(this); }
  square(): Tensor { return t.square(this); }
  matmul(y: Tensor): Tensor { return t.matmul(this, y); }
  sum(axes?: number | readonly number[], opts?: ReduceOptions): Tensor { return t.sum(this, axes, opts); }
  mean(axes?: number | readonly number[], opts?: ReduceOptions): Tensor { return t.mean(this, axes, opts); }
  max(axes?: number | readonly number[], opts?: ReduceOptions): Tensor { return t.max(this, axes, opts); }
  min(axes?: number | readonly number[], opts?: ReduceOptions): Tensor { return t.min(this, axes, opts); }
  reshape(shape: readonly number[]): Tensor { return t.reshape(this, shape); }
  transpose(perm?: readonly number[]): Tensor { return t.transpose(this, perm); }
  broadcastTo(shape: readonly number[]): Tensor { return t.broadcastTo(this, shape); }
  slice(starts: readonly number[], ends: readonly number[]): Tensor { return t.slice(this, starts, ends); }
  take(indices: Tensor | readonly number[], axis = 0): Tensor { return t.take(this, indices, axis); }
  cast(dtype: DType): Tensor { return t.cast(this, dtype); }
  stopGradient(): Tensor { return t.stopGradient(this); }
  softmax(axis = -1): Tensor { return t.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return t.logSoftmax(this, axis); }

  // In-place writes (see inplace.ts): each records a new version tagged `writes`, and this
  // object then names it. They keep this tensor's shape and dtype and return `this`.
  /** `x += y` in place. */
  addInPlace(y: TensorLike): this { return this.moveTo(writeInPlace(this, "add", y)); }
  /** `x -= y` in place. */
  subInPlace(y: TensorLike): this { return this.moveTo(writeInPlace(this, "sub", y)); }
  /** `x *= y` in place. */
  mulInPlace(y: TensorLike): this { return this.moveTo(writeInPlace(this, "mul", y)); }
  /** `x /= y` in place. */
  divInPlace(y: TensorLike): this { return this.moveTo(writeInPlace(this, "div", y)); }
  /** `x[...] = v` in place: every element of x becomes v (broadcast, cast to x's dtype). */
  assign(v: TensorLike): this { return this.moveTo(assignInPlace(this, v)); }
  /** An independent copy: writing either one in place leaves the other unchanged. */
  clone(): Tensor { return cloneTensor(this); }

  private moveTo(next: Tensor): this {
    this.version = next.id;
    return this;
  }
}
