/**
 * Plan → one compute shader per kernel, with its bind group layout and dispatch grid.
 * Needs no device: tests read the WGSL text and binding layouts directly.
 */
import { AdjointError, DTYPE_BYTES, numel, type ValueId } from "@adjoint/ir";
import type { Kernel, Plan } from "@adjoint/passes";
import { bindKernel, type KernelBindings } from "./bindings";
import { layoutPlan, ValueInfo, type Layout } from "./layout";
import { DEFAULT_LIMITS, type WebGpuLimits } from "./limits";
import { normalizeKernels } from "./normalize";
import type { BodyContext } from "./wgsl/body";
import { denseStrides } from "./wgsl/index-expr";
import { elementwiseShader } from "./wgsl/elementwise";
import { matmulShader, type MatmulStyle } from "./wgsl/matmul";
import { MemoryAccess } from "./wgsl/memory";
import { assembleShader, type Grid } from "./wgsl/module";
import { opaqueNeedsStatus, opaqueShader } from "./wgsl/opaque";
import type { HelperName } from "./wgsl/prelude";
import { reducePlan, reduceShader, scratchWordsOf } from "./wgsl/reduce";

/** One kernel ready for the device. */
export interface GeneratedKernel {
  readonly kernel: Kernel;
  /** Position in the plan's schedule (its slot in the status buffer). */
  readonly step: number;
  /** The shader and grid of the (first) dispatch. */
  readonly code: string;
  readonly grid: Grid;
  /** Every dispatch of the kernel, in order (two for split reductions), sharing one bind group. */
  readonly dispatches: readonly { readonly code: string; readonly grid: Grid }[];
  readonly bindings: KernelBindings;
  /** Values computed, in the order NaN/Inf flags index them. */
  readonly computed: readonly ValueId[];
}

/** Code for a whole plan, and where its values live. */
export interface GeneratedPlan {
  readonly info: ValueInfo;
  readonly layout: Layout;
  readonly kernels: readonly GeneratedKernel[];
  /** Bytes of status words read back each step: index-error word, bad index, one numerics word per step. */
  readonly statusBytes: number;
  /** Bytes of the status buffer: the status words, then scratch words for split reductions' partials. */
  readonly auxBytes: number;
}

/** Options of code generation. */
export interface CodegenOptions {
  readonly limits?: WebGpuLimits;
  readonly checkNumerics?: boolean;
  /** Matmul loop style (default "gpu": four-wide direct loads where they apply, workgroup-memory tiles elsewhere). */
  readonly matmul?: MatmulStyle;
  /** Generate for a CPU adapter (SwiftShader): reductions without barriers. Default false. */
  readonly cpu?: boolean;
}

/** Number of loop points; a kernel with none is not dispatched. */
function pointCount(k: Kernel, info: ValueInfo): number {
  const loop = k.loop;
  switch (loop.kind) {
    case "elementwise":
      return numel(loop.domain);
    case "reduce":
      return numel(loop.domain);
    case "matmul":
      return numel(loop.batch) * loop.m * loop.n;
    case "opaque":
      return numel(info.type(loop.node).shape);
  }
}

/**
 * A store sharing bytes with a load of the same kernel is safe only when every thread reads
 * exactly the element it then writes (and the body writer emits a point's stores after its
 * loads): an elementwise kernel, or a matmul's epilogue at its output point (never the product
 * itself, which the k loop accumulates, nor an operand read across k); same offset and element
 * size, and a dense access. Anything else races, so the plan is rejected.
 */
