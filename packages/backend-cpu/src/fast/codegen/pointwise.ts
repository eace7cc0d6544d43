import { AdjointError, formatShape, numel, stridesOf, type Shape, type ValueId } from "@adjoint/ir";
import type { Access, Kernel } from "@adjoint/passes";
import type { ArenaLayout, ValueLoc } from "../layout";
import { KernelBody } from "./body";
import { roundingPlan } from "./f32-rounding";
import { emitNest, mergeDims } from "./nest";

/**
 * A generated kernel: the body of `function (F, I, U, D, lo, hi)` over the arena-wide views
 * (f32, i32, bool/u8, f64 scratch). It runs points [lo, hi) of its outermost loop; `extent`
 * is hi for the whole kernel, so a caller may split [0, extent) between threads.
 */
export interface GeneratedKernel {
  readonly source: string;
  readonly extent: number;
  /** Rough cost of the whole kernel in "simple operations", for the threading decision. */
  readonly work: number;
}

/** Work (points × ops) below which splitting a loop across threads costs more than it saves. */
export const PARALLEL_WORK = 1 << 18;

/** What a pointwise loop computes: members at every point of `dims`, then stores. */
export interface PointwiseSpec {
  readonly kernel: Kernel;
  readonly layout: ArenaLayout;
  readonly dims: Shape;
  readonly members: readonly ValueId[];
  readonly stores: readonly ValueId[];
  /** An access's strides over `dims` (a matmul epilogue drops the k stride, for instance). */
  readonly loadStrides?: (access: Access) => readonly number[];
  /** Extra stores into views of other values (pad and concat write their operands into slabs). */
  readonly views?: readonly { readonly id: ValueId; readonly loc: ValueLoc; readonly strides: readonly number[]; readonly offset: number }[];
  /** Binds values computed elsewhere (a matmul's result) before members run. */
  readonly prebind?: (body: KernelBody, dense: readonly number[]) => void;
  /** Keep f32 intermediates in doubles where f32-rounding.ts allows (CpuOptions.fastMath). Default false. */
  readonly fastMath?: boolean;
}

/** Checks an access has one stride per loop dim. */
export function checkRank(kernel: Kernel, access: Access, rank: number, what: string): readonly number[] {
  if (access.strides.length < rank) {
    throw new AdjointError(`kernel ${kernel.id}: the access of %${access.source} has strides ${formatShape(access.strides)}, but the ${what} has ${rank} loop dims`);
  }
  return access.strides.length === rank ? access.strides : access.strides.slice(0, rank);
}

/** Source of a loop that computes `members` at every point of `dims` and stores `stores` densely. */
export function pointwiseKernel(spec: PointwiseSpec): GeneratedKernel {
  const { kernel, layout, dims } = spec;
  const dense = stridesOf(dims);
  const points = numel(dims);
  const strides = spec.loadStrides ?? ((a: Access) => checkRank(kernel, a, dims.length, "elementwise loop"));
  const body = new KernelBody(layout, kernel, "", strides, points, dense, spec.fastMath ? roundingPlan(layout) : undefined);
  spec.prebind?.(body, dense);
  for (const id of spec.members) body.compute(id);
  // every value is read before any is written, so a store placed over a load (in place) is safe
  for (const id of spec.stores) body.read(id, id);
  for (const v of spec.views ?? []) body.read(v.id, v.id);
  for (const id of spec.stores) body.write(id, dense);
  for (const v of spec.views ?? []) body.writeView(v.id, v.loc, v.strides, v.offset);
  const nest = mergeDims(dims, body.streams);
  const loop = emitNest(nest, body.streams.map((s) => String(s.base)), "lo", "hi", "e", (at) => body.render(at));
  return {
    source: [`"use strict";`, ...body.consts, loop].join("\n"),
    extent: points === 0 ? 0 : nest.dims[0],
    work: points * (1 + spec.members.length),
  };
}

/** An elementwise kernel: every member at every point of its domain (`fastMath`: see PointwiseSpec). */
export function elementwiseKernel(kernel: Kernel, layout: ArenaLayout, domain: Shape, fastMath = false): GeneratedKernel {
  return pointwiseKernel({ kernel, layout, dims: domain, members: kernel.nodes, stores: kernel.stores, fastMath });
}
