/**
 * A layered layout of a planned graph, at kernel granularity: each kernel is a cluster box
 * listing its member nodes as rows, inputs and constants are rounded boxes, and an edge joins
 * the block storing a value to each kernel loading it. Layers follow dependencies top to
 * bottom; sources sit just above their first reader; within a layer blocks go to the mean x of
 * their neighbours (one pass down, one up for sources), pushed apart where they overlap.
 * Everything is iterative and O((blocks + edges) log blocks).
 */
import { formatLoc, printType, type Graph, type Node, type ValueId } from "@adjoint/ir";
import type { Kernel, Plan } from "@adjoint/passes";

/** What a drawn node is: its colour class. */
export type NodeClass = "forward" | "grad" | "recompute" | "tangent" | "input";

/** One row of a block: a node, or (collapsed) a count of nodes of one class. */
export interface Row {
  readonly cls: NodeClass;
  readonly text: string;
  readonly tooltip: string;
}

/** A positioned box: a kernel cluster, or an input / constant. */
export interface Block {
  readonly key: string;
  readonly kind: "kernel" | "source";
  readonly header?: string;
  readonly rows: readonly Row[];
  x: number;
  y: number;
  readonly width: number;
  readonly height: number;
  layer: number;
}

/** The laid-out graph. */
export interface Layout {
  readonly blocks: readonly Block[];
  readonly edges: readonly (readonly [Block, Block])[];
  readonly width: number;
  readonly height: number;
  /** What was left out or collapsed, for a note under the picture. */
  readonly notes: readonly string[];
}

/** Limits that keep the picture readable. */
export interface LayoutLimits {
  readonly maxNodes: number;
  readonly maxKernels: number;
}

export const ROW_H = 16;
const HEADER_H = 18, PAD = 6, CHAR_W = 6.6, GAP_X = 24, GAP_Y = 40, MARGIN = 16;

const classOf = (n: Node): NodeClass => (n.loc.origin ? n.loc.origin.kind : "forward");
const widthOf = (texts: readonly string[]) => Math.max(96, Math.ceil(Math.max(...texts.map((t) => t.length)) * CHAR_W) + 2 * PAD);

function nodeRow(n: Node, outputs: ReadonlyMap<ValueId, number[]>): Row {
  const out = outputs.get(n.id);
  const mark = out ? ` → out ${out.join(",")}` : "";
  return { cls: classOf(n), text: `%${n.id} ${n.op} ${printType(n.type)}${mark}`, tooltip: `%${n.id} ${n.op} : ${printType(n.type)} at ${formatLoc(n.loc)}${mark}` };
}

function kernelHeader(k: Kernel): string {
  const l = k.loop;
  const what = l.kind === "elementwise" ? `[${l.domain.join(",")}]` : l.kind === "reduce" ? `[${l.domain.join(",")}]×[${l.reduce.join(",")}]` : l.kind === "matmul" ? `${l.m}×${l.n}×${l.k}` : "";
  return `k${k.id} ${l.kind} ${what}`.trimEnd();
}

/** One row per class present, with its count: a kernel drawn collapsed. */
function collapsedRows(members: readonly Node[]): Row[] {
  const counts = new Map<NodeClass, Node[]>();
  for (const n of members) (counts.get(classOf(n)) ?? counts.set(classOf(n), []).get(classOf(n))!).push(n);
  return [...counts].map(([cls, ns]) => ({
    cls, text: `${ns.length} ${cls} node${ns.length === 1 ? "" : "s"}`,
    tooltip: ns.slice(0, 12).map((n) => `%${n.id} ${n.op} at ${formatLoc(n.loc)}`).join("\n") + (ns.length > 12 ? `\n… ${ns.length - 12} more` : ""),
  }));
}

function block(key: string, kind: Block["kind"], rows: Row[], header?: string): Block {
  const texts = [...(header ? [header] : []), ...rows.map((r) => r.text)];
  const height = (header ? HEADER_H : 0) + rows.length * ROW_H + (kind === "kernel" ? 2 * 3 : 4);
  return { key, kind, rows, ...(header ? { header } : {}), x: 0, y: 0, width: widthOf(texts), height, layer: 0 };
}

