/** Graphviz DOT text of a graph, for looking at a dump (`dot -Tsvg graph.dot > graph.svg`). */
import { printType, type Graph, type OriginKind } from "@adjoint/ir";

/** Fill colours of derived nodes, so the backward, tangent and recomputed parts stand out. */
const ORIGIN_FILL: Readonly<Record<OriginKind, string>> = {
  grad: "#f8d7da",
  tangent: "#d1e7dd",
  recompute: "#fff3cd",
};

/** A DOT string literal: backslashes and quotes escaped, lines joined with DOT's `\n`. */
const quote = (lines: readonly string[]): string =>
  `"${lines.map((l) => l.replace(/\\/g, "\\\\").replace(/"/g, '\\"')).join("\\n")}"`;

/**
 * One DOT node per value labelled `%id op` and its type, one edge per operand. Inputs are
 * ellipses, outputs have a double border and their result index, and grad / tangent /
 * recompute nodes are filled with their own colour.
 */
export function printDot(g: Graph): string {
  const outputIndex = new Map<number, number[]>();
  g.outputs.forEach((o, i) => outputIndex.set(o, [...(outputIndex.get(o) ?? []), i]));
  const outAttrs = (id: number) => {
    const at = outputIndex.get(id);
    return at ? `, peripheries=2, xlabel=${quote([`out ${at.join(",")}`])}` : "";
  };
  const lines = [
    `digraph ${quote([g.name])} {`,
    `  graph [forcelabels=true];`,
    `  node [shape=box, fontname="monospace", style=filled, fillcolor="#ffffff"];`,
    `  // fill: white = forward, ${Object.entries(ORIGIN_FILL).map(([k, c]) => `${c} = ${k}`).join(", ")}`,
  ];
  for (const i of g.inputs) {
    lines.push(`  v${i.id} [label=${quote([`%${i.id} "${i.name}"`, printType(i.type)])}, shape=ellipse${outAttrs(i.id)}];`);
  }
  for (const n of g.nodes) {
    const kind = n.loc.origin?.kind;
    const fill = kind ? `, fillcolor="${ORIGIN_FILL[kind]}"` : "";
    lines.push(`  v${n.id} [label=${quote([`%${n.id} ${n.op}`, printType(n.type)])}${fill}${outAttrs(n.id)}];`);
  }
  for (const n of g.nodes) for (const a of n.args) lines.push(`  v${a} -> v${n.id};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}
