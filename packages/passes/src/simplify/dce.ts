/** Dead-code elimination: drops nodes no output depends on. */
import type { Pass } from "../pass";
import { commitEdits } from "../rewrite";
import { valueIdBound } from "../value-ids";

/**
 * One reverse sweep marks what the outputs reach; everything else goes. Inputs are never
 * removed (they are the function's signature). Every op is pure today; an op with effects
 * (an in-place write) would have to count as live here.
 */
export const dce: Pass = {
  name: "dce",
  summary: "remove nodes that no output depends on (inputs are kept)",
  run(g, ctx) {
    const live = new Uint8Array(valueIdBound(g));
    for (const o of g.outputs) live[o] = 1;
    const erased = new Set<number>();
    for (let i = g.nodes.length - 1; i >= 0; i--) {
      const n = g.nodes[i];
      if (live[n.id]) for (const a of n.args) live[a] = 1;
      else erased.add(i);
    }
    return commitEdits(g, ctx, { replaced: new Map(), erased, outputs: g.outputs });
  },
};
