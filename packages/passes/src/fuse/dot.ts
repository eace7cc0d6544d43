/**
 * Graphviz DOT of a kernel graph (`dot -Tsvg kernels.dot > kernels.svg`): one
 * `subgraph cluster_k<id>` per kernel around its members, in the style of `printDot`
 * (boxes `%id op` + type, grad/tangent/recompute fills, outputs double-bordered).
 * Edges inside a cluster are in-register; an edge into a cluster is a load, labelled with
 * the folded movement op when it reads through one. A member recomputed in several kernels
 * appears in each.
 */
import { printType, type Node, type OriginKind, type ValueId } from "@adjoint/ir";
import type { Kernel, KernelGraph } from "../plan/types";
import { literalValue } from "./views";

const ORIGIN_FILL: Readonly<Record<OriginKind, string>> = { grad: "#f8d7da", tangent: "#d1e7dd", recompute: "#fff3cd" };

const quote = (lines: readonly string[]): string => `"${lines.map((l) => l.replace(/\\/g, "\\\\").replace(/"/g, '\\"')).join("\\n")}"`;

/** Operands a member computes from (a custom_vjp's value is its last operand). */
const operandsOf = (n: Node): readonly ValueId[] => (n.op === "custom_vjp" ? n.args.slice(-1) : n.args);

/** The DOT text of `kg`. */
export function printKernelDot(kg: KernelGraph): string {
  const g = kg.graph;
  const nodes = new Map<ValueId, Node>(g.nodes.map((n) => [n.id, n]));
  const producer = new Map<ValueId, number>();
  for (const k of kg.kernels) for (const s of k.stores) producer.set(s, k.id);
  const outputs = new Set(g.outputs);
  const name = (k: number, v: ValueId) => `k${k}_v${v}`;
  // where a loaded value comes from: a member of the kernel storing it, or an external ellipse
  const from = (v: ValueId) => (producer.has(v) ? name(producer.get(v)!, v) : `v${v}`);
  const lines = [
    `digraph ${quote([`${g.name} kernels`])} {`,
    `  compound=true;`,
    `  node [shape=box, fontname="monospace", style=filled, fillcolor="#ffffff"];`,
  ];
  for (const i of g.inputs) lines.push(`  v${i.id} [label=${quote([`%${i.id} "${i.name}"`, printType(i.type)])}, shape=ellipse];`);
  for (const n of g.nodes) if (n.op === "constant") lines.push(`  v${n.id} [label=${quote([`%${n.id} constant`, printType(n.type)])}, shape=ellipse];`);
  const edges: string[] = [];
  for (const k of kg.kernels) {
    lines.push(`  subgraph cluster_k${k.id} {`, `    label=${quote([`k${k.id} ${loopLabel(k)}`])};`, `    style=rounded;`);
    const members = new Set(k.nodes);
    const stored = new Set(k.stores);
    for (const m of k.nodes) {
      const n = nodes.get(m)!;
      const kind = n.loc.origin?.kind;
      const fill = kind ? `, fillcolor="${ORIGIN_FILL[kind]}"` : "";
      const border = stored.has(m) ? (outputs.has(m) ? ", peripheries=2" : ", penwidth=2") : ", style=\"filled,dashed\"";
      lines.push(`    ${name(k.id, m)} [label=${quote([`%${m} ${n.op}`, printType(n.type)])}${fill}${border}];`);
      if (k.loop.kind === "matmul" && m === k.loop.node) {
        edges.push(`  ${from(k.loop.a.source)} -> ${name(k.id, m)} [label="a"];`, `  ${from(k.loop.b.source)} -> ${name(k.id, m)} [label="b"];`);
        continue;
      }
      const own = k.loads.get(m); // a movement member copying through its own access
      if (own) edges.push(`  ${from(own.source)} -> ${name(k.id, m)} [label=${quote([n.op])}];`);
      else for (const a of operandsOf(n)) edges.push(loadEdge(k, a, members, from, name, nodes, m));
    }
    lines.push("  }");
  }
  return [...lines, ...edges, "}"].join("\n") + "\n";
}

function loadEdge(
  k: Kernel, a: ValueId, members: ReadonlySet<ValueId>, from: (v: ValueId) => string,
  name: (k: number, v: ValueId) => string, nodes: ReadonlyMap<ValueId, Node>, m: ValueId,
): string {
  if (members.has(a)) return `  ${name(k.id, a)} -> ${name(k.id, m)};`;
  const acc = k.loads.get(a);
  if (!acc && literalValue(nodes, a) !== undefined) return `  // %${m} reads the literal %${a}`;
  if (!acc) return `  ${from(a)} -> ${name(k.id, m)} [color=red, label="unresolved"];`;
  const label = a !== acc.source ? ` [label=${quote([nodes.get(a)?.op ?? "view"])}]` : "";
  return `  ${from(acc.source)} -> ${name(k.id, m)}${label};`;
}

function loopLabel(k: Kernel): string {
  const l = k.loop;
  if (l.kind === "elementwise") return `elementwise [${l.domain.join(",")}]`;
  if (l.kind === "reduce") return `reduce [${l.domain.join(",")}] x [${l.reduce.join(",")}]`;
  if (l.kind === "matmul") return `matmul [${[...l.batch, l.m, l.n].join(",")}] k=${l.k}`;
  return "opaque";
}
