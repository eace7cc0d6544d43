/**
 * Which fused kernels run as wasm SIMD under `fastMath`, and what they compute, as a small
 * program (simd-emit.ts writes the wasm). A kernel qualifies when it is
 *
 * - elementwise, a reduce_sum / reduce_max, or a matmul's epilogue (after the GEMM, over its output);
 * - every memory access walks its innermost loop contiguously (stride 1) or not at all (a
 *   broadcast, stride 0) once dims that walk memory together are merged (nest.ts), with at most
 *   one outer loop (rows) of any stride around it: an elementwise domain of ≤ 2 merged dims; a
 *   reduction's domain of ≤ 1 merged dim (one accumulator per row) and its reduced dims of 1,
 *   or of ≤ 2 when the domain is one point (then every row folds into the one accumulator);
 * - f32 values only, plus bools computed in the kernel (comparisons, `where`, casts), held as
 *   lane masks; and every op in `SIMD_OPS`.
 *
 * Anything else keeps its generated JavaScript loop.
 */
import { numel, stridesOf, type Node, type Shape, type ValueId } from "@adjoint/ir";
import type { Access, Kernel } from "@adjoint/passes";
import type { ArenaLayout } from "../layout";
import { mergeDims } from "../codegen/nest";
import { operandStrides } from "../codegen/reduce";
import type { MatmulEpilogue } from "../step";

/** The f32 (and mask) ops a SIMD kernel can compute. */
export const SIMD_OPS = new Set([
  "add", "sub", "mul", "div", "neg", "abs", "max", "min", "sqrt", "rsqrt", "reciprocal", "exp", "log", "sin", "cos", "tanh",
  "sigmoid", "relu", "sign", "stop_gradient", "eq", "ne", "lt", "le", "gt", "ge", "where", "cast",
]);

/** One memory access: f32 element `elem + o·outer + i·inner` at outer point o, inner point i. */
export interface SimdStream {
  readonly elem: number;
  readonly outer: number;
  /** 1: contiguous along the inner loop; 0: the same element (loaded once per outer point). */
  readonly inner: 0 | 1;
}

/** A value of a phase: a load, a literal (f32 or mask), an op on earlier values, or the reducer's result. */
export type SimdVal =
  | { readonly kind: "load"; readonly stream: number }
  | { readonly kind: "lit"; readonly value: number; readonly mask: boolean }
  | { readonly kind: "op"; readonly node: Node; readonly args: readonly number[] }
  | { readonly kind: "reduced" };

/** Values computed at each point of a loop, then stores. */
export interface SimdPhase {
  readonly vals: readonly SimdVal[];
  readonly stores: readonly { readonly stream: number; readonly val: number }[];
}

/** A kernel as a SIMD program: `body` at each of outer × inner points, then (reduce) the fold and `epilogue` per outer point. */
export interface SimdProgram {
  readonly kernel: number;
  readonly outer: number;
  readonly inner: number;
  readonly streams: readonly SimdStream[];
  readonly body: SimdPhase;
  readonly fold?: { readonly op: "sum" | "max"; readonly val: number };
  readonly epilogue?: SimdPhase;
  /** A one-point reduction whose reduced dims form two loops: the outer loop walks reduce rows into one accumulator. */
  readonly foldRows?: boolean;
  /** The function's (lo, hi) range is of inner points (a one-row elementwise kernel), else of outer points. */
  readonly splitInner: boolean;
  /** Points of the range [0, extent) the function is called with: what a JavaScript loop of the same nest splits. */
  readonly extent: number;
}

/** Thrown (and caught in `simdProgram`) where a kernel does not qualify. */
class NotSimd extends Error {}
const no = (why: string): never => {
  throw new NotSimd(why);
};

const COMPARISONS = new Set(["eq", "ne", "lt", "le", "gt", "ge"]);
const MOVEMENT = new Set(["broadcast", "reshape", "transpose", "slice", "custom_vjp"]);

/** Builds one phase's values, mirroring KernelBody's rules for what a member reads. */
class PhaseBuilder {
  readonly vals: SimdVal[] = [];
  readonly stores: { stream: number; val: number }[] = [];
  private readonly names = new Map<ValueId, number>();
  /** Each stream's element base and strides over this phase's loop dims (merged later). */
  constructor(
    private readonly layout: ArenaLayout,
    private readonly kernel: Kernel,
    private readonly raw: { elem: number; strides: readonly number[] }[],
    private readonly rank: number,
  ) {}

  private push(v: SimdVal): number {
    this.vals.push(v);
    return this.vals.length - 1;
  }
  private stream(elem: number, strides: readonly number[]): number {
    this.raw.push({ elem, strides });
    return this.raw.length - 1;
  }
  bind(id: ValueId, v: SimdVal): void {
    this.names.set(id, this.push(v));
  }
  /** `id` read from f32 element `elem` with `strides` over the loop dims (a value no access describes). */
  bindLoad(id: ValueId, elem: number, strides: readonly number[]): void {
    this.bind(id, { kind: "load", stream: this.stream(elem, strides) });
  }
  isMask(id: ValueId): boolean {
    return this.layout.types.get(id)?.dtype === "bool";
  }

