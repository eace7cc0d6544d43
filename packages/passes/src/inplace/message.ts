/** The text of an unsafe in-place write: the write, what it clobbers, who still needs it, and the fix. */
import { formatLoc, printNode, type Graph, type Node, type SourceLoc, type ValueId } from "@adjoint/ir";
import type { InplaceHazard } from "./safety";

/** The tensor method that records `op` with a `writes` tag (see ir/src/inplace.ts). */
export function inPlaceMethod(op: string): string {
  if (op === "add" || op === "sub" || op === "mul" || op === "div") return `${op}InPlace`;
  if (op === "cast" || op === "full") return "assign";
  return `${op} (in place)`;
}

/** `file:line` without the origin (derived nodes keep the forward node's line). */
const line = (loc: SourceLoc): string => formatLoc({ file: loc.file, line: loc.line, col: loc.col });

/** Looks values up by id (built only when an error is being written). */
function lookup(g: Graph): (id: ValueId) => string {
  const nodes = new Map<ValueId, Node>(g.nodes.map((n) => [n.id, n]));
  const inputs = new Map(g.inputs.map((i) => [i.id, i]));
  return (id) => {
    const n = nodes.get(id);
    if (n) return `%${id} = ${n.op} (${line(n.loc)})`;
    const input = inputs.get(id);
    return input ? `input %${id} '${input.name}' (${line(input.loc)})` : `%${id}`;
  };
}

/**
 * One line saying which node needs the old value and its line; for a derived node, also the
 * forward node it comes from (a backward node carries that node's line).
 */
function describeReader(g: Graph, reader: Node): string {
  const origin = reader.loc.origin;
  const self = `%${reader.id} = ${reader.op} (${line(reader.loc)})`;
  if (!origin) return self;
  const fwd = g.nodes.find((n) => n.id === origin.of);
  const of = fwd ? `%${fwd.id} = ${fwd.op}` : `%${origin.of}`;
  if (origin.kind === "grad") return `${self}, in the backward pass of ${of}`;
  if (origin.kind === "recompute") return `${self}, recomputing ${of} for the backward pass (checkpointing)`;
  return `${self}, in the forward-mode tangent of ${of}`;
}

/**
 * The error for one hazard, e.g.
 *
 *   inplace: mulInPlace at model.ts:12 overwrites %2 = sigmoid (model.ts:11), but the backward pass still needs its old value:
 *     %10 = sub (model.ts:11), in the backward pass of %2 = sigmoid
 *   The write: %4 = mul %2, %3 : f32[3] tags(writes = %2) ...
 *   Fix: write to a copy instead: x.clone().mulInPlace(...) ...
 */
export function formatHazard(g: Graph, h: InplaceHazard): string {
  const describe = lookup(g);
  const method = inPlaceMethod(h.write.op);
  const victim = h.buffer === h.target ? describe(h.target) : `${describe(h.target)}, a view of ${describe(h.buffer)}`;
  const head = `inplace: ${method} at ${line(h.write.loc)} overwrites ${victim}`;
  const later = h.laterUses > 1 ? ` (${h.laterUses} uses after the write in all)` : "";
  let why: string;
  if (h.kind === "self-view") {
    why = `, while reading ${describe(h.view!)}, a reordered view of that same memory: elements would be read after being overwritten.`;
  } else if (h.kind === "output") {
    why = `, but the function returns the old value (output ${h.output})${later}.`;
  } else {
    const backward = h.reader!.loc.origin ? "the backward pass" : "a later node";
    why = `, but ${backward} still needs its old value${later}:\n  ${describeReader(g, h.reader!)}`;
  }
  const functional = method.endsWith("InPlace") ? ` (or the functional form t.${h.write.op}(x, ...))` : "";
  const call = method === "assign" ? "assign(v)" : method.endsWith("InPlace") ? `${method}(...)` : "...";
  return (
    `${head}${why}\n` +
    `The write: ${printNode(h.write)}\n` +
    `Fix: write to a copy instead: x.clone().${call}${functional}, ` +
    `or compile with { inplace: "copy" } to insert the copy automatically.`
  );
}
