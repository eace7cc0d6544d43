/**
 * The reference evaluator of kernel graphs: runs fused kernels one by one, materialising only
 * what they store (plus graph inputs and constants). It defines what a kernel means; the fast
 * CPU and WebGPU backends follow it, and tests compare it bit for bit with `interpret`.
 */
import {
  AdjointError, formatType, numel, sameShape, type Graph, type HostTensor, type Node, type OpName, type Shape, type TensorType, type ValueId,
} from "@adjoint/ir";
import type { Access, Kernel, KernelGraph } from "@adjoint/passes";
import { kernels as opKernels } from "../kernels/table";
import type { Kernel as OpKernel } from "../kernels/kernel";
import { allocStorage, toStorage, type Precision, type Storage } from "../storage";
import { forEachIndex, runElementwise, runMatmul, runReduce, type StoreTarget } from "./loops";
import { KernelProgram, type BoundLoad } from "./program";

/** Options of `evaluateKernels`. */
export interface EvaluateKernelsOptions {
  /** Storage of f32 values, as for `interpret`: `"f32"` (default) rounds after every op; `"f64"` keeps doubles. */
  readonly precision?: Precision;
}

/** Checks the inputs against the graph's and copies them into storage (the caller's arrays are never aliased). */
function loadInputs(g: Graph, inputs: readonly HostTensor[], precision: Precision, env: Map<ValueId, HostTensor>): void {
  if (inputs.length !== g.inputs.length) {
    throw new AdjointError(`${g.name}: expects ${g.inputs.length} inputs (${g.inputs.map((i) => `${i.name}: ${formatType(i.type)}`).join(", ")}), got ${inputs.length}`);
  }
  g.inputs.forEach((inp, i) => {
    const x = inputs[i];
    const ok = x && Array.isArray(x.shape) && x.dtype === inp.type.dtype && sameShape(x.shape, inp.type.shape) && x.data?.length === numel(inp.type.shape);
    if (!ok) throw new AdjointError(`${g.name}: input ${i} '${inp.name}': expected ${formatType(inp.type)}, got ${x && x.shape ? `${x.dtype}[${x.shape.join(",")}] with ${x.data?.length} elements` : String(x)}`);
    env.set(inp.id, { shape: inp.type.shape, dtype: inp.type.dtype, data: toStorage(x.data, inp.type.dtype, precision) });
  });
}

/** Extents of the loop an access of kernel `k` is indexed over (opaque: the operand's own shape). */
function loopDims(k: Kernel, operand: Shape): Shape {
  const l = k.loop;
  if (l.kind === "elementwise") return l.domain;
  if (l.kind === "reduce") return [...l.domain, ...l.reduce];
  if (l.kind === "matmul") return [...l.batch, l.m, l.n, l.k];
  return operand;
}

/** Runs `kg` on `inputs` and returns one tensor per graph output. */
export function evaluateKernels(kg: KernelGraph, inputs: readonly HostTensor[], opts: EvaluateKernelsOptions = {}): HostTensor[] {
  const precision = opts.precision ?? "f32";
  const g = kg.graph;
  const nodes = new Map<ValueId, Node>(g.nodes.map((n) => [n.id, n]));
  const env = new Map<ValueId, HostTensor>();
  loadInputs(g, inputs, precision, env);
  for (const n of g.nodes) {
    if (n.op === "constant") env.set(n.id, { shape: n.type.shape, dtype: n.type.dtype, data: toStorage(n.attrs.value as number[], n.type.dtype, precision) });
  }
  const types = new Map<ValueId, TensorType>([...g.inputs.map((i) => [i.id, i.type] as const), ...g.nodes.map((n) => [n.id, n.type] as const)]);
  const typeOf = (v: ValueId): TensorType | undefined => types.get(v);
  for (const k of kg.kernels) {
    const fail = (why: string): never => {
      throw new AdjointError(`kernel ${k.id} of @${g.name}: ${why}`);
    };
    // storage of a load's source, after checking every element the loop reads is inside it
    const source = (acc: Access, what: string, operand: Shape = []): Storage => {
      const v = env.get(acc.source) ?? fail(`${what} reads %${acc.source}, which no earlier kernel stores`);
      const dims = loopDims(k, operand);
      if (acc.strides.length !== dims.length) fail(`${what} has ${acc.strides.length} strides for a loop of rank ${dims.length}`);
      if (numel(dims) > 0) {
        let lo = acc.offset, hi = acc.offset;
        dims.forEach((d, i) => (acc.strides[i] < 0 ? (lo += acc.strides[i] * (d - 1)) : (hi += acc.strides[i] * (d - 1))));
        if (lo < 0 || hi >= v.data.length) fail(`${what} reads elements ${lo}..${hi} of %${acc.source}, which has ${v.data.length}`);
      }
      return v.data;
    };
    const members = k.nodes.map((id) => nodes.get(id) ?? fail(`member %${id} is not a node of the graph`));
    const outs = new Map<ValueId, HostTensor>();
    for (const s of k.stores) {
      const t = nodes.get(s) ?? fail(`stores %${s}, which is not a node of the graph`);
      if (!k.nodes.includes(s)) fail(`stores %${s}, which it does not compute`);
      outs.set(s, { shape: t.type.shape, dtype: t.type.dtype, data: allocStorage(t.type.dtype, numel(t.type.shape), precision) });
    }
    if (k.loop.kind === "opaque") runOpaque(k, nodes.get(k.loop.node) ?? fail(`runs %${k.loop.node}, which is not a node`), source, typeOf, outs, precision);
    else runLoop(k, members, nodes, source, typeOf, outs, precision);
    for (const [v, t] of outs) env.set(v, t);
  }
  const returned = new Set<Storage>();
  return g.outputs.map((id) => {
    const v = env.get(id);
    if (!v) throw new AdjointError(`${g.name}: output %${id} is not stored by any kernel`);
    const data = returned.has(v.data) ? v.data.slice() : v.data; // an output listed twice gets its own copy
    returned.add(data);
    return { shape: v.shape, dtype: v.dtype, data };
  });
}

