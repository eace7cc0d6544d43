/**
 * Reduction kernels. On GPUs, long reductions run as workgroup tree reductions: one
 * workgroup per domain point, each thread folds a strided share of the reduced points, then
 * a tree in workgroup memory; many short ones run one thread per domain point. On CPU
 * adapters (SwiftShader) barriers are context switches, so every reduction runs one thread
 * per output, and a few long ones split over many threads whose partials a second dispatch
 * folds — no barrier anywhere. The prologue runs per full point, the epilogue once per
 * domain point with the folded value.
 */
import { AdjointError, numel, type Node, type Shape } from "@adjoint/ir";
import type { Access } from "@adjoint/passes";
import type { WebGpuLimits } from "../limits";
import { BodyWriter, type BodyContext } from "./body";
import { WORKGROUP, flatLoop } from "./elementwise";
import { accessIndex, denseStrides } from "./index-expr";
import { WGSL_TYPE } from "./literals";
import { gridFor, type KernelShader } from "./module";
import { combineExpr } from "./ops";

interface ReduceLoop {
  readonly domain: Shape;
  readonly reduce: Shape;
  readonly prologue: readonly number[];
  readonly reducer: number;
  readonly epilogue: readonly number[];
}

/**
 * How a reduction runs: `tree` (a workgroup per output), `serial` (a thread per output), or
 * split over `parts` workgroups (`split-tree`) or threads (`split-serial`) per output, the
 * partials folded by a second dispatch — for a few very long reductions (a full sum), where
 * one workgroup or thread per output would leave all but one core idle.
 */
export type ReducePlan =
  | { readonly kind: "tree" | "serial" }
  | { readonly kind: "split-tree" | "split-serial"; readonly parts: number };

/** The plan for `outputs` reductions of `length` points on a GPU or a CPU adapter. */
export function reducePlan(outputs: number, length: number, cpu: boolean): ReducePlan {
  if (cpu) return outputs <= 64 && length >= 4096 ? { kind: "split-serial", parts: Math.min(4096, Math.ceil(length / 256)) } : { kind: "serial" };
  if (outputs <= 64 && length >= 16384) return { kind: "split-tree", parts: Math.min(256, Math.ceil(length / 4096)) };
  return length >= 64 || (length >= 16 && outputs < 256) ? { kind: "tree" } : { kind: "serial" };
}

/** Scratch words a reduction's partials need (0 when not split). */
export const scratchWordsOf = (outputs: number, plan: ReducePlan): number => (plan.kind === "split-tree" || plan.kind === "split-serial" ? outputs * plan.parts : 0);

/** Threads of a tree: a power of two near the length (no idle half-workgroups), 32 to 256. */
export const treeWidth = (length: number, maxThreads: number): number =>
  Math.min(WORKGROUP, 1 << Math.floor(Math.log2(maxThreads)), Math.max(32, 1 << Math.floor(Math.log2(Math.max(1, length)))));

/** Strides over (domain, reduce) dims giving the row-major index in the reducer's operand. */
function operandStrides(reducer: Node, operand: Shape, loop: ReduceLoop): number[] | undefined {
  const axes = reducer.attrs.axes as readonly number[];
  const xs = denseStrides(operand);
  const kept = operand.map((_, i) => i).filter((i) => !axes.includes(i));
  const reduce = axes.map((a) => xs[a]);
  const sameDims = (dims: readonly number[], shape: Shape) => dims.length === shape.length && dims.every((a, i) => operand[a] === shape[i]);
  if (!sameDims(axes, loop.reduce)) return undefined;
  if (sameDims(kept, loop.domain)) return [...kept.map((a) => xs[a]), ...reduce];
  // keepdims domains list the reduced axes as 1s; their coordinate is always 0
  if (loop.domain.length === operand.length && loop.domain.every((d, i) => (axes.includes(i) ? d === 1 : d === operand[i]))) return [...xs, ...reduce];
  return undefined;
}

