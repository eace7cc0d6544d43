import { AdjointError, DTYPE_BYTES, formatLoc, formatShape, formatType, normalizeAxis, numel, stridesOf, type DType, type Shape } from "@adjoint/ir";
import { pointwiseKernel, type GeneratedKernel } from "./codegen/pointwise";
import type { ArenaLayout, ValueLoc } from "./layout";
import { isDense, type OpaqueNode } from "./opaque";
import { loopRunner, type Runtime, type StepPlan } from "./step";

type Arr = Float32Array | Int32Array | Uint8Array;
const arrayOf = (rt: Runtime, dtype: DType): Arr => (dtype === "f32" ? rt.F : dtype === "i32" ? rt.I : rt.U);
const storedValue = (dtype: DType, v: number) => (dtype === "bool" ? (v !== 0 ? 1 : 0) : v);

/** Hands out step scratch: regions used only while this step runs. */
class StepScratch {
  private used = 0;
  constructor(private readonly layout: ArenaLayout) {}
  /** A region of `n` elements of `dtype` (8-byte aligned, so it may be viewed as doubles). */
  alloc(id: number, dtype: DType, shape: Shape, bytesPer = DTYPE_BYTES[dtype]): ValueLoc {
    const byteOffset = this.layout.scratchBase + this.used;
    this.used += Math.ceil((numel(shape) * bytesPer) / 64) * 64;
    this.layout.needScratch(this.used);
    return { id, dtype, shape, numel: numel(shape), byteOffset, elem: byteOffset / bytesPer };
  }
}

/** A copy of view `from` (over `dims`) into `to` at `offset + Σ strides·i`, as a generated loop. */
function copyLoop(o: OpaqueNode, argIndex: number, to: ValueLoc, strides: readonly number[], offset: number): GeneratedKernel {
  const id = o.node.args[argIndex];
  const kernel = { ...o.kernel, nodes: [], loads: new Map([[id, o.access[argIndex]]]), stores: [] };
  return pointwiseKernel({ kernel, layout: o.layout, dims: o.argShapes[argIndex], members: [], stores: [], views: [{ id, loc: to, strides, offset }] });
}

/** Operand i as a dense array: its own location, or a scratch copy when its access is strided. */
function denseOperand(o: OpaqueNode, i: number, scratch: StepScratch, copies: GeneratedKernel[]): ValueLoc {
  const a = o.access[i], shape = o.argShapes[i];
  const src = o.layout.loc(a.source, `kernel ${o.kernel.id} (${o.node.op} %${o.node.id})`);
  if (isDense(a, shape) && src.numel === numel(shape)) return { ...src, shape };
  const type = o.layout.types.get(o.node.args[i])!;
  const loc = scratch.alloc(o.node.args[i], type.dtype, shape);
  copies.push(copyLoop(o, i, loc, stridesOf(shape), 0));
  return loc;
}