/** The kernels' blocks, their sources' blocks and the edges between them. */
function buildBlocks(plan: Plan, limits: LayoutLimits, notes: string[]): { blocks: Block[]; edges: [Block, Block][] } {
  const g: Graph = plan.graph;
  const byId = new Map<ValueId, Node>(g.nodes.map((n) => [n.id, n]));
  const kernels = plan.kernels.slice(0, limits.maxKernels);
  if (kernels.length < plan.kernels.length) notes.push(`showing the first ${kernels.length} of ${plan.kernels.length} kernels in schedule order`);
  const members = kernels.reduce((s, k) => s + k.nodes.length, 0);
  const collapse = members > limits.maxNodes;
  if (collapse) notes.push(`${members} nodes: each kernel is drawn as one row per node class (hover for its nodes)`);
  const outputs = new Map<ValueId, number[]>();
  g.outputs.forEach((o, i) => (outputs.get(o) ?? outputs.set(o, []).get(o)!).push(i));
  const producer = new Map<ValueId, Block>();
  const blocks: Block[] = [];
  const kernelBlocks = kernels.map((k) => {
    const ns = k.nodes.map((id) => byId.get(id)!).filter(Boolean);
    const b = block(`k${k.id}`, "kernel", collapse ? collapsedRows(ns) : ns.map((n) => nodeRow(n, outputs)), kernelHeader(k));
    for (const s of k.stores) producer.set(s, b);
    return b;
  });
  const inputs = new Map(g.inputs.map((i) => [i.id, i]));
  const sourceBlock = (v: ValueId): Block | undefined => {
    const have = producer.get(v);
    if (have) return have;
    const inp = inputs.get(v), n = byId.get(v);
    if (!inp && !n) return undefined;
    const row: Row = inp
      ? { cls: "input", text: `%${v} "${inp.name}" ${printType(inp.type)}`, tooltip: `input %${v} "${inp.name}" : ${printType(inp.type)} at ${formatLoc(inp.loc)}` }
      : { ...nodeRow(n!, outputs), cls: "input" };
    const b = block(`v${v}`, "source", [row]);
    producer.set(v, b);
    blocks.push(b);
    return b;
  };
  const edges: [Block, Block][] = [];
  kernels.forEach((k, i) => {
    const to = kernelBlocks[i], seen = new Set<Block>();
    const sources = [...[...k.loads.values()].map((a) => a.source), ...(k.loop.kind === "matmul" ? [k.loop.a.source, k.loop.b.source] : [])];
    for (const s of sources) {
      const from = sourceBlock(s);
      if (from && from !== to && !seen.has(from)) (seen.add(from), edges.push([from, to]));
    }
  });
  return { blocks: [...blocks, ...kernelBlocks], edges };
}

/**
 * Layers: kernels first go one below their deepest kernel predecessor; then, in reverse, every
 * block moves down to just above its first reader (a weight's transpose for the backward pass
 * sits by the backward pass, not at the top). Sources end just above their first reader.
 */
function assignLayers(blocks: readonly Block[], preds: Map<Block, Block[]>, succs: Map<Block, Block[]>): void {
  const minLayer = (b: Block) => {
    let m = Infinity;
    for (const s of succs.get(b) ?? []) if (s.layer < m) m = s.layer;
    return m;
  };
  for (const b of blocks) {
    if (b.kind !== "kernel") continue;
    let l = 0;
    for (const p of preds.get(b) ?? []) if (p.kind === "kernel" && p.layer > l) l = p.layer;
    b.layer = l + 1;
  }
  // blocks are in dependency order, so one reverse sweep sees every reader's final layer first
  for (let i = blocks.length - 1; i >= 0; i--) {
    const b = blocks[i], below = minLayer(b);
    if (b.kind === "source") b.layer = Number.isFinite(below) ? Math.max(0, below - 1) : 0;
    else if (Number.isFinite(below) && below - 1 > b.layer) b.layer = below - 1;
  }
}

/** Places one layer's blocks near their wanted centre x, left to right without overlap. */
function pack(layer: Block[], wanted: (b: Block) => number | undefined): void {
  const keyed = layer.map((b, i) => ({ b, want: wanted(b), i }));
  keyed.sort((p, q) => (p.want ?? Infinity) - (q.want ?? Infinity) || p.i - q.i);
  let cursor = MARGIN;
  for (const { b, want } of keyed) {
    const x = want === undefined ? cursor : Math.max(cursor, want - b.width / 2);
    b.x = x;
    cursor = x + b.width + GAP_X;
  }
}

const centre = (b: Block) => b.x + b.width / 2;
const mean = (bs: readonly Block[] | undefined) => (bs && bs.length ? bs.reduce((s, b) => s + centre(b), 0) / bs.length : undefined);

/** Lays out the plan's graph; kernels past `limits.maxKernels` are left out, and kernels collapse past `limits.maxNodes` rows. */
export function layoutPlan(plan: Plan, limits: LayoutLimits): Layout {
  const notes: string[] = [];
  const { blocks, edges } = buildBlocks(plan, limits, notes);
  const preds = new Map<Block, Block[]>(), succs = new Map<Block, Block[]>();
  const push = (m: Map<Block, Block[]>, k: Block, v: Block) => (m.get(k) ?? m.set(k, []).get(k)!).push(v);
  for (const [a, b] of edges) (push(preds, b, a), push(succs, a, b));
  // kernels come in schedule order (dependencies first), so one forward sweep settles layers
  assignLayers(blocks, preds, succs);
  const layers: Block[][] = [];
  for (const b of blocks) (layers[b.layer] ??= []).push(b);
  // kernels follow their kernel predecessors (sources then follow their readers), so a chain stays straight
  const wantDown = (b: Block) => {
    const ps = preds.get(b) ?? [];
    const ks = ps.filter((p) => p.kind === "kernel");
    return mean(ks.length ? ks : ps);
  };
  for (const layer of layers) if (layer) pack(layer, wantDown);
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l];
    if (layer?.some((b) => !preds.get(b)?.length)) pack(layer, (b) => (preds.get(b)?.length ? centre(b) : mean(succs.get(b))));
  }
  let y = MARGIN, width = 0;
  for (const layer of layers) {
    if (!layer) continue;
    const h = Math.max(...layer.map((b) => b.height));
    for (const b of layer) (b.y = y), (width = Math.max(width, b.x + b.width));
    y += h + GAP_Y;
  }
  return { blocks, edges, width: width + MARGIN, height: y - GAP_Y + MARGIN, notes };
}

/** Row geometry the renderer shares. */
export const LAYOUT = { ROW_H, HEADER_H, PAD };
