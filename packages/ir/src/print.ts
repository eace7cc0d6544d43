import { DTYPES, type DType } from "./types";
import type { NodeTags, AttrValue, Graph, GraphInput, Node, SourceLoc, TensorType } from "./types";

/** Numbers print so that parsing gives back the identical double (including -0, NaN, ±Infinity). */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) return "-0";
  return String(x);
}

function formatAttr(v: AttrValue): string {
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return String(v);
  // dtypes print bare (f32); every other string is quoted
  if (typeof v === "string") return DTYPES.includes(v as DType) ? v : JSON.stringify(v);
  return `[${v.map(formatNumber).join(", ")}]`;
}

export const printType = (t: TensorType): string => `${t.dtype}[${t.shape.join(",")}]`;

/** `loc("file":line:col)`, with `grad of %12` style origins for derived nodes. */
export function printLoc(loc: SourceLoc): string {
  const origin = loc.origin ? `${loc.origin.kind} of %${loc.origin.of} ` : "";
  if (loc.file === "unknown" && loc.line === 0) return `loc(${origin}unknown)`;
  return `loc(${origin}${JSON.stringify(loc.file)}:${loc.line}:${loc.col})`;
}

export function printInput(i: GraphInput): string {
  return `%${i.id}: ${printType(i.type)} ${JSON.stringify(i.name)} ${printLoc(i.loc)}`;
}

/** ` tags(writes = %4, region = 1)`, or nothing for a node without tags. */
function printTags(tags: NodeTags | undefined): string {
  if (!tags) return "";
  const parts: string[] = [];
  if (tags.writes !== undefined) parts.push(`writes = %${tags.writes}`);
  if (tags.region !== undefined) parts.push(`region = ${tags.region}`);
  return parts.length ? ` tags(${parts.join(", ")})` : "";
}

/** One node as a line of text (without indentation). */
export function printNode(n: Node): string {
  const args = n.args.length ? " " + n.args.map((a) => `%${a}`).join(", ") : "";
  const entries = Object.entries(n.attrs);
  const attrs = entries.length ? ` {${entries.map(([k, v]) => `${k} = ${formatAttr(v)}`).join(", ")}}` : "";
  return `%${n.id} = ${n.op}${args}${attrs} : ${printType(n.type)}${printTags(n.tags)} ${printLoc(n.loc)}`;
}

/**
 * The text form of a graph. Grammar in docs/ir.md; `parseGraph(printGraph(g))` gives back `g`.
 *
 *   graph @f(%0: f32[2,3] "x" loc("a.ts":1:1)) {
 *     %1 = tanh %0 : f32[2,3] loc("a.ts":2:5)
 *     return %1
 *   }
 */
export function printGraph(g: Graph): string {
  const name = /^[A-Za-z_][\w.$-]*$/.test(g.name) ? g.name : JSON.stringify(g.name);
  const lines = [`graph @${name}(${g.inputs.map(printInput).join(", ")}) {`];
  for (const n of g.nodes) lines.push(`  ${printNode(n)}`);
  lines.push(`  return ${g.outputs.map((o) => `%${o}`).join(", ")}`, "}");
  return lines.join("\n") + "\n";
}
