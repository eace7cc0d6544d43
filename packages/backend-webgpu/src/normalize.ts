/**
 * Gives opaque kernels of ops that have a loop form that form, so one code path runs them:
 * an elementwise or source node becomes an elementwise loop over its shape, a reduction a
 * reduce loop (its operand's access permuted to domain-then-reduce order), a matmul a
 * matmul loop. Kernels that only hold a `constant` are dropped: constants are read from the
 * constants buffer directly. Checks that every store is a member.
 */
import { AdjointError, opDef, type Node, type ValueId } from "@adjoint/ir";
import type { Access, Kernel } from "@adjoint/passes";
import type { ValueInfo } from "./layout";

const permute = (a: Access, order: readonly number[]): Access => ({ ...a, strides: order.map((d) => a.strides[d]) });

function loopFormOf(k: Kernel, node: Node, info: ValueInfo): Kernel | null {
  const shapeOf = (id: ValueId) => info.type(id).shape;
  const def = opDef(node.op);
  const load = (id: ValueId) => {
    const a = k.loads.get(id);
    if (!a) throw new AdjointError(`WebGPU: kernel ${k.id} (${node.op}) has no load for its operand %${id}`);
    return a;
  };
  if (node.op === "constant") return null;
  if (def.class === "elementwise" || node.op === "full" || node.op === "iota") {
    return { ...k, loop: { kind: "elementwise", domain: node.type.shape } };
  }
  if (def.class === "reduction") {
    const x = node.args[0];
    const rank = load(x).strides.length;
    const axes = node.attrs.axes as readonly number[];
    const kept = [...Array(rank).keys()].filter((d) => !axes.includes(d));
    const shape = shapeOf(x);
    const loads = new Map(k.loads);
    loads.set(x, permute(load(x), [...kept, ...axes]));
    return {
      ...k,
      loads,
      loop: { kind: "reduce", domain: kept.map((d) => shape[d]), reduce: axes.map((d) => shape[d]), prologue: [], reducer: node.id, epilogue: [] },
    };
  }
  if (def.class === "contraction") {
    const [x, y] = node.args;
    const a = load(x), b = load(y);
    const r = a.strides.length;
    const shape = node.type.shape;
    const batch = shape.slice(0, -2);
    const m = shape[r - 2], n = shape[r - 1];
    const kk = shapeOf(x)[r - 1];
    const bs = (s: readonly number[]) => s.slice(0, r - 2);
    return {
      ...k,
      loop: {
        kind: "matmul", batch, m, n, k: kk, node: node.id, epilogue: [],
        a: { source: a.source, offset: a.offset, strides: [...bs(a.strides), a.strides[r - 2], 0, a.strides[r - 1]] },
        b: { source: b.source, offset: b.offset, strides: [...bs(b.strides), 0, b.strides[r - 1], b.strides[r - 2]] },
      },
    };
  }
  return k;
}

/** The kernels of a plan in the forms code generation handles, with their schedule steps. */
export function normalizeKernels(kernels: readonly Kernel[], info: ValueInfo): { kernel: Kernel; step: number }[] {
  const out: { kernel: Kernel; step: number }[] = [];
  kernels.forEach((k, step) => {
    let kernel: Kernel | null = k;
    if (k.loop.kind === "opaque") {
      const node = info.node(k.loop.node);
      if (!node) throw new AdjointError(`WebGPU: kernel ${k.id} runs %${k.loop.node}, which is not a node`);
      kernel = loopFormOf(k, node, info);
    }
    if (!kernel) return;
    const computed = new Set<ValueId>(kernel.nodes);
    if (kernel.loop.kind === "reduce") computed.add(kernel.loop.reducer);
    if (kernel.loop.kind === "matmul" || kernel.loop.kind === "opaque") computed.add(kernel.loop.node);
    for (const s of kernel.stores) {
      if (!computed.has(s)) throw new AdjointError(`WebGPU: kernel ${k.id} stores ${info.describe(s)}, which it does not compute`);
    }
    out.push({ kernel, step });
  });
  return out;
}
