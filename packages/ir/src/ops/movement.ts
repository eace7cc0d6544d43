import { defineOp } from "./def";
import { InferError, formatShape, formatType } from "../errors";
import { broadcastsTo, checkShape, normalizeAxis, numel } from "../shape";
import type { T } from "../api";
import type { Tensor } from "../tensor";
import type { Shape } from "../types";

/** Sums a cotangent of shape `ct.shape` back down to `shape` (undoes NumPy broadcasting). */
export function unbroadcast(t: T, ct: Tensor, shape: Shape): Tensor {
  const lead = ct.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < ct.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && ct.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? t.sum(ct, axes, { keepdims: true }) : ct;
  return summed.shape.length === shape.length ? summed : t.reshape(summed, shape);
}

const inversePerm = (perm: readonly number[]) => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
};

export const movementOps = {
  broadcast: defineOp({
    summary: "broadcast to a shape (NumPy rules)",
    attrs: { shape: "ints" },
    arity: 1,
    class: "movement",
    flopsPerElement: 0,
    infer: ([x], { shape }) => {
      checkShape(shape);
      if (!broadcastsTo(x.shape, shape)) throw new InferError(`cannot broadcast ${formatType(x)} to ${formatShape(shape)}`);
      return { dtype: x.dtype, shape };
    },
    linear: true,
    jvp: (t, _, [dx], { shape }) => (dx ? t.broadcastTo(dx, shape) : null),
    transpose: (t, ct, _, [x]) => [unbroadcast(t, ct, x.shape)], // broadcast copies, so its transpose sums
  }),
  reshape: defineOp({
    summary: "same elements, new shape (row-major)",
    attrs: { shape: "ints" },
    arity: 1,
    class: "movement",
    flopsPerElement: 0,
    infer: ([x], { shape }) => {
      checkShape(shape);
      if (numel(shape) !== numel(x.shape)) {
        throw new InferError(`cannot reshape ${formatType(x)} (${numel(x.shape)} elements) to ${formatShape(shape)} (${numel(shape)} elements)`);
      }
      return { dtype: x.dtype, shape };
    },
    linear: true,
    jvp: (t, _, [dx], { shape }) => (dx ? t.reshape(dx, shape) : null),
    transpose: (t, ct, _, [x]) => [t.reshape(ct, x.shape)],
  }),
  transpose: defineOp({
    summary: "permute axes: out.shape[i] = x.shape[perm[i]]",
    attrs: { perm: "ints" },
    arity: 1,
    class: "movement",
    flopsPerElement: 0,
    infer: ([x], { perm }) => {
      const rank = x.shape.length;
      const seen = new Set(perm);
      if (perm.length !== rank || seen.size !== rank || perm.some((p) => p < 0 || p >= rank)) {
        throw new InferError(`perm ${formatShape(perm)} is not a permutation of ${rank} axes of ${formatType(x)}`);
      }
      return { dtype: x.dtype, shape: perm.map((p) => x.shape[p]) };
    },
    linear: true,
    jvp: (t, _, [dx], { perm }) => (dx ? t.transpose(dx, perm) : null),
    transpose: (t, ct, _, __, { perm }) => [t.transpose(ct, inversePerm(perm))],
  }),
  slice: defineOp({
    summary: "the box [starts, ends) of each axis",
    attrs: { starts: "ints", ends: "ints" },
    arity: 1,
    class: "movement",
    flopsPerElement: 0,
    infer: ([x], { starts, ends }) => {
      const rank = x.shape.length;
      if (starts.length !== rank || ends.length !== rank) {
        throw new InferError(`needs ${rank} starts and ends for ${formatType(x)}, got ${formatShape(starts)} and ${formatShape(ends)}`);
      }
      for (let i = 0; i < rank; i++) {
        if (starts[i] < 0 || ends[i] > x.shape[i] || starts[i] > ends[i]) {
          throw new InferError(`slice [${starts[i]}, ${ends[i]}) is out of range for axis ${i} of ${formatType(x)}`);
        }
      }
      return { dtype: x.dtype, shape: starts.map((s, i) => ends[i] - s) };
    },
    linear: true,
    jvp: (t, _, [dx], { starts, ends }) => (dx ? t.slice(dx, starts, ends) : null),
    // the slice's cotangent lands in its box; zeros elsewhere
    transpose: (t, ct, _, [x], { starts, ends }) => [t.pad(ct, starts, ends.map((e, i) => x.shape[i] - e), 0)],
  }),
  pad: defineOp({
    summary: "pad each axis with lo/hi copies of a constant",
    attrs: { lo: "ints", hi: "ints", value: "float" },
    arity: 1,
    class: "movement",
    flopsPerElement: 0,
    infer: ([x], { lo, hi }) => {
      const rank = x.shape.length;
      if (lo.length !== rank || hi.length !== rank || [...lo, ...hi].some((p) => p < 0)) {
        throw new InferError(`needs ${rank} non-negative lo and hi paddings for ${formatType(x)}, got ${formatShape(lo)} and ${formatShape(hi)}`);
      }
      return { dtype: x.dtype, shape: x.shape.map((d, i) => d + lo[i] + hi[i]) };
    },
    linear: true, // in x, with the padding value's tangent being zero
    jvp: (t, _, [dx], { lo, hi }) => (dx ? t.pad(dx, lo, hi, 0) : null),
    transpose: (t, ct, _, [x], { lo }) => [t.slice(ct, lo, lo.map((l, i) => l + x.shape[i]))],
  }),
  concat: defineOp({
    summary: "join tensors along an axis",
    attrs: { axis: "int" },
    arity: "variadic",
    class: "movement",
    flopsPerElement: 0,
    infer: (args, { axis }) => {
      const [first] = args;
      const a = normalizeAxis(axis, first.shape.length);
      if (a !== axis) throw new InferError(`axis must be normalised, got ${axis}`);
      let total = 0;
      for (const x of args) {
        const fits = x.dtype === first.dtype && x.shape.length === first.shape.length && x.shape.every((d, i) => i === a || d === first.shape[i]);
        if (!fits) throw new InferError(`operands ${args.map(formatType).join(", ")} differ outside axis ${a}`);
        total += x.shape[a];
      }
      return { dtype: first.dtype, shape: first.shape.map((d, i) => (i === a ? total : d)) };
    },
    linear: true,
    jvp: (t, primals, tangents, { axis }) =>
      tangents.some((d) => d) ? t.concat(tangents.map((d, i) => d ?? t.zerosLike(primals[i])), axis) : null,
    // each operand gets back its own slab of the cotangent
    transpose: (t, ct, args, types, { axis }) => {
      let offset = 0;
      return types.map((ty, i) => {
        const starts = ty.shape.map((_, k) => (k === axis ? offset : 0));
        const ends = ty.shape.map((d, k) => (k === axis ? offset + d : ct.shape[k]));
        offset += ty.shape[axis];
        return args[i] === undefined ? t.slice(ct, starts, ends) : null;
      });
    },
  }),
};
