/**
 * Turning device-side failures into errors a user can act on: shader compile messages
 * mapped back to the kernel's member nodes and their source lines, and the status buffer's
 * NaN/Inf and index-range flags mapped to the first op that raised them.
 */
import { AdjointError, formatLoc, printNode } from "@adjoint/ir";
import type { GeneratedKernel, GeneratedPlan } from "./codegen";

/** The member whose `// #n op` comment is closest at or above WGSL line `line` (1-based). */
function memberNear(gen: GeneratedPlan, k: GeneratedKernel, code: string, line: number): string | undefined {
  const lines = code.split("\n");
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = /\/\/ #(\d+) \w+$/.exec(lines[i]);
    const node = m ? gen.info.node(k.computed[Number(m[1])]) : undefined;
    if (node) return printNode(node);
  }
  return undefined;
}

/** A compile failure of one kernel: its members (printed, with locations) and the compiler's messages. */
export function compileError(gen: GeneratedPlan, k: GeneratedKernel, code: string, messages: readonly GPUCompilationMessage[], cause?: string): AdjointError {
  const members = k.kernel.nodes.map((id) => gen.info.node(id)).filter((n) => n !== undefined);
  const lines = code.split("\n");
  const msgs = messages.filter((m) => m.type === "error");
  const described = (msgs.length ? msgs : messages).map((m) => {
    const text = lines[m.lineNum - 1] ?? "";
    const near = m.lineNum ? memberNear(gen, k, code, m.lineNum) : undefined;
    return `  WGSL ${m.lineNum}:${m.linePos}: ${m.type}: ${m.message}\n    | ${text.trim()}` + (near ? `\n    while computing ${near}` : "");
  });
  const first = members[0];
  return new AdjointError(
    `WebGPU: the shader of kernel ${k.kernel.id} (${k.kernel.loop.kind}) failed to compile.\n` +
      `Kernel members:\n${members.map((n) => `  ${printNode(n)}`).join("\n")}\n` +
      `Compiler messages:\n${described.join("\n") || `  ${cause ?? "(none)"}`}`,
    first?.op,
    first?.loc,
  );
}

/** Errors recorded in a step's status words (index 0: first bad-index step, 1: the index, 2+: numerics per step). */
export function statusError(gen: GeneratedPlan, status: Uint32Array): AdjointError | undefined {
  if (status[0] !== 0) {
    const step = 0xffffffff - status[0];
    const k = gen.kernels.find((g) => g.step === step);
    const node = k && k.kernel.loop.kind === "opaque" ? gen.info.node(k.kernel.loop.node) : undefined;
    const bad = status[1] | 0;
    const axis = node?.attrs.axis as number | undefined;
    const size = node && axis !== undefined ? (node.op === "gather" ? gen.info.type(node.args[0]).shape[axis] : (node.attrs.size as number)) : undefined;
    return new AdjointError(
      `${node?.op ?? "index"}: index ${bad} is out of range for axis ${axis} of size ${size} (valid: 0..${(size ?? 0) - 1}) ` +
        `(at ${formatLoc(node?.loc)})${node ? `\n  ${printNode(node)}` : ""}`,
      node?.op,
      node?.loc,
    );
  }
  for (const k of [...gen.kernels].sort((a, b) => a.step - b.step)) {
    const word = status[2 + k.step];
    if (!word) continue;
    const member = 0xffffff - (word >>> 2);
    const id = k.computed[member] ?? k.computed[0];
    const node = gen.info.node(id);
    const what = word & 2 ? "NaN" : "Inf";
    return new AdjointError(
      `checkNumerics: ${node?.op ?? "kernel"} produced ${what} (at ${formatLoc(node?.loc)}) in kernel ${k.kernel.id}, the first kernel to produce a non-finite value` +
        (node ? `\n  ${printNode(node)}` : ""),
      node?.op,
      node?.loc,
    );
  }
  return undefined;
}