/** Row-major coordinates of flat position `flat` in `shape`, for error messages. */
function unravel(flat: number, shape: Shape): number[] {
  const coords = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    coords[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return coords;
}

/** Checks indices lie in [0, size), naming the op, the first bad index, its position and the node's line. */
function checkIndices(o: OpaqueNode, I: Int32Array, idx: ValueLoc, size: number, axis: number): void {
  for (let j = 0; j < idx.numel; j++) {
    const k = I[idx.elem + j];
    if (k >= 0 && k < size) continue;
    const { node } = o;
    throw new AdjointError(
      `${node.op}: index ${k} at position ${formatShape(unravel(j, idx.shape))} of indices ${formatType(idx)} ` +
        `is out of range for axis ${axis} of size ${size} (valid: 0..${size - 1}) (at ${formatLoc(node.loc)})`,
      node.op,
      node.loc,
    );
  }
}

type Routine = (o: OpaqueNode, out: ValueLoc, scratch: StepScratch, copies: GeneratedKernel[]) => (rt: Runtime) => () => void;

/** Routines of the opaque ops that are not rewritten into structured kernels. */
const routines: Readonly<Record<"constant" | "full" | "iota" | "gather" | "scatter_add" | "pad" | "concat", Routine>> = {
  constant: () => () => () => {}, // written into its own place once, when lowering
  full: (o, out) => (rt) => {
    const v = storedValue(out.dtype, o.node.attrs.value as number), arr = arrayOf(rt, out.dtype);
    return () => void arr.fill(v, out.elem, out.elem + out.numel);
  },
  iota: (o, out) => (rt) => {
    const shape = o.node.type.shape, a = normalizeAxis(o.node.attrs.axis as number, shape.length);
    const step = stridesOf(shape)[a], n = shape[a], arr = arrayOf(rt, out.dtype);
    return () => {
      for (let i = 0; i < out.numel; i++) arr[out.elem + i] = Math.floor(i / step) % n;
    };
  },
  // out[p, j, q] = x[p, idx[j], q]
  gather: (o, out, scratch, copies) => {
    const x = denseOperand(o, 0, scratch, copies), idx = denseOperand(o, 1, scratch, copies);
    const axis = o.node.attrs.axis as number, size = x.shape[axis];
    const p = numel(x.shape.slice(0, axis)), q = numel(x.shape.slice(axis + 1)), J = idx.numel;
    return (rt) => {
      const arr = arrayOf(rt, out.dtype), I = rt.I;
      return () => {
        checkIndices(o, I, idx, size, axis);
        for (let i = 0; i < p; i++) {
          for (let j = 0; j < J; j++) {
            const from = x.elem + (i * size + I[idx.elem + j]) * q, to = out.elem + (i * J + j) * q;
            if (q === 1) arr[to] = arr[from];
            else arr.copyWithin(to, from, from + q);
          }
        }
      };
    };
  },
  // out[p, idx[j], q] += u[p, j, q], summed in doubles and rounded once, as the interpreter does
  scatter_add: (o, out, scratch, copies) => {
    const u = denseOperand(o, 0, scratch, copies), idx = denseOperand(o, 1, scratch, copies);
    const acc = scratch.alloc(o.node.id, "f32", out.shape, 8);
    const axis = o.node.attrs.axis as number, size = o.node.attrs.size as number;
    const p = numel(u.shape.slice(0, axis)), q = numel(u.shape.slice(axis + idx.shape.length)), J = idx.numel;
    return (rt) => {
      const arr = arrayOf(rt, out.dtype), src = arrayOf(rt, u.dtype), { I, D } = rt, a = acc.elem;
      return () => {
        checkIndices(o, I, idx, size, axis);
        D.fill(0, a, a + out.numel);
        for (let i = 0; i < p; i++) {
          for (let j = 0; j < J; j++) {
            const to = a + (i * size + I[idx.elem + j]) * q, from = u.elem + (i * J + j) * q;
            for (let r = 0; r < q; r++) D[to + r] += src[from + r];
          }
        }
        if (out.dtype === "bool") for (let t = 0; t < out.numel; t++) arr[out.elem + t] = D[a + t] !== 0 ? 1 : 0;
        else for (let t = 0; t < out.numel; t++) arr[out.elem + t] = D[a + t];
      };
    };
  },
  pad: (o, out, _, copies) => {
    const os = stridesOf(out.shape);
    const offset = (o.node.attrs.lo as number[]).reduce((s, l, i) => s + l * os[i], 0);
    copies.push(copyLoop(o, 0, out, os, offset));
    return (rt) => {
      const v = storedValue(out.dtype, o.node.attrs.value as number), arr = arrayOf(rt, out.dtype);
      return () => void arr.fill(v, out.elem, out.elem + out.numel);
    };
  },
  concat: (o, out, _, copies) => {
    const os = stridesOf(out.shape), axis = o.node.attrs.axis as number;
    let start = 0;
    o.argShapes.forEach((shape, i) => {
      copies.push(copyLoop(o, i, out, os, start * os[axis]));
      start += shape[axis];
    });
    return () => () => {};
  },
};

/** The step of an opaque kernel whose node needs a routine; `before` runs ahead of the copies (a pad's fill). */
export function routineStep(o: OpaqueNode): StepPlan {
  const routine = routines[o.node.op as keyof typeof routines];
  if (!routine) throw new AdjointError(`kernel ${o.kernel.id}: no routine for opaque ${o.node.op} %${o.node.id}`, o.node.op, o.node.loc);
  const out = o.layout.loc(o.node.id, `kernel ${o.kernel.id} (${o.node.op} %${o.node.id})`);
  const copies: GeneratedKernel[] = [];
  const make = routine(o, out, new StepScratch(o.layout), copies);
  // operand copies (gather, scatter_add) run before the routine; slab copies (pad, concat) after its fill
  const copiesFirst = o.node.op === "gather" || o.node.op === "scatter_add";
  return {
    kernel: o.kernel,
    generated: copies,
    tasks: [],
    instantiate(rt, at) {
      const body = make(rt);
      const loops = copies.map((g, i) => loopRunner(rt, at.fn + i, g));
      return () => {
        if (copiesFirst) for (const l of loops) l();
        body();
        if (!copiesFirst) for (const l of loops) l();
      };
    },
  };
}