  value(id: ValueId): number {
    const known = this.names.get(id);
    if (known !== undefined) return known;
    const access = this.kernel.loads.get(id);
    if (access) return this.load(id, access);
    const lit = this.literalOf(id);
    if (lit) {
      const dtype = this.layout.types.get(id)?.dtype;
      if (dtype === "i32") no("an i32 literal");
      const v = this.push({ kind: "lit", value: dtype === "bool" ? (lit !== 0 ? 1 : 0) : Math.fround(lit), mask: dtype === "bool" });
      this.names.set(id, v);
      return v;
    }
    return no(`%${id} is neither loaded, computed nor a literal`);
  }

  private load(id: ValueId, access: Access): number {
    const src = this.layout.loc(access.source, `kernel ${this.kernel.id}`);
    if (src.dtype !== "f32") no(`a ${src.dtype} load`);
    if (access.strides.length < this.rank) no("an access of lower rank");
    const v = this.push({ kind: "load", stream: this.stream(src.elem + access.offset, access.strides.slice(0, this.rank)) });
    this.names.set(id, v);
    return v;
  }

  private literalOf(id: ValueId): number | undefined {
    for (let n = this.layout.nodes.get(id); n; ) {
      if (n.op === "full") return n.attrs.value as number;
      if (n.op === "constant" && numel(n.type.shape) === 1) return (n.attrs.value as readonly number[])[0];
      if (!MOVEMENT.has(n.op)) return undefined;
      n = this.layout.nodes.get(n.args[n.args.length - 1]);
    }
    return undefined;
  }

  compute(id: ValueId): void {
    if (this.kernel.loads.has(id)) return void this.value(id);
    const node = this.layout.nodes.get(id) ?? no(`member %${id} is no node`);
    if (node.type.dtype === "i32") no("an i32 value");
    if (SIMD_OPS.has(node.op)) {
      const args = node.args.map((a) => this.value(a));
      const types = node.args.map((a) => this.layout.types.get(a)?.dtype);
      if (types.includes("i32")) no(`${node.op} of an i32`);
      if (node.op === "where" && types[0] !== "bool") no("where on a non-bool condition");
      if (COMPARISONS.has(node.op) && types.includes("bool")) no(`${node.op} of bools`);
      return void this.names.set(id, this.push({ kind: "op", node, args }));
    }
    const arg = node.args[node.op === "custom_vjp" ? node.args.length - 1 : 0];
    const argCount = numel(this.layout.types.get(arg)?.shape ?? [NaN]);
    const passes = argCount === numel(node.type.shape) || (node.op === "broadcast" && argCount === 1);
    if (passes && (node.op === "reshape" || node.op === "broadcast" || node.op === "custom_vjp")) return void this.names.set(id, this.value(arg));
    if (node.op === "full" || node.op === "constant") return void this.value(id);
    no(`op ${node.op}`);
  }

  write(id: ValueId, strides: readonly number[], points: number): void {
    const loc = this.layout.loc(id, `kernel ${this.kernel.id}`);
    if (loc.dtype !== "f32") no(`a ${loc.dtype} store`);
    if (loc.numel !== points) no("a store of another size");
    this.stores.push({ stream: this.stream(loc.elem, strides), val: this.value(id) });
  }
}

/** Merged nest of `dims` over the streams: [outer, inner] sizes and per-stream [outer, inner] strides, or no. */
function twoLevel(dims: Shape, streams: readonly { strides: readonly number[] }[], maxRank: number): { sizes: number[]; strides: number[][] } {
  const nest = mergeDims(dims, streams.map((s) => ({ base: 0, strides: s.strides })));
  if (nest.dims.length > maxRank) no(`a ${nest.dims.length}-dim nest`);
  // wasm addresses are unsigned: a row offset below the base would not wrap back
  if (nest.strides.some((st) => st.some((x) => x < 0))) no("a negative stride");
  const pad = maxRank - nest.dims.length;
  return { sizes: [...new Array<number>(pad).fill(1), ...nest.dims], strides: nest.strides.map((st) => [...new Array<number>(pad).fill(0), ...st]) };
}

const contiguous = (s: number): 0 | 1 => (s === 0 || s === 1 ? s : no(`an inner stride of ${s}`));

/** `members` at every point of `domain`, then `stores`; `product` (a matmul epilogue's) is read densely from its element. */
function elementwiseProgram(
  kernel: Kernel, layout: ArenaLayout, domain: Shape, members: readonly ValueId[], stores: readonly ValueId[],
  product?: { readonly id: ValueId; readonly elem: number },
): SimdProgram {
  const raw: { elem: number; strides: readonly number[] }[] = [];
  const body = new PhaseBuilder(layout, kernel, raw, domain.length);
  if (product) body.bindLoad(product.id, product.elem, stridesOf(domain));
  for (const id of members) body.compute(id);
  for (const id of stores) body.write(id, stridesOf(domain), numel(domain));
  const { sizes, strides } = twoLevel(domain, raw, 2);
  const streams = raw.map((r, s) => ({ elem: r.elem, outer: strides[s][0], inner: contiguous(strides[s][1]) }));
  checkStores(body, streams, sizes[1]);
  const splitInner = sizes[0] === 1;
  return { kernel: kernel.id, outer: sizes[0], inner: sizes[1], streams, body, splitInner, extent: splitInner ? sizes[1] : sizes[0] };
}