type SourceOf = (acc: Access, what: string, operand?: Shape) => Storage;

/** Runs an elementwise, reduce or matmul kernel. */
function runLoop(
  k: Kernel, members: readonly Node[], nodes: ReadonlyMap<ValueId, Node>, source: SourceOf, typeOf: (v: ValueId) => TensorType | undefined, outs: ReadonlyMap<ValueId, HostTensor>, precision: Precision,
): void {
  const p = new KernelProgram(k, members, nodes, source, precision);
  const stores: StoreTarget[] = [...outs].map(([v, t]) => ({ member: p.index.get(v)!, data: t.data }));
  const l = k.loop;
  if (l.kind === "elementwise") return runElementwise(p, l.domain, stores);
  const byId = new Map(members.map((n) => [n.id, n]));
  if (l.kind === "reduce") {
    const reducer = byId.get(l.reducer);
    if (!reducer) throw new AdjointError(`kernel ${k.id}: its reducer %${l.reducer} is not among its nodes`);
    const input = typeOf(reducer.args[0])!.shape;
    return runReduce(p, { domain: l.domain, reduce: l.reduce, prologue: l.prologue, reducer, input, epilogue: l.epilogue }, stores, precision);
  }
  if (l.kind === "matmul") {
    const node = byId.get(l.node);
    if (!node) throw new AdjointError(`kernel ${k.id}: its matmul %${l.node} is not among its nodes`);
    const bound = (acc: Access, what: string): BoundLoad => ({ key: acc.source, data: source(acc, what), strides: acc.strides, offset: acc.offset });
    const out = [...l.batch, l.m, l.n];
    return runMatmul(p, { out, node, a: bound(l.a, "operand a"), b: bound(l.b, "operand b"), k: l.k, epilogue: l.epilogue }, stores, precision);
  }
}

/** Runs a dedicated routine (the interpreter's kernel) on operands gathered through their accesses. */
function runOpaque(
  k: Kernel, node: Node, source: SourceOf, typeOf: (v: ValueId) => TensorType | undefined, outs: ReadonlyMap<ValueId, HostTensor>, precision: Precision,
): void {
  const args = node.args.map((a) => {
    const acc = k.loads.get(a);
    const type = typeOf(a);
    if (!acc || !type) throw new AdjointError(`kernel ${k.id}: ${node.op} %${node.id} has no load for its operand %${a}`, node.op, node.loc);
    const src = source(acc, `load %${a}`, type.shape);
    const data = allocStorage(type.dtype, numel(type.shape), precision);
    let i = 0;
    forEachIndex(type.shape, (idx) => {
      let at = acc.offset;
      for (let d = 0; d < idx.length; d++) at += acc.strides[d] * idx[d];
      data[i++] = src[at];
    });
    return { shape: type.shape, dtype: type.dtype, data };
  });
  const out = outs.get(node.id) ?? { shape: node.type.shape, dtype: node.type.dtype, data: allocStorage(node.type.dtype, numel(node.type.shape), precision) };
  (opKernels[node.op as OpName] as OpKernel<OpName>)(out, args, node.attrs as never, node);
}
