import { ShapeError, VerifyError, formatType } from "./errors";
import { inferNode } from "./builder";
import { isOpName, OP_NAMES } from "./ops";
import { printInput, printNode } from "./print";
import { checkShape, sameShape } from "./shape";
import type { Graph } from "./types";

/** The offending node with two nodes of context either side, marked with `>`. */
function context(g: Graph, index: number): string {
  const lines: string[] = [];
  for (let i = Math.max(0, index - 2); i <= Math.min(g.nodes.length - 1, index + 2); i++) {
    lines.push(`${i === index ? ">" : " "} ${printNode(g.nodes[i])}`);
  }
  return lines.join("\n");
}

/**
 * Checks the IR invariants: unique ids, def-before-use, known ops, well-typed attributes,
 * arity and attributes checked against the op's schema, every node's type equal to its op's inference, outputs defined. Throws `VerifyError`
 * showing the offending node in context; returns the graph unchanged otherwise.
 */
export function verifyGraph(g: Graph, passName?: string): Graph {
  const after = passName ? ` (after pass '${passName}')` : "";
  const types = new Map<number, Graph["nodes"][number]["type"]>();
  for (const input of g.inputs) {
    if (types.has(input.id)) throw new VerifyError(`duplicate value id %${input.id} among inputs${after}:\n  ${printInput(input)}`);
    try {
      checkShape(input.type.shape);
    } catch (e) {
      throw new VerifyError(`input %${input.id} has a bad type: ${(e as Error).message}${after}`);
    }
    types.set(input.id, input.type);
  }
  g.nodes.forEach((n, i) => {
    const bad = (why: string): never => {
      throw new VerifyError(`node %${n.id} (${n.op}): ${why}${after}\n${context(g, i)}`, n.op, n.loc);
    };
    if (types.has(n.id)) bad(`duplicate value id %${n.id}`);
    if (!isOpName(n.op)) bad(`unknown op '${n.op}'; known ops: ${OP_NAMES.join(", ")}`);
    for (const a of n.args) if (!types.has(a)) bad(`operand %${a} is used before it is defined`);
    if (n.tags?.writes !== undefined && !types.has(n.tags.writes)) bad(`writes %${n.tags.writes}, which is not defined before it`);
    let inferred;
    try {
      inferred = inferNode(n.op, n.args.map((a) => types.get(a)!), n.attrs, n.loc);
    } catch (e) {
      // the message starts with the op name, which `bad` already gives
      if (e instanceof ShapeError) bad(e.message.startsWith(`${n.op}: `) ? e.message.slice(n.op.length + 2) : e.message);
      throw e;
    }
    if (inferred.dtype !== n.type.dtype || !sameShape(inferred.shape, n.type.shape)) {
      bad(`declared type ${formatType(n.type)} but the op infers ${formatType(inferred)}`);
    }
    types.set(n.id, n.type);
  });
  if (g.outputs.length === 0) throw new VerifyError(`graph @${g.name} has no outputs${after}`);
  for (const o of g.outputs) if (!types.has(o)) throw new VerifyError(`output %${o} is not defined${after}`);
  return g;
}
