import { AdjointError, formatType, normalizeAxis, numel, sameShape, stridesOf, type Graph, type HostTensor, type ValueId } from "@adjoint/ir";
import type { Plan } from "@adjoint/passes";
import type { ArenaLayout, ValueLoc } from "./layout";

/** The arena-wide views. */
export interface Views {
  readonly F: Float32Array;
  readonly I: Int32Array;
  readonly U: Uint8Array;
  readonly D: Float64Array;
}

const arrayOf = (v: Views, loc: ValueLoc) => (loc.dtype === "f32" ? v.F : loc.dtype === "i32" ? v.I : v.U);
const SOURCES = new Set(["constant", "full", "iota"]);

/**
 * Source nodes (`constant`, and `full`/`iota` that no kernel stores) live in the constants
 * area, written once when lowering: `place` finds every one the plan reads, `write` fills them.
 */
export const materialiseSources = {
  /** Gives a place to every source node the plan reads, stores nothing for, and has no slot for. */
  place(plan: Plan, layout: ArenaLayout): void {
    const need = (id: ValueId) => {
      const node = layout.nodes.get(id);
      if (node && SOURCES.has(node.op) && !layout.locs.has(id)) layout.addConstant(node);
    };
    for (const k of plan.kernels) {
      for (const a of k.loads.values()) need(a.source);
      if (k.loop.kind === "matmul") (need(k.loop.a.source), need(k.loop.b.source));
      if (k.loop.kind === "opaque") for (const a of layout.nodes.get(k.loop.node)?.args ?? []) if (!k.loads.has(a)) need(a);
      if (k.loop.kind === "opaque") continue;
      for (const id of k.nodes) {
        const node = layout.nodes.get(id);
        if (node?.op === "iota" && !k.loads.has(id)) layout.addConstant(node, true);
      }
    }
    for (const id of plan.graph.outputs) need(id);
  },

  /** Writes the values of the constants area, as the interpreter's source kernels compute them. */
  write(layout: ArenaLayout, views: Views): void {
    for (const loc of layout.constants) {
      const node = layout.nodes.get(loc.id)!;
      const arr = arrayOf(views, loc);
      const store = (i: number, v: number) => (arr[loc.elem + i] = loc.dtype === "bool" ? (v !== 0 ? 1 : 0) : v);
      if (node.op === "constant") (node.attrs.value as readonly number[]).forEach((v, i) => store(i, v));
      else if (node.op === "full") for (let i = 0; i < loc.numel; i++) store(i, node.attrs.value as number);
      else {
        const shape = node.type.shape, a = normalizeAxis(node.attrs.axis as number, shape.length);
        const step = stridesOf(shape)[a], n = shape[a];
        for (let i = 0; i < loc.numel; i++) store(i, Math.floor(i / step) % n);
      }
    }
  },
};

/** Checks `inputs` against the graph's and copies them into their places (no allocation when they fit). */
export function loadInputs(graph: Graph, layout: ArenaLayout, views: Views, inputs: readonly HostTensor[]): void {
  if (inputs.length !== graph.inputs.length) {
    const expected = graph.inputs.map((i) => `${i.name}: ${formatType(i.type)}`).join(", ");
    throw new AdjointError(`${graph.name}: expects ${graph.inputs.length} inputs (${expected}), got ${inputs.length}`);
  }
  for (let i = 0; i < inputs.length; i++) {
    const spec = graph.inputs[i], given = inputs[i], loc = layout.inputs[i];
    if (!given || given.data === undefined || given.dtype !== spec.type.dtype || !sameShape(given.shape, spec.type.shape)) {
      const got = given && given.data !== undefined && given.shape ? formatType(given) : String(given);
      throw new AdjointError(`${graph.name}: input ${i} '${spec.name}': expected ${formatType(spec.type)}, got ${got}`);
    }
    if (given.data.length !== loc.numel) {
      throw new AdjointError(`${graph.name}: input ${i} '${spec.name}': ${formatType(spec.type)} holds ${numel(spec.type.shape)} elements, but its data has ${given.data.length}`);
    }
    const arr = arrayOf(views, loc);
    if (loc.dtype !== "bool") arr.set(given.data, loc.elem);
    else for (let j = 0; j < loc.numel; j++) arr[loc.elem + j] = given.data[j] !== 0 ? 1 : 0;
  }
}

/** Fresh copies of the graph's outputs. */
export function copyOutputs(graph: Graph, layout: ArenaLayout, views: Views): HostTensor[] {
  const out: HostTensor[] = new Array(graph.outputs.length);
  for (let i = 0; i < out.length; i++) {
    const loc = layout.loc(graph.outputs[i], `${graph.name}: output ${i}`);
    out[i] = { shape: loc.shape, dtype: loc.dtype, data: arrayOf(views, loc).slice(loc.elem, loc.elem + loc.numel) };
  }
  return out;
}
