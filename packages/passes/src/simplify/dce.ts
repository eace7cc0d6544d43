/** Dead-code elimination: drops nodes no output depends on. */
import type { Node } from "@adjoint/ir";
import type { Pass } from "../pass";
import { withoutWrite } from "../inplace/safety";
import { commitEdits } from "../rewrite";
import { valueIdBound } from "../value-ids";

/**
 * One reverse sweep marks what the outputs reach; everything else goes. Inputs are never
 * removed (they are the function's signature). An in-place write is a functional node
 * (a new version), so it is live exactly when something reads it.
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
    // a kept write whose target was erased no longer takes over anything: drop its tag
    const replaced = new Map<number, Node>();
    const isInput = new Uint8Array(live.length);
    for (const input of g.inputs) isInput[input.id] = 1;
    g.nodes.forEach((n, i) => {
      const w = n.tags?.writes;
      if (w !== undefined && live[n.id] && !live[w] && !isInput[w]) replaced.set(i, withoutWrite(n));
    });
    return commitEdits(g, ctx, { replaced, erased, outputs: g.outputs });
  },
};
