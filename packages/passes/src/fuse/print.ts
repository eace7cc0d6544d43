/**
 * The `kernels.ir` dump: every kernel with its loop, loads (strides and offset), members
 * (as `printNode` prints them, with ids, ops and source locations) and stores.
 *
 *   kernels @softmax: 3 kernels (elementwise 1, reduce 2)
 *   k0 reduce domain=[4,1] reduce=[8] buffers=2
 *     load %0 <- %0 strides=[8,0,1] offset=0
 *     const %5 = 0.5
 *     reducer %1 = reduce_max %0 {axes = [1], keepdims = true} : f32[4,1] loc("a.ts":3:5)
 *     store %1
 */
import { formatNumber, printNode, type Node, type ValueId } from "@adjoint/ir";
import type { Access, Kernel, KernelGraph } from "../plan/types";
import { kernelBufferCount } from "./check";
import { literalValue } from "./views";

const list = (xs: readonly number[]) => `[${xs.join(",")}]`;

/** `<- %source (op of the folded movement node) strides=[..] offset=..`. */
function printAccess(acc: Access, key: ValueId | undefined, nodes: ReadonlyMap<ValueId, Node>): string {
  const folded = key !== undefined && key !== acc.source ? ` (${nodes.get(key)?.op ?? "?"} %${key})` : "";
  return `<- %${acc.source}${folded} strides=${list(acc.strides)} offset=${acc.offset}`;
}

/** The loop line of a kernel. */
function printLoop(k: Kernel): string {
  const l = k.loop;
  switch (l.kind) {
    case "elementwise":
      return `elementwise domain=${list(l.domain)}`;
    case "reduce":
      return `reduce domain=${list(l.domain)} reduce=${list(l.reduce)}`;
    case "matmul":
      return `matmul batch=${list(l.batch)} m=${l.m} n=${l.n} k=${l.k}`;
    case "opaque":
      return "opaque";
  }
}

/** The role a member plays in its loop, printed before it (elementwise members have none). */
function roles(k: Kernel): Map<ValueId, string> {
  const l = k.loop;
  const out = new Map<ValueId, string>();
  if (l.kind === "reduce") {
    l.prologue.forEach((m) => out.set(m, "prologue "));
    out.set(l.reducer, "reducer ");
    l.epilogue.forEach((m) => out.set(m, "epilogue "));
  } else if (l.kind === "matmul") {
    out.set(l.node, "matmul ");
    l.epilogue.forEach((m) => out.set(m, "epilogue "));
  }
  return out;
}

/** Operands members read that are neither members nor loads: `full` literals (possibly moved). */
function literals(k: Kernel, nodes: ReadonlyMap<ValueId, Node>): Map<ValueId, number> {
  const members = new Set(k.nodes);
  const out = new Map<ValueId, number>();
  const skip = k.loop.kind === "matmul" ? k.loop.node : k.loop.kind === "opaque" ? k.loop.node : -1;
  for (const m of k.nodes) {
    if (m === skip || k.loads.has(m)) continue;
    for (const a of nodes.get(m)?.args ?? []) {
      if (members.has(a) || k.loads.has(a) || out.has(a)) continue;
      const value = literalValue(nodes, a);
      if (value !== undefined) out.set(a, value);
    }
  }
  return out;
}

/** One kernel as text (without the header line). */
export function printKernel(k: Kernel, nodes: ReadonlyMap<ValueId, Node>): string {
  const lines = [`k${k.id} ${printLoop(k)} buffers=${kernelBufferCount(k)}`];
  if (k.loop.kind === "matmul") {
    lines.push(`  a ${printAccess(k.loop.a, undefined, nodes)}`, `  b ${printAccess(k.loop.b, undefined, nodes)}`);
  }
  for (const [key, acc] of k.loads) lines.push(`  load %${key} ${printAccess(acc, key, nodes)}`);
  for (const [v, value] of literals(k, nodes)) lines.push(`  const %${v} = ${formatNumber(value)}`);
  const role = roles(k);
  for (const m of k.nodes) {
    const node = nodes.get(m);
    lines.push(`  ${role.get(m) ?? ""}${node ? printNode(node) : `%${m} (not a node of the graph)`}`);
  }
  for (const s of k.stores) lines.push(`  store %${s}`);
  return lines.join("\n");
}

/** The whole kernel graph as text: a summary line, then each kernel in order. */
export function printKernels(kg: KernelGraph): string {
  const nodes = new Map<ValueId, Node>(kg.graph.nodes.map((n) => [n.id, n]));
  const byKind = new Map<string, number>();
  for (const k of kg.kernels) byKind.set(k.loop.kind, (byKind.get(k.loop.kind) ?? 0) + 1);
  const kinds = [...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `${kind} ${n}`).join(", ");
  const n = kg.kernels.length;
  const header = `kernels @${kg.graph.name}: ${n} kernel${n === 1 ? "" : "s"}${kinds ? ` (${kinds})` : ""}`;
  return [header, ...kg.kernels.map((k) => printKernel(k, nodes))].join("\n") + "\n";
}
