/**
 * Demand-driven ordering: kernels run in the original order, except "deferrable" ones, which
 * wait until a later kernel needs what they store and are then pulled in just before it
 * (producers first, in original order). This is how recompute kernels get placed late: run
 * early, a recomputed value holds memory as long as the saved value it replaces would have.
 * Iterative depth-first pulls; O(kernels + edges).
 */
import type { KernelDeps } from "./dependencies";

/** The order that defers each kernel with `deferrable(i)` until a consumer needs it. */
export function lazyOrder(deps: KernelDeps, deferrable: (i: number) => boolean): number[] {
  const n = deps.count, { predStart, preds } = deps;
  const done = new Uint8Array(n);
  const order: number[] = [];
  const stack: number[] = [], cursor: number[] = [];
  // runs `root` after every not-yet-run kernel it depends on
  const pull = (root: number) => {
    stack.push(root), cursor.push(predStart[root]);
    while (stack.length > 0) {
      const top = stack.length - 1, i = stack[top];
      if (cursor[top] < predStart[i + 1]) {
        const p = preds[cursor[top]++];
        if (!done[p]) stack.push(p), cursor.push(predStart[p]);
        continue;
      }
      stack.pop(), cursor.pop();
      if (!done[i]) (done[i] = 1), order.push(i);
    }
  };
  for (let i = 0; i < n; i++) if (!done[i] && !deferrable(i)) pull(i);
  // deferred kernels nobody pulled: graph outputs and dead stores, at the end
  for (let i = 0; i < n; i++) if (!done[i]) pull(i);
  return order;
}