/** The shader parts of a reduce kernel. */
export function reduceShader(ctx: BodyContext, loop: ReduceLoop, limits: WebGpuLimits, scratchWord: number, cpu: boolean): KernelShader {
  const { info, kernel } = ctx;
  const reducer = info.node(loop.reducer);
  const lowering = reducer && (reducer.op === "reduce_sum" || reducer.op === "reduce_max") ? reducer.op : undefined;
  if (!reducer || !lowering) throw new AdjointError(`WebGPU: kernel ${kernel.id}: reducer %${loop.reducer} is not a reduce_sum or reduce_max node`);
  const combine = lowering === "reduce_sum" ? "sum" : "max";
  const dtype = reducer.type.dtype;
  const T = WGSL_TYPE[dtype];
  const nd = numel(loop.domain), nr = numel(loop.reduce);
  const operand = info.type(reducer.args[0]).shape;
  const xStrides = operandStrides(reducer, operand, loop);
  const domainIndex = (a: Access) => accessIndex(a.offset, a.strides.slice(0, loop.domain.length), [{ flat: "o", shape: loop.domain }]);
  const fullIndex = (a: Access) => accessIndex(a.offset, a.strides, [{ flat: "o", shape: loop.domain }, { flat: "r", shape: loop.reduce }]);

  const pro = new BodyWriter(ctx, {
    prefix: "p",
    loadIndex: fullIndex,
    ownIndex: (m) => {
      if (!xStrides || numel(m.type.shape) !== nd * nr) {
        throw new AdjointError(`WebGPU: kernel ${kernel.id}: cannot place prologue member %${m.id} (${m.type.shape}) in loop domain [${loop.domain}] x reduce [${loop.reduce}]`);
      }
      return accessIndex(0, xStrides, [{ flat: "o", shape: loop.domain }, { flat: "r", shape: loop.reduce }]);
    },
  }, "    ");
  pro.members(loop.prologue);
  const x = pro.value(reducer.args[0], reducer.id);
  const use = (h: Parameters<typeof ctx.helpers.add>[0]) => ctx.helpers.add(h);
  pro.append(`    acc = ${combineExpr(combine, dtype, "acc", x, use)};`);

  const epi = new BodyWriter(ctx, { prefix: "e", loadIndex: domainIndex, ownIndex: () => "o" }, "    ");
  epi.define(reducer.id, "acc");
  epi.members(loop.epilogue);

  const init = combine === "sum" ? (dtype === "f32" ? "0.0" : "0i") : dtype === "f32" ? "-INF_F32()" : nr === 0 ? "0i" : "bitcast<i32>(0x80000000u)";
  const plan = reducePlan(nd, nr, cpu);
  const partial = (i: string) => `status[${scratchWord}u + ${i}]`;
  if (plan.kind === "split-serial") {
    // thread t of output o folds points t, t + parts, ...; then one thread per output folds the partials
    const first = [`let o = i / ${plan.parts}u;`, `var acc: ${T} = ${init};`, `for (var r = i % ${plan.parts}u; r < ${nr}u; r += ${plan.parts}u) {`,
      ...pro.finish().map((l) => l.slice(2)), `}`, `atomicStore(&${partial("i")}, bitcast<u32>(acc));`];
    const second = [`let o = i;`, `var acc: ${T} = ${init};`, `for (var q = 0u; q < ${plan.parts}u; q++) {`,
      `  acc = ${combineExpr(combine, dtype, "acc", `bitcast<${T}>(atomicLoad(&${partial(`o * ${plan.parts}u + q`)}))`, use)};`, `}`, ...epi.finish().map((l) => l.slice(4))];
    const a = flatLoop(nd * plan.parts, limits, `kernel ${kernel.id}`, first.join("\n"));
    const b = flatLoop(nd, limits, `kernel ${kernel.id}`, second.join("\n"));
    return { workgroupSize: WORKGROUP, grid: a.grid, body: a.text, next: { workgroupSize: WORKGROUP, grid: b.grid, body: b.text } };
  }
  if (plan.kind === "serial") {
    const body = [`let o = i;`, `var acc: ${T} = ${init};`, `for (var r = 0u; r < ${nr}u; r++) {`, ...pro.finish().map((l) => l.slice(2)), `}`, ...epi.finish().map((l) => l.slice(4))].join("\n");
    const { grid, text } = flatLoop(nd, limits, `kernel ${kernel.id}`, body);
    return { workgroupSize: WORKGROUP, grid, body: text };
  }
  const w = treeWidth(nr, limits.maxComputeInvocationsPerWorkgroup);
  const shared = `var<workgroup> red: array<${T}, ${w}>;`;
  const tree = [
    `  red[lid] = acc;`,
    `  workgroupBarrier();`,
    `  for (var s = ${w / 2}u; s > 0u; s = s >> 1u) {`,
    `    if (lid < s) { red[lid] = ${combineExpr(combine, dtype, "red[lid]", "red[lid + s]", use)}; }`,
    `    workgroupBarrier();`,
    `  }`,
  ];
  const finish = [`  if (lid == 0u) {`, `    let acc = red[0];`, ...epi.finish(), `  }`];
  const groups = plan.kind === "split-tree" ? plan.parts : 1;
  if (groups === 1) {
    const body = [`  let o = wg;`, `  var acc: ${T} = ${init};`, `  for (var r = lid; r < ${nr}u; r += ${w}u) {`, ...pro.finish().map((l) => l.slice(2)), `  }`, ...tree, ...finish];
    return { workgroupSize: w, grid: gridFor(nd, limits, `kernel ${kernel.id}`), shared, body: body.join("\n") };
  }
  // split: `groups` workgroups per output fold chunks into partials (in the status buffer's
  // scratch words), then one workgroup per output folds the partials and runs the epilogue
  const chunk = Math.ceil(nr / groups);
  const first = [
    `  let o = wg / ${groups}u;`,
    `  let r1 = min((wg % ${groups}u + 1u) * ${chunk}u, ${nr}u);`,
    `  var acc: ${T} = ${init};`,
    `  for (var r = (wg % ${groups}u) * ${chunk}u + lid; r < r1; r += ${w}u) {`,
    ...pro.finish().map((l) => l.slice(2)),
    `  }`,
    ...tree,
    `  if (lid == 0u) { atomicStore(&${partial("wg")}, bitcast<u32>(red[0])); }`,
  ];
  const second = [
    `  let o = wg;`,
    `  var acc: ${T} = ${init};`,
    `  for (var q = lid; q < ${groups}u; q += ${w}u) {`,
    `    acc = ${combineExpr(combine, dtype, "acc", `bitcast<${T}>(atomicLoad(&${partial(`o * ${groups}u + q`)}))`, use)};`,
    `  }`,
    ...tree,
    ...finish,
  ];
  return {
    workgroupSize: w, grid: gridFor(nd * groups, limits, `kernel ${kernel.id}`), shared, body: first.join("\n"),
    next: { workgroupSize: w, grid: gridFor(nd, limits, `kernel ${kernel.id}`), shared, body: second.join("\n") },
  };
}
