// Plans built by hand for the WebGPU tests, until fusion lands: one kernel per node in the
// loop form of its op class (elementwise / reduce / matmul / opaque), with broadcast,
// transpose, slice and contiguous reshape folded into strided loads, and a bump-allocated
// arena (no reuse) or the real scheduler + memory planner (reuse).
import { DTYPE_BYTES, numel, opDef, stridesOf, type Graph, type Node, type ValueId } from "@adjoint/ir";
import type { Access, Kernel, KernelGraph, MemoryPlan, Plan } from "@adjoint/passes";

type View = Access;

const dense = (source: ValueId, shape: readonly number[]): View => ({ source, offset: 0, strides: stridesOf(shape) });
const isDense = (v: View, shape: readonly number[]) => v.offset === 0 && stridesOf(shape).every((s, d) => s === v.strides[d] || shape[d] === 1);

/** The strided view a folded movement node gives of its operand's view, or undefined if it must run. */
function foldView(n: Node, arg: View, argShape: readonly number[]): View | undefined {
  const a = n.attrs;
  switch (n.op) {
    case "broadcast": {
      const out = n.type.shape, lead = out.length - argShape.length;
      return { ...arg, strides: out.map((d, i) => (i < lead || (argShape[i - lead] === 1 && d !== 1) ? 0 : arg.strides[i - lead])) };
    }
    case "transpose":
      return { ...arg, strides: (a.perm as number[]).map((p) => arg.strides[p]) };
    case "slice":
      return { ...arg, offset: arg.offset + (a.starts as number[]).reduce((o, s, d) => o + s * arg.strides[d], 0) };
    case "reshape":
      return isDense(arg, argShape) ? { ...arg, strides: stridesOf(n.type.shape) } : undefined;
    default:
      return undefined;
  }
}

/** One loop-form kernel per node; movement nodes folded into loads when `fold` (default true). */
export function loopKernels(graph: Graph, opts: { fold?: boolean } = {}): KernelGraph {
  const fold = opts.fold ?? true;
  const shapes = new Map<ValueId, readonly number[]>();
  const views = new Map<ValueId, View>();
  for (const i of graph.inputs) (shapes.set(i.id, i.type.shape), views.set(i.id, dense(i.id, i.type.shape)));
  const outputs = new Set(graph.outputs);
  const kernels: Kernel[] = [];
  for (const n of graph.nodes) {
    shapes.set(n.id, n.type.shape);
    if (n.op === "constant") {
      views.set(n.id, dense(n.id, n.type.shape));
      continue;
    }
    if (fold && !outputs.has(n.id)) {
      const v = opDef(n.op).class === "movement" ? foldView(n, views.get(n.args[0])!, shapes.get(n.args[0])!) : undefined;
      if (v) {
        views.set(n.id, v);
        continue;
      }
    }
    views.set(n.id, dense(n.id, n.type.shape));
    const loads = new Map<ValueId, Access>();
    for (const a of n.args) loads.set(a, views.get(a)!);
    const base = { id: kernels.length, nodes: [n.id], stores: [n.id] };
    const cls = opDef(n.op).class;
    if (cls === "elementwise" || n.op === "full" || n.op === "iota") {
      kernels.push({ ...base, loads, loop: { kind: "elementwise", domain: n.type.shape } });
    } else if (cls === "reduction") {
      const x = n.args[0], xs = shapes.get(x)!, axes = n.attrs.axes as number[];
      const kept = xs.map((_, d) => d).filter((d) => !axes.includes(d));
      const v = views.get(x)!;
      loads.set(x, { ...v, strides: [...kept, ...axes].map((d) => v.strides[d]) });
      kernels.push({ ...base, loads, loop: { kind: "reduce", domain: kept.map((d) => xs[d]), reduce: axes.map((d) => xs[d]), prologue: [], reducer: n.id, epilogue: [] } });
    } else if (cls === "contraction") {
      const [x, y] = n.args, r = n.type.shape.length;
      const a = views.get(x)!, b = views.get(y)!;
      const batch = n.type.shape.slice(0, -2);
      kernels.push({
        ...base,
        nodes: [n.id],
        loads: new Map(),
        loop: {
          kind: "matmul", batch, m: n.type.shape[r - 2], n: n.type.shape[r - 1], k: shapes.get(x)![r - 1], node: n.id, epilogue: [],
          a: { ...a, strides: [...a.strides.slice(0, -2), a.strides[r - 2], 0, a.strides[r - 1]] },
          b: { ...b, strides: [...b.strides.slice(0, -2), 0, b.strides[r - 1], b.strides[r - 2]] },
        },
      });
    } else {
      kernels.push({ ...base, loads, loop: { kind: "opaque", node: n.id } });
    }
  }
  return { graph, kernels };
}

/** Every store gets its own arena range (no reuse), `alignment`-aligned. */
export function bumpPlan(kg: KernelGraph, alignment = 256): Plan {
  const types = new Map(kg.graph.nodes.map((n) => [n.id, n.type]));
  const buffers = new Map<ValueId, MemoryPlan["buffers"] extends ReadonlyMap<ValueId, infer S> ? S : never>();
  let end = 0;
  kg.kernels.forEach((k, step) => {
    for (const v of k.stores) {
      const t = types.get(v)!;
      const bytes = numel(t.shape) * DTYPE_BYTES[t.dtype];
      const offset = Math.ceil(end / alignment) * alignment;
      buffers.set(v, { value: v, offset, bytes, firstStep: step, lastStep: kg.kernels.length - 1 });
      end = offset + bytes;
    }
  });
  const memory: MemoryPlan = { buffers, arenaBytes: end, lowerBound: end, timeline: [], inputBytes: 0, alignment };
  return { graph: kg.graph, kernels: kg.kernels, memory };
}

/** Loop kernels scheduled and memory-planned by the real passes (values share arena space). */
export async function reusePlan(graph: Graph, alignment = 256): Promise<Plan> {
  // loaded on demand, so files that do not need the planner do not load all of passes
  const { planKernels } = await import("@adjoint/passes");
  return planKernels(loopKernels(graph), { alignment });
}

/** Loop kernels with a bump arena. */
export const simplePlan = (graph: Graph, opts: { fold?: boolean; alignment?: number } = {}): Plan => bumpPlan(loopKernels(graph, opts), opts.alignment);
