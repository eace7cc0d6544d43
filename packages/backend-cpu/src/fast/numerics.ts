import { AdjointError, formatLoc, type ValueId } from "@adjoint/ir";
import type { Kernel } from "@adjoint/passes";
import type { ArenaLayout, ValueLoc } from "./layout";

/** The first non-finite element of an f32 value, or -1. */
function firstNonFinite(F: Float32Array, loc: ValueLoc): number {
  for (let i = 0; i < loc.numel; i++) {
    const v = F[loc.elem + i];
    if (v - v !== 0) return i; // NaN or ±Infinity
  }
  return -1;
}

/**
 * Wraps a step so that, after it runs, a NaN or infinity it stored (while none of the f32
 * values it read held one) is an error naming the kernel, the value, its op and source line.
 */
export function checkedStep(step: () => void, kernel: Kernel, layout: ArenaLayout, F: Float32Array): () => void {
  const f32 = (ids: Iterable<ValueId>) => [...ids].map((id) => layout.locs.get(id)).filter((l): l is ValueLoc => l?.dtype === "f32");
  const stores = f32(kernel.stores);
  const reads = f32(new Set([...[...kernel.loads.values()].map((a) => a.source), ...(kernel.loop.kind === "matmul" ? [kernel.loop.a.source, kernel.loop.b.source] : [])]));
  return () => {
    step();
    for (const loc of stores) {
      const at = firstNonFinite(F, loc);
      if (at < 0 || reads.some((r) => firstNonFinite(F, r) >= 0)) continue;
      const node = layout.nodes.get(loc.id);
      const what = node ? `${node.op} %${loc.id} (at ${formatLoc(node.loc)})` : `%${loc.id}`;
      throw new AdjointError(`checkNumerics: kernel ${kernel.id} produced ${F[loc.elem + at]} at element ${at} of ${what}`, node?.op, node?.loc);
    }
  };
}
