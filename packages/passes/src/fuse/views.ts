/**
 * Strided views: how movement nodes fold into a kernel's loads. A view reads the row-major
 * storage of a materialised `base` value: element `idx` of the view is at
 * `offset + Σ strides[d] * idx[d]` in the base.
 */
import { numel, stridesOf, type Node, type Shape, type ValueId } from "@adjoint/ir";

/** A strided window onto the storage of a materialised value. */
export interface View {
  readonly base: ValueId;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** The whole of a materialised value, read in row-major order. */
export const contiguousView = (base: ValueId, shape: Shape): View => ({ base, shape, strides: stridesOf(shape), offset: 0 });

/** True when the view reads its elements in row-major order from offset 0 (a plain buffer). */
export function isContiguous(v: View): boolean {
  const row = stridesOf(v.shape);
  return v.offset === 0 && v.shape.every((d, i) => d === 1 || v.strides[i] === row[i]);
}

/** True when `a` and `b` differ only by size-1 dims (so one flat index serves both). Allocation-free: it runs per access. */
export function sameUpToUnitDims(a: Shape, b: Shape): boolean {
  let i = 0, j = 0;
  for (;;) {
    while (i < a.length && a[i] === 1) i++;
    while (j < b.length && b[j] === 1) j++;
    if (i === a.length || j === b.length) return i === a.length && j === b.length;
    if (a[i++] !== b[j++]) return false;
  }
}

const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Strides of `v` re-expressed over `target`, a shape with the same elements in the same flat
 * order: equal up to size-1 dims (which get stride 0: their index is always 0), or a reshape
 * (a stored reshape computed in its operand's kernel is read back over the operand's shape).
 */
export function alignStrides(v: View, target: Shape): number[] {
  if (sameShape(v.shape, target)) return v.strides.map((s, i) => (v.shape[i] === 1 ? 0 : s));
  if (sameUpToUnitDims(v.shape, target)) {
    const kept: number[] = [];
    v.shape.forEach((d, i) => d !== 1 && kept.push(v.strides[i]));
    let k = 0;
    return target.map((d) => (d === 1 ? 0 : kept[k++]));
  }
  const strides = numel(v.shape) === numel(target) ? reshapeStrides(v.shape, v.strides, target) : null;
  if (!strides) throw new Error(`internal: view [${v.shape.join(",")}] cannot be read over [${target.join(",")}]`);
  return strides;
}

/**
 * Strides for reading `shape`/`strides` as `newShape` (same element count, row-major order),
 * or null when the strided layout cannot express it (e.g. flattening a transposed view).
 * Dims are matched in groups of equal products; inside a group the old dims must be nested
 * (stride[i] = stride[i+1] * shape[i+1]) so one running stride walks them all.
 */
export function reshapeStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  if (numel(shape) === 0) return stridesOf(newShape); // no element is ever read
  const oldDims: number[] = [], oldStrides: number[] = [];
  shape.forEach((d, i) => {
    if (d !== 1) (oldDims.push(d), oldStrides.push(strides[i]));
  });
  const out = new Array<number>(newShape.length).fill(0);
  let i = 0; // next old dim
  let j = 0; // next new dim
  while (j < newShape.length) {
    if (newShape[j] === 1) {
      j++;
      continue;
    }
    // take old dims [i, i2) and new dims [j, j2) with equal products
    let i2 = i + 1, j2 = j + 1;
    let po = oldDims[i], pn = newShape[j];
    while (po !== pn) {
      if (po < pn) po *= oldDims[i2++];
      else pn *= newShape[j2++];
    }
    for (let q = i; q < i2 - 1; q++) if (oldStrides[q] !== oldStrides[q + 1] * oldDims[q + 1]) return null;
    // innermost stride of the group, scaled outwards over the new dims
    let s = oldStrides[i2 - 1];
    for (let q = j2 - 1; q >= j; q--) {
      out[q] = newShape[q] === 1 ? 0 : s;
      s *= newShape[q];
    }
    i = i2;
    j = j2;
  }
  return out;
}

/** Appends the movement `node` (broadcast, transpose, slice, reshape, custom_vjp) to `inner`; null when a reshape cannot be strided. */
export function applyMovement(node: Node, inner: View): View | null {
  const shape = node.type.shape;
  switch (node.op) {
    case "broadcast": {
      const lead = shape.length - inner.shape.length;
      const strides = shape.map((d, i) => (i < lead || inner.shape[i - lead] !== d ? 0 : inner.strides[i - lead]));
      return { base: inner.base, shape, strides, offset: inner.offset };
    }
    case "transpose": {
      const perm = node.attrs.perm as readonly number[];
      return { base: inner.base, shape, strides: perm.map((p) => inner.strides[p]), offset: inner.offset };
    }
    case "slice": {
      const starts = node.attrs.starts as readonly number[];
      const empty = numel(shape) === 0; // an empty slice reads nothing; keep the offset in range
      const offset = empty ? inner.offset : starts.reduce((o, s, i) => o + s * inner.strides[i], inner.offset);
      return { base: inner.base, shape, strides: inner.strides, offset };
    }
    case "reshape": {
      const strides = reshapeStrides(inner.shape, inner.strides, shape);
      return strides && { base: inner.base, shape, strides, offset: inner.offset };
    }
    case "custom_vjp": // its value is its last operand's
      return inner;
    default:
      throw new Error(`internal: ${node.op} is not a foldable movement op`);
  }
}

/** Movement ops that fold into accesses. `pad` and `concat` write new values, so they run as kernels of their own. */
export const FOLDABLE_MOVEMENT: ReadonlySet<string> = new Set(["broadcast", "transpose", "slice", "reshape", "custom_vjp"]);

/** The operand a foldable movement node reads (custom_vjp's value is its last operand). */
export const movedOperand = (node: Node): ValueId => (node.op === "custom_vjp" ? node.args[node.args.length - 1] : node.args[0]);

/**
 * The value of a literal operand: a `full` node, or a chain of foldable movement nodes over
 * one (the same value at every point); undefined for anything else. Fused kernels read such
 * operands as constants: they are neither members nor loads.
 */
export function literalValue(nodes: ReadonlyMap<ValueId, Node>, v: ValueId): number | undefined {
  for (let n = nodes.get(v); n; n = nodes.get(movedOperand(n))) {
    if (n.op === "full") return n.attrs.value as number;
    if (!FOLDABLE_MOVEMENT.has(n.op)) return undefined;
  }
  return undefined;
}
