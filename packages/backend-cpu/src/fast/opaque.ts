/**
 * Opaque kernels: one node run by a routine of its own. Most ops are rewritten into the
 * structured kernels the code generator already handles (an elementwise op is a one-member
 * loop, a transpose a strided copy, a reduction a reduce loop, a matmul a GEMM), so only
 * gather, scatter_add, pad, concat and the sources need hand-written routines.
 */
import { AdjointError, stridesOf, type Node, type OpName, type Shape, type ValueId } from "@adjoint/ir";
import type { Access, Kernel } from "@adjoint/passes";
import { isElementwiseOp, type ElementwiseOpName } from "./codegen/scalar-ops";
import type { ArenaLayout } from "./layout";

/** An opaque kernel's node and how each operand is read. */
export interface OpaqueNode {
  readonly kernel: Kernel;
  readonly node: Node;
  readonly layout: ArenaLayout;
  /** The access of operand i over the operand's own shape (dense when the kernel gives none). */
  readonly access: readonly Access[];
  readonly argShapes: readonly Shape[];
}

/** An opaque node rewritten as a structured kernel, or left to a routine (`undefined`). */
type Rewrite = (o: OpaqueNode) => Kernel | undefined;

/** The access of `id` in a kernel, dense over `shape` when the kernel has none. */
export function accessOf(kernel: Kernel, id: ValueId, shape: Shape): Access {
  return kernel.loads.get(id) ?? { source: id, strides: stridesOf(shape), offset: 0 };
}

/** True when the access reads its source as a dense row-major array of `shape`. */
export function isDense(a: Access, shape: Shape): boolean {
  const dense = stridesOf(shape);
  return a.offset === 0 && a.strides.length === shape.length && a.strides.every((s, i) => s === dense[i] || shape[i] === 1);
}

const synth = (o: OpaqueNode, loop: Kernel["loop"], loads: [ValueId, Access][], nodes: ValueId[] = [o.node.id]): Kernel => ({
  id: o.kernel.id,
  loop,
  nodes,
  loads: new Map(loads),
  stores: o.kernel.stores,
});

/** A movement whose result is a strided view of its operand, as one elementwise copy. */
const view = (strides: (a: Access, o: OpaqueNode) => { strides: number[]; offset: number }): Rewrite => (o) =>
  synth(o, { kind: "elementwise", domain: o.node.type.shape }, [[o.node.id, { source: o.access[0].source, ...strides(o.access[0], o) }]], []);

/** The node itself as the one member of an elementwise loop over `domain` (default: its own shape). */
const identityView = (o: OpaqueNode, domain: Shape = o.node.type.shape) =>
  synth(o, { kind: "elementwise", domain }, o.node.args.map((a, i) => [a, o.access[i]]));

/**
 * How each non-elementwise op's opaque kernel is rewritten; `undefined` entries run a routine
 * from opaque-routines.ts. Typed over every such op, so a new op must decide here.
 */
const rewrites: { readonly [K in Exclude<OpName, ElementwiseOpName>]: Rewrite | undefined } = {
  constant: undefined, full: undefined, iota: undefined,
  gather: undefined, scatter_add: undefined, pad: undefined, concat: undefined,
  custom_vjp: identityView,
  // flat order is kept, so loop over the operand's shape and store in flat order
  reshape: (o) => identityView(o, o.argShapes[0]),
  transpose: view((a, o) => ({ strides: (o.node.attrs.perm as number[]).map((p) => a.strides[p]), offset: a.offset })),
  slice: view((a, o) => ({ strides: [...a.strides], offset: a.offset + (o.node.attrs.starts as number[]).reduce((s, st, i) => s + st * a.strides[i], 0) })),
  broadcast: view((a, o) => {
    const out = o.node.type.shape, x = o.argShapes[0], lead = out.length - x.length;
    return { strides: out.map((d, i) => (i < lead || x[i - lead] !== d ? 0 : a.strides[i - lead])), offset: a.offset };
  }),
  reduce_sum: (o) => reduceOf(o),
  reduce_max: (o) => reduceOf(o),
  matmul: (o) => {
    const [A, B] = o.access;
    const r = o.argShapes[0].length, nb = r - 2;
    const [m, k] = o.argShapes[0].slice(nb), n = o.argShapes[1][r - 1];
    const a = { source: A.source, offset: A.offset, strides: [...A.strides.slice(0, nb), A.strides[nb], 0, A.strides[nb + 1]] };
    const b = { source: B.source, offset: B.offset, strides: [...B.strides.slice(0, nb), 0, B.strides[nb + 1], B.strides[nb]] };
    return synth(o, { kind: "matmul", batch: o.argShapes[0].slice(0, nb), m, n, k, node: o.node.id, a, b, epilogue: [] }, []);
  },
};

/** A reduction as a reduce loop over (kept axes, reduced axes). */
function reduceOf(o: OpaqueNode): Kernel {
  const x = o.argShapes[0], a = o.access[0];
  const axes = o.node.attrs.axes as readonly number[];
  const kept = x.flatMap((_, i) => (axes.includes(i) ? [] : [i]));
  const order = [...kept, ...axes];
  const access = { source: a.source, offset: a.offset, strides: order.map((i) => a.strides[i]) };
  return synth(o, { kind: "reduce", domain: kept.map((i) => x[i]), reduce: axes.map((i) => x[i]), prologue: [], reducer: o.node.id, epilogue: [] }, [[o.node.args[0], access]]);
}

/**
 * The structured kernel an opaque kernel's node amounts to, or undefined when the node needs
 * a routine.
 */
export function rewriteOpaque(o: OpaqueNode): Kernel | undefined {
  if (isElementwiseOp(o.node.op)) return identityView(o);
  const rule = rewrites[o.node.op as Exclude<OpName, ElementwiseOpName>];
  return rule ? rule(o) : undefined;
}

/** Describes an opaque kernel's operands, checking each access has one stride per operand axis. */
export function opaqueNode(kernel: Kernel, layout: ArenaLayout, id: ValueId): OpaqueNode {
  const node = layout.nodes.get(id);
  if (!node) throw new AdjointError(`kernel ${kernel.id}: opaque node %${id} is not a node of the graph`);
  const argShapes = node.args.map((a) => {
    const t = layout.types.get(a);
    if (!t) throw new AdjointError(`kernel ${kernel.id}: ${node.op} %${id} reads %${a}, which is not a value of the graph`, node.op, node.loc);
    return t.shape;
  });
  const access = node.args.map((a, i) => accessOf(kernel, a, argShapes[i]));
  access.forEach((acc, i) => {
    if (acc.strides.length !== argShapes[i].length) {
      throw new AdjointError(`kernel ${kernel.id}: ${node.op} %${id} operand ${i} access has ${acc.strides.length} strides for a rank-${argShapes[i].length} operand`, node.op, node.loc);
    }
  });
  return { kernel, node, layout, access, argShapes };
}
