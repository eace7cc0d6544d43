/** Elementwise kernels: one point per element of the domain, several elements per thread. */
import { AdjointError, numel, type Shape } from "@adjoint/ir";
import type { WebGpuLimits } from "../limits";
import { BodyWriter, type BodyContext } from "./body";
import { accessIndex } from "./index-expr";
import { gridFor, type KernelShader } from "./module";

/** Threads per workgroup of the elementwise and copy kernels. */
export const WORKGROUP = 256;

/** Elements per thread: large domains amortise index math; small ones want every thread. */
export const elementsPerThread = (n: number): number => (n >= 1 << 18 ? 4 : 1);

/**
 * The loop frame shared by elementwise and copy kernels: `i` runs over `n` points; a
 * workgroup covers WORKGROUP * E consecutive points, threads interleaved so neighbouring
 * threads touch neighbouring elements.
 */
export function flatLoop(n: number, limits: WebGpuLimits, what: string, body: string) {
  const e = elementsPerThread(n);
  const grid = gridFor(Math.ceil(n / (WORKGROUP * e)), limits, what);
  const inner = body.replace(/^/gm, e > 1 ? "    " : "  ");
  const text =
    e > 1
      ? `  for (var e = 0u; e < ${e}u; e++) {\n    let i = (wg * ${e}u + e) * ${WORKGROUP}u + lid;\n    if (i >= ${n}u) { return; }\n${inner}\n  }`
      : `  let i = wg * ${WORKGROUP}u + lid;\n  if (i >= ${n}u) { return; }\n${inner}`;
  return { grid, text };
}

/** The shader parts of an elementwise kernel over `domain`. */
export function elementwiseShader(ctx: BodyContext, domain: Shape, limits: WebGpuLimits): KernelShader {
  const n = numel(domain);
  const writer = new BodyWriter(ctx, {
    prefix: "",
    loadIndex: (a) => accessIndex(a.offset, a.strides, [{ flat: "i", shape: domain }]),
    ownIndex: (member) => {
      if (numel(member.type.shape) !== n) {
        throw new AdjointError(`WebGPU: kernel ${ctx.kernel.id}: member %${member.id} has ${numel(member.type.shape)} elements but the domain [${domain.join(",")}] has ${n}`);
      }
      return "i";
    },
  }, "");
  writer.members(ctx.kernel.nodes);
  const { grid, text } = flatLoop(n, limits, `kernel ${ctx.kernel.id}`, writer.finish().join("\n"));
  return { workgroupSize: WORKGROUP, grid, body: text };
}
