// A stand-in for fusion + scheduling + memory planning, so the CPU backend can be tested on
// whole graphs on its own: one kernel per node in graph order (structured loops where the
// node is an elementwise op, a reduction, a matmul or a foldable movement; opaque otherwise),
// and an arena where values either never share memory or reuse freed blocks first-fit.
import { DTYPE_BYTES, numel, stridesOf, type Graph, type Node, type Shape, type ValueId } from "@adjoint/ir";
import type { Access, ArenaSlot, Kernel, KernelLoop, Plan } from "@adjoint/passes";

export interface NaivePlanOptions {
  /** Every node as an opaque kernel (exercises the backend's own rewriting). Default false. */
  readonly opaque?: boolean;
  /** Reuse the blocks of values no later kernel reads (first fit). Default false: a bump arena. */
  readonly reuse?: boolean;
  readonly alignment?: number;
}

const ELEMENTWISE = new Set(["neg", "abs", "sign", "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "sqrt", "rsqrt", "reciprocal",
  "add", "sub", "mul", "div", "pow", "max", "min", "eq", "ne", "lt", "le", "gt", "ge", "where", "cast", "stop_gradient"]);

const dense = (source: ValueId, shape: Shape): Access => ({ source, strides: stridesOf(shape), offset: 0 });

/** The loop and loads of one node as a structured kernel, or undefined for an opaque one. */
function structured(n: Node, shapeOf: (v: ValueId) => Shape): { loop: KernelLoop; loads: [ValueId, Access][] } | undefined {
  const x = n.args.length ? shapeOf(n.args[0]) : [];
  const xs = stridesOf(x);
  const out = n.type.shape;
  if (ELEMENTWISE.has(n.op)) return { loop: { kind: "elementwise", domain: out }, loads: n.args.map((a) => [a, dense(a, shapeOf(a))]) };
  const view = (strides: number[], offset = 0) => ({ loop: { kind: "elementwise" as const, domain: out }, loads: [[n.id, { source: n.args[0], strides, offset }]] as [ValueId, Access][] });
  switch (n.op) {
    case "transpose":
      return view((n.attrs.perm as number[]).map((p) => xs[p]));
    case "slice":
      return view(xs, (n.attrs.starts as number[]).reduce((s, st, i) => s + st * xs[i], 0));
    case "reshape":
      return view(stridesOf(out));
    case "broadcast": {
      const lead = out.length - x.length;
      return view(out.map((d, i) => (i < lead || x[i - lead] !== d ? 0 : xs[i - lead])));
    }
    case "reduce_sum":
    case "reduce_max": {
      const axes = n.attrs.axes as number[];
      const domainAxes = n.attrs.keepdims ? x.map((_, i) => (axes.includes(i) ? -1 : i)) : x.flatMap((_, i) => (axes.includes(i) ? [] : [i]));
      const strides = [...domainAxes.map((a) => (a < 0 ? 0 : xs[a])), ...axes.map((a) => xs[a])];
      const loop: KernelLoop = { kind: "reduce", domain: out, reduce: axes.map((a) => x[a]), prologue: [], reducer: n.id, epilogue: [] };
      return { loop, loads: [[n.args[0], { source: n.args[0], strides, offset: 0 }]] };
    }
    case "matmul": {
      const r = x.length, bs = stridesOf(shapeOf(n.args[1]));
      const a = { source: n.args[0], offset: 0, strides: [...xs.slice(0, r - 2), xs[r - 2], 0, xs[r - 1]] };
      const b = { source: n.args[1], offset: 0, strides: [...bs.slice(0, r - 2), 0, bs[r - 1], bs[r - 2]] };
      return { loop: { kind: "matmul", batch: out.slice(0, r - 2), m: out[r - 2], n: out[r - 1], k: x[r - 1], node: n.id, a, b, epilogue: [] }, loads: [] };
    }
  }
  return undefined;
}

/** One kernel per node (constants excepted: they are data), in graph order. */
export function naiveKernels(graph: Graph, opaque = false): Kernel[] {
  const shapes = new Map<ValueId, Shape>();
  for (const i of graph.inputs) shapes.set(i.id, i.type.shape);
  for (const n of graph.nodes) shapes.set(n.id, n.type.shape);
  const shapeOf = (v: ValueId) => shapes.get(v)!;
  const kernels: Kernel[] = [];
  for (const n of graph.nodes) {
    if (n.op === "constant") continue;
    const s = opaque ? undefined : structured(n, shapeOf);
    const loop: KernelLoop = s?.loop ?? { kind: "opaque", node: n.id };
    const loads = new Map(s?.loads ?? n.args.map((a) => [a, dense(a, shapeOf(a))] as [ValueId, Access]));
    kernels.push({ id: kernels.length, loop, nodes: [n.id], loads, stores: [n.id] });
  }
  return kernels;
}

/** A memory plan for `kernels` run in order: every stored value gets a block of the arena. */
export function naiveMemory(graph: Graph, kernels: readonly Kernel[], reuse: boolean, alignment = 64): Plan["memory"] {
  const bytes = new Map<ValueId, number>();
  for (const n of graph.nodes) bytes.set(n.id, Math.max(1, numel(n.type.shape) * DTYPE_BYTES[n.type.dtype]));
  const last = new Map<ValueId, number>();
  kernels.forEach((k, s) => {
    const reads = [...[...k.loads.values()].map((a) => a.source), ...(k.loop.kind === "matmul" ? [k.loop.a.source, k.loop.b.source] : [])];
    for (const v of reads) last.set(v, s);
  });
  for (const o of graph.outputs) last.set(o, kernels.length);
  const buffers = new Map<ValueId, ArenaSlot>();
  const dying: ArenaSlot[][] = kernels.map(() => []);
  const free: { offset: number; bytes: number }[] = [];
  let end = 0;
  const up = (b: number) => Math.ceil(b / alignment) * alignment;
  kernels.forEach((k, s) => {
    for (const v of k.stores) {
      const size = up(bytes.get(v)!);
      const hole = reuse ? free.findIndex((f) => f.bytes >= size) : -1;
      let offset: number;
      if (hole >= 0) {
        offset = free[hole].offset;
        free[hole] = { offset: offset + size, bytes: free[hole].bytes - size };
      } else (offset = end), (end += size);
      const slot = { value: v, offset, bytes: bytes.get(v)!, firstStep: s, lastStep: last.get(v) ?? s };
      buffers.set(v, slot);
      if (slot.lastStep < kernels.length) dying[slot.lastStep].push(slot);
    }
    // blocks whose last reader is this step become free for the next steps' stores
    for (const slot of dying[s]) free.push({ offset: slot.offset, bytes: up(slot.bytes) });
  });
  const inputBytes = graph.inputs.reduce((t, i) => t + numel(i.type.shape) * DTYPE_BYTES[i.type.dtype], 0);
  return { buffers, arenaBytes: end, lowerBound: 0, timeline: [], inputBytes, alignment };
}

/** One kernel per node and a naive arena: a complete Plan for any graph. */
export function naivePlan(graph: Graph, opts: NaivePlanOptions = {}): Plan {
  const kernels = naiveKernels(graph, opts.opaque ?? false);
  return { graph, kernels, memory: naiveMemory(graph, kernels, opts.reuse ?? false, opts.alignment) };
}