function checkAliasing(k: Kernel, layout: Layout, info: ValueInfo): void {
  const loop = k.loop;
  const loads = [...k.loads.values()];
  if (loop.kind === "matmul") loads.push(loop.a, loop.b);
  const points = loop.kind === "elementwise" ? loop.domain : loop.kind === "matmul" ? [...loop.batch, loop.m, loop.n] : undefined;
  const dense = denseStrides(points ?? []);
  for (const s of k.stores) {
    const hs = layout.homes.get(s)!;
    for (const a of loads) {
      const hr = layout.homes.get(a.source)!;
      if (hr.buffer !== hs.buffer || hr.offset >= hs.offset + hs.bytes || hs.offset >= hr.offset + hr.bytes || hr.bytes === 0) continue;
      const operand = loop.kind === "matmul" && (s === loop.node || a === loop.a || a === loop.b);
      const ok =
        points !== undefined && !operand && hr.offset === hs.offset && DTYPE_BYTES[hr.dtype] === DTYPE_BYTES[hs.dtype] &&
        a.offset === 0 && a.strides.length >= points.length && points.every((d, i) => d === 1 || a.strides[i] === dense[i]);
      if (!ok) {
        throw new AdjointError(
          `WebGPU: kernel ${k.id} writes ${info.describe(s)} over bytes it reads as ${info.describe(a.source)} (memory plan in-place reuse), ` +
            `which is only safe for an elementwise kernel or a matmul epilogue reading each element where it writes it`,
        );
      }
    }
  }
}

/** Generates the kernels of `plan`; throws clear errors for plans the device cannot run. */
export function generatePlan(plan: Plan, opts: CodegenOptions = {}): GeneratedPlan {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const info = new ValueInfo(plan.graph);
  const layout = layoutPlan(plan, info, limits);
  const statusWords = 2 + plan.kernels.length;
  const normalized = normalizeKernels(plan.kernels, info);
  let scratchWords = 0;
  for (const { kernel: k } of normalized) {
    if (k.loop.kind !== "reduce") continue;
    const nd = numel(k.loop.domain);
    scratchWords = Math.max(scratchWords, scratchWordsOf(nd, reducePlan(nd, numel(k.loop.reduce), !!opts.cpu)));
  }
  const statusBytes = 4 * statusWords;
  const auxBytes = 4 * (statusWords + scratchWords);
  const kernels: GeneratedKernel[] = [];
  for (const { kernel, step } of normalized) {
    if (pointCount(kernel, info) === 0) continue;
    checkAliasing(kernel, layout, info);
    const loop = kernel.loop;
    const reads: ValueId[] = [...kernel.loads.values()].map((a) => a.source);
    if (loop.kind === "matmul") reads.push(loop.a.source, loop.b.source);
    const opaqueNode = loop.kind === "opaque" ? info.node(loop.node)! : undefined;
    const split = loop.kind === "reduce" && scratchWordsOf(1, reducePlan(numel(loop.domain), numel(loop.reduce), !!opts.cpu)) > 0;
    const needsStatus = !!opts.checkNumerics || split || (opaqueNode !== undefined && opaqueNeedsStatus(opaqueNode));
    const bindings = bindKernel({ id: kernel.id, reads, stores: kernel.stores, needsStatus }, layout, limits, auxBytes);
    const helpers = new Set<HelperName>();
    const memory = new MemoryAccess(bindings);
    const loopNode = loop.kind === "reduce" ? loop.reducer : loop.kind === "elementwise" ? undefined : loop.node;
    const computed = loopNode === undefined || kernel.nodes.includes(loopNode) ? kernel.nodes : [...kernel.nodes, loopNode];
    const ctx: BodyContext = { kernel, step, info, memory, checkNumerics: !!opts.checkNumerics, helpers, computed, local: new Map() };
    const parts =
      loop.kind === "elementwise" ? elementwiseShader(ctx, loop.domain, limits)
      : loop.kind === "reduce" ? reduceShader(ctx, loop, limits, statusWords, !!opts.cpu)
      : loop.kind === "matmul" ? matmulShader(ctx, loop, limits, opts.matmul)
      : opaqueShader(ctx, opaqueNode!, limits);
    // no ids in the text: identical kernels (repeated layers) then share one pipeline
    const title = `${loop.kind} kernel: ${computed.map((id) => info.node(id)!.op).join(", ")}`;
    const dispatches = [parts, ...(parts.next ? [parts.next] : [])].map((p) => ({ code: assembleShader({ ...p, title, memory, helpers }), grid: p.grid }));
    kernels.push({ kernel, step, code: dispatches[0].code, grid: dispatches[0].grid, dispatches, bindings, computed });
  }
  return { info, layout, kernels, statusBytes, auxBytes };
}
