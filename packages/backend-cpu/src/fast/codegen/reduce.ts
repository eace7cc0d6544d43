import { AdjointError, numel, stridesOf, type Node, type Shape } from "@adjoint/ir";
import type { Kernel, KernelLoop } from "@adjoint/passes";
import type { ArenaLayout } from "../layout";
import { KernelBody } from "./body";
import { roundingPlan } from "./f32-rounding";
import { emitNest, mergeDims, offsetExpr, type Nest } from "./nest";
import { PARALLEL_WORK, checkRank, type GeneratedKernel } from "./pointwise";
import { scalarSnippets, storeRounding } from "./scalar-ops";

type ReduceLoop = Extract<KernelLoop, { kind: "reduce" }>;

/** A one-point reduction split across threads: partial folds over `chunks` ranges, then a combining pass. */
export interface SplitReduce {
  readonly partial: GeneratedKernel;
  readonly finish: GeneratedKernel;
  readonly chunks: number;
}

/**
 * Strides over the loop dims (domain, then reduce) of the reducer's operand in its own
 * row-major layout: how a prologue value is stored or a source node read by flat index.
 * Undefined when the loop's dims are not the operand's kept and reduced axes.
 */
export function operandStrides(reducer: Node, layout: ArenaLayout, domain: Shape, reduce: Shape): number[] | undefined {
  const x = layout.types.get(reducer.args[0]);
  if (!x) return undefined;
  const axes = reducer.attrs.axes as readonly number[];
  const xs = stridesOf(x.shape);
  const kept = x.shape.flatMap((_, i) => (axes.includes(i) ? [] : [i]));
  if (reduce.length !== axes.length || reduce.some((r, i) => r !== x.shape[axes[i]])) return undefined;
  let outer: number[];
  if (domain.length === kept.length && domain.every((d, i) => d === x.shape[kept[i]])) outer = kept.map((k) => xs[k]);
  else if (domain.length === x.shape.length && domain.every((d, i) => d === (axes.includes(i) ? 1 : x.shape[i]))) outer = domain.map((_, i) => (axes.includes(i) ? 0 : xs[i]));
  else return undefined;
  return [...outer, ...axes.map((a) => xs[a])];
}

/**
 * True when the domain is one dim that every prologue stream walks contiguously (or not at
 * all) while some stream steps through memory along the reduce dims: column sums, where the
 * row-major fold would read one strided column at a time.
 */
function columnsContiguous(outer: Nest, inner: Nest, np: number): boolean {
  if (outer.dims.length !== 1 || outer.dims[0] < 8 || np === 0) return false;
  const domainStrides = outer.strides.slice(0, np).map((st) => st[0]);
  const last = inner.dims.length - 1;
  return domainStrides.every((d) => d === 0 || d === 1) && domainStrides.some((d, s) => d === 1 && inner.strides[s][last] !== 1);
}

/**
 * A reduction kernel: for each domain point, the prologue at every reduce point folded by the
 * reducer into a double accumulator (no temporaries), rounded once, then the epilogue.
 * The fold visits reduce points in row-major order, as the interpreter does, so sums agree
 * with it bit for bit; except a large reduction to one point with `threads` > 1, which folds
 * chunks in parallel (max stays exact; a sum is associated differently). With `fastMath`, the
 * prologue and epilogue keep f32 intermediates in doubles where f32-rounding.ts allows: the
 * fold then adds unrounded terms, and the result is still rounded once.
 */