function reduceProgram(kernel: Kernel, layout: ArenaLayout, loop: Extract<Kernel["loop"], { kind: "reduce" }>): SimdProgram {
  const { domain, reduce } = loop, nd = domain.length;
  const reducer = layout.nodes.get(loop.reducer) ?? no("no reducer");
  if (reducer.op !== "reduce_sum" && reducer.op !== "reduce_max") no(`reducer ${reducer.op}`);
  if (reducer.type.dtype !== "f32") no("a non-f32 reduction");
  const rawBody: { elem: number; strides: readonly number[] }[] = [];
  const body = new PhaseBuilder(layout, kernel, rawBody, nd + reduce.length);
  for (const id of loop.prologue) body.compute(id);
  const x = body.value(reducer.args[0]);
  if (body.isMask(reducer.args[0])) no("a reduction of bools");
  const inPrologue = new Set(loop.prologue);
  const xStrides = operandStrides(reducer, layout, domain, reduce);
  for (const id of kernel.stores) if (inPrologue.has(id)) body.write(id, xStrides ?? no("a prologue store without the operand's layout"), numel(domain) * numel(reduce));
  const rawEpi: { elem: number; strides: readonly number[] }[] = [];
  const epi = new PhaseBuilder(layout, kernel, rawEpi, nd);
  epi.bind(reducer.id, { kind: "reduced" });
  for (const id of loop.epilogue) epi.compute(id);
  for (const id of kernel.stores) if (!inPrologue.has(id)) epi.write(id, stridesOf(domain), numel(domain));
  // one outer loop over the domain (every stream's domain strides merge), one contiguous inner run
  const outerNest = twoLevel(domain, [...rawBody.map((r) => ({ strides: r.strides.slice(0, nd) })), ...rawEpi], 1);
  // one output point: the reduce dims may form two loops (rows of a broadcast), folded into one accumulator
  const foldRows = numel(domain) === 1;
  const innerNest = twoLevel(reduce, rawBody.map((r) => ({ strides: r.strides.slice(nd) })), foldRows ? 2 : 1);
  const nb = rawBody.length;
  const last = innerNest.sizes.length - 1;
  const outerOf = (s: number) => (foldRows ? innerNest.strides[s][0] : outerNest.strides[s][0]);
  const streams = [
    ...rawBody.map((r, s) => ({ elem: r.elem, outer: outerOf(s), inner: contiguous(innerNest.strides[s][last]) })),
    ...rawEpi.map((r, s) => ({ elem: r.elem, outer: foldRows ? 0 : outerNest.strides[nb + s][0], inner: 0 as const })),
  ];
  const shift = (p: SimdPhase): SimdPhase => ({
    vals: p.vals.map((v) => (v.kind === "load" ? { ...v, stream: v.stream + nb } : v)),
    stores: p.stores.map((st) => ({ ...st, stream: st.stream + nb })),
  });
  checkStores(body, streams, innerNest.sizes[last]);
  const fold = { op: reducer.op === "reduce_sum" ? ("sum" as const) : ("max" as const), val: x };
  const outer = foldRows ? innerNest.sizes[0] : outerNest.sizes[0];
  return { kernel: kernel.id, outer, inner: innerNest.sizes[last], streams, body, fold, epilogue: shift(epi), splitInner: false, extent: outer, foldRows };
}

/** A store along the inner loop must be contiguous (a stride-0 store would write one element from every lane). */
function checkStores(body: PhaseBuilder, streams: readonly SimdStream[], inner: number): void {
  if (inner > 1 && body.stores.some((st) => streams[st.stream].inner !== 1)) no("a store that does not walk the inner loop");
}

/**
 * The kernel as a SIMD program, or the reason it keeps its JavaScript loop. A matmul kernel's
 * program is its epilogue (`epilogue`, from matmul.ts), run after the GEMM.
 */
export function simdProgram(kernel: Kernel, layout: ArenaLayout, epilogue?: MatmulEpilogue): SimdProgram | { readonly reason: string } {
  try {
    if (epilogue) {
      if (layout.types.get(epilogue.product)?.dtype !== "f32") return { reason: "an integer matmul" };
      return elementwiseProgram(kernel, layout, epilogue.dims, epilogue.members, epilogue.stores, { id: epilogue.product, elem: epilogue.productElem });
    }
    const loop = kernel.loop;
    if (loop.kind === "elementwise") return elementwiseProgram(kernel, layout, loop.domain, kernel.nodes, kernel.stores);
    if (loop.kind === "reduce") return reduceProgram(kernel, layout, loop);
    return { reason: `a ${loop.kind} kernel` };
  } catch (e) {
    if (e instanceof NotSimd) return { reason: e.message };
    throw e;
  }
}
