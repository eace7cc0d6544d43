import type { AttrsOf } from "../attrs";
import { DTYPE_BYTES, type TensorType } from "../types";
import { numel } from "../shape";
import { contractionOps, indexOps } from "./contraction";
import { customOps } from "./custom";
import type { Cost, OpDef } from "./def";
import { elementwiseOps } from "./elementwise";
import { movementOps } from "./movement";
import { reduceOps } from "./reduce";
import { sourceOps } from "./source";

/** Every primitive op, defined once. Composites (softmax, layerNorm, ...) live in the tensor API. */
export const ops = {
  ...sourceOps,
  ...elementwiseOps,
  ...reduceOps,
  ...movementOps,
  ...contractionOps,
  ...indexOps,
  ...customOps,
};

export type OpName = keyof typeof ops;
/** The attribute record of op `O`. */
export type OpAttrs<O extends OpName> = AttrsOf<(typeof ops)[O]["attrs"]>;

export const OP_NAMES = Object.keys(ops).sort() as OpName[];

export const isOpName = (name: string): name is OpName => Object.hasOwn(ops, name);

/** The definition of an op, widened for generic code (passes, interpreter, verifier). */
export function opDef(name: string): OpDef {
  if (!isOpName(name)) throw new Error(`unknown op '${name}'; known ops: ${OP_NAMES.join(", ")}`);
  return ops[name] as unknown as OpDef;
}

const bytesOf = (t: TensorType) => numel(t.shape) * DTYPE_BYTES[t.dtype];

/** Estimated flops and bytes moved by one node (no reuse assumed). */
export function costOf(op: string, args: readonly TensorType[], out: TensorType): Cost {
  const def = opDef(op);
  const bytes = args.reduce((s, a) => s + bytesOf(a), bytesOf(out));
  let flops: number;
  if (def.class === "contraction") {
    const k = args[0].shape[args[0].shape.length - 1];
    flops = def.flopsPerElement * numel(out.shape) * k;
  } else if (def.class === "reduction") {
    flops = def.flopsPerElement * numel(args[0].shape);
  } else {
    flops = def.flopsPerElement * numel(out.shape);
  }
  return { flops, bytes };
}

export type { Cost, OpDef, OpClass, JvpRule, TransposeRule } from "./def";