export function reduceKernel(kernel: Kernel, layout: ArenaLayout, loop: ReduceLoop, threads = 1, fastMath = false): GeneratedKernel | SplitReduce {
  const { domain, reduce } = loop;
  const nd = domain.length, nr = reduce.length;
  const reducer = layout.nodes.get(loop.reducer);
  if (!reducer || (reducer.op !== "reduce_sum" && reducer.op !== "reduce_max")) {
    throw new AdjointError(`kernel ${kernel.id}: reducer %${loop.reducer} is ${reducer ? reducer.op : "not a node"}, not reduce_sum or reduce_max`);
  }
  const inner = numel(reduce), outer = numel(domain);
  const xStrides = operandStrides(reducer, layout, domain, reduce);
  const rounding = fastMath ? roundingPlan(layout) : undefined;
  const pro = new KernelBody(layout, kernel, "p", (a) => checkRank(kernel, a, nd + nr, "reduction"), outer * inner, xStrides, rounding);
  for (const id of loop.prologue) pro.compute(id);
  const x = pro.read(reducer.args[0], reducer.id);
  const inPrologue = new Set(loop.prologue);
  for (const id of kernel.stores) {
    if (!inPrologue.has(id)) continue;
    if (!xStrides) throw new AdjointError(`${pro.who(id)}: a prologue value is stored, but the loop dims are not the reduced operand's axes`);
    pro.write(id, xStrides);
  }

  const dense = stridesOf(domain);
  const epi = new KernelBody(layout, kernel, "q", (a) => checkRank(kernel, a, nd, "reduction's domain"), outer, dense, rounding);
  epi.bind(reducer.id, "red");
  for (const id of loop.epilogue) epi.compute(id);
  for (const id of kernel.stores) if (!inPrologue.has(id)) epi.read(id, id);
  for (const id of kernel.stores) if (!inPrologue.has(id)) epi.write(id, dense);

  const outerStreams = [...pro.streams.map((s) => ({ base: s.base, strides: s.strides.slice(0, nd) })), ...epi.streams];
  const outerNest = mergeDims(domain, outerStreams);
  const innerNest = mergeDims(reduce, pro.streams.map((s) => ({ base: 0, strides: s.strides.slice(nd) })));
  const foldOf = (v: string) => (reducer.op === "reduce_sum" ? `acc += ${v};` : `acc = ${scalarSnippets.max(["acc", v])};`);
  const fold = foldOf(x);
  const init = reducer.op === "reduce_sum" ? "0" : "-Infinity";
  const np = pro.streams.length;
  const consts = [`"use strict";`, ...pro.consts, ...epi.consts];
  const work = outer * (inner * (1 + loop.prologue.length) + loop.epilogue.length);
  if (threads > 1 && outer === 1 && work >= PARALLEL_WORK && innerNest.dims[0] > 1) {
    // one output point: threads fold chunks of the reduce loop into partials (doubles in
    // scratch), then one pass combines them in chunk order and runs the epilogue
    const extent = innerNest.dims[0], chunks = Math.min(extent, 4 * threads), per = Math.ceil(extent / chunks), used = Math.ceil(extent / per);
    layout.needScratch(used * 8);
    const slot = layout.scratchBase / 8;
    const at0 = (s: number) => String(outerStreams[s].base);
    const folded = emitNest(innerNest, pro.streams.map((_, s) => at0(s)), "lo", "hi", "r", (at) => `${pro.render(at)}\n${fold}`);
    const partial = [...consts, `const c = Math.floor(lo / ${per});`, `let acc = ${init};`, folded, `D[${slot} + c] = acc;`].join("\n");
    const finish = [...consts, `let acc = ${init};`, `for (let c = 0; c < ${used}; c++) { const part = D[${slot} + c]; ${foldOf("part")} }`,
      `const red = ${storeRounding("acc", reducer.type.dtype)};`, epi.render((s) => at0(np + s))].join("\n");
    return { partial: { source: partial, extent, work }, finish: { source: finish, extent: 1, work: used }, chunks };
  }
  if (columnsContiguous(outerNest, innerNest, np)) {
    // columns: walk rows outside and the contiguous domain dim inside, one double
    // accumulator per column in scratch; each column still folds its rows in order
    const width = outerNest.dims[0];
    layout.needScratch(width * 8);
    const acc = `D[${layout.scratchBase / 8} + oj]`;
    const at = (s: number, base: string) => offsetExpr(base, "oj", outerNest.strides[s][0]);
    const folded = emitNest(innerNest, pro.streams.map((_, s) => String(outerStreams[s].base)), "0", String(innerNest.dims[0]), "r", (atInner) =>
      `for (let oj = lo; oj < hi; oj++) {\nlet acc = ${acc};\n${pro.render((s) => at(s, atInner(s)))}\n${fold}\n${acc} = acc;\n}`);
    const finish = `for (let oj = lo; oj < hi; oj++) {\nconst acc = ${acc};\nconst red = ${storeRounding("acc", reducer.type.dtype)};\n${epi.render((s) => at(np + s, String(outerStreams[np + s].base)))}\n}`;
    return { source: [...consts, `for (let oj = lo; oj < hi; oj++) ${acc} = ${init};`, folded, finish].join("\n"), extent: width, work };
  }
  const loopSrc = emitNest(outerNest, outerStreams.map((s) => String(s.base)), "lo", "hi", "o", (atOuter) => {
    const folded = emitNest(innerNest, pro.streams.map((_, s) => atOuter(s)), "0", String(innerNest.dims[0]), "r", (atInner) => `${pro.render(atInner)}\n${fold}`);
    const result = `const red = ${storeRounding("acc", reducer.type.dtype)};`;
    return [`let acc = ${init};`, folded, result, epi.render((s) => atOuter(np + s))].join("\n");
  });
  return { source: [...consts, loopSrc].join("\n"), extent: outer === 0 ? 0 : outerNest.dims[0], work };
}
