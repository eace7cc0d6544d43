// Checkpoint policies on the tanh chain x = tanh(x @ W_i) (every W_i a separate input, loss = sum,
// gradients for x and every W_i): the shape (width 256, batch 32), whose planned arena is
// mostly the N weight gradients, and an activation-heavy one (width 64, batch 1024). Per policy:
// peak live bytes of intermediates (liveBytesPeak: node order, views free, inputs and outputs left
// out), the planned arena of the result (fused, scheduled, planned at alignment 64 with in-place
// reuse, as the CPU backend's report shows it: gradients included), and recomputed flops per
// forward pass. Budgets: 25% of "none"'s live bytes (node-order measure), and on the planned arena
// (`peak: "planned"`): sqrt's planned arena, half of none's, and the smallest that can be met.
// Run: npx tsx bench/checkpoint.ts   (figures go to docs/checkpointing.md by hand, with machine and date)
import { spec, t, trace, type Graph, type Tensor } from "@adjoint/ir";
import { liveBytesPeak, placeCheckpoints, placeCheckpointsWithReport, plannedPeak, type CheckpointPolicy, type PlannedPeakOptions } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";

function chain(n: number, width: number, batch: number): Graph {
  const f = (x: Tensor, ...ws: Tensor[]) => {
    let h = x;
    for (const w of ws) h = t.tanh(t.matmul(h, w));
    return t.sum(h);
  };
  const argnums = Array.from({ length: n + 1 }, (_, i) => i);
  return trace(valueAndGrad(f, { argnums }), [spec([batch, width]), ...Array.from({ length: n }, () => spec([width, width]))]);
}

const mib = (b: number) => (b / 2 ** 20).toFixed(2);
const CPU: PlannedPeakOptions = { alignment: 64, inplace: true };

/** The smallest planned budget, read from the error a zero budget gives. */
function smallestPlanned(g: Graph): number {
  try {
    placeCheckpoints(g, { budgetBytes: 0, peak: "planned" }, { plan: CPU });
  } catch (e) {
    const m = /smallest budget that can be met is (\d+) bytes/.exec((e as Error).message);
    if (m) return Number(m[1]);
    throw e;
  }
  return 0;
}

function table(width: number, batch: number, withAll: boolean): void {
  const layer = batch * width * 4; // bytes of one layer's activation
  console.log(`\nwidth ${width}, batch ${batch}: one layer's activation is ${layer / 1024} KiB, one weight gradient ${(width * width * 4) / 1024} KiB\n`);
  console.log("| N | policy | plan chosen | live peak MiB | live peak / layer | planned arena MiB | recompute nodes | recompute flops / forward | pass ms |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const n of [16, 64, 256]) {
    const g = chain(n, width, batch);
    const budget = Math.floor(liveBytesPeak(g) / 4);
    const noneArena = plannedPeak(g, CPU), sqrtArena = plannedPeak(placeCheckpoints(g, "sqrt"), CPU), least = smallestPlanned(g);
    const policies: [string, CheckpointPolicy][] = [
      ["none", "none"], ["sqrt", "sqrt"], ...(withAll ? [["all", "all"] as [string, CheckpointPolicy]] : []),
      [`budget 25% of live (${mib(budget)} MiB)`, { budgetBytes: budget }],
      [`planned budget = sqrt's arena (${mib(sqrtArena)} MiB)`, { budgetBytes: sqrtArena, peak: "planned" }],
      [`planned budget = 50% of none's arena (${mib(noneArena / 2)} MiB)`, { budgetBytes: Math.floor(noneArena / 2), peak: "planned" }],
      [`planned budget = smallest (${mib(least)} MiB)`, { budgetBytes: least, peak: "planned" }],
    ];
    for (const [name, policy] of policies) {
      const t0 = performance.now();
      let row: string;
      try {
        const { graph, report } = placeCheckpointsWithReport(g, policy, { plan: CPU });
        const ms = performance.now() - t0;
        const plan = report.plan + (report.slots !== undefined ? ` (${report.slots} slots)` : "");
        const live = liveBytesPeak(graph);
        row = `| ${n} | ${name} | ${plan} | ${mib(live)} | ${(live / layer).toFixed(1)} | ${mib(plannedPeak(graph, CPU))} | ${report.recomputeNodes} | ${(report.recomputeFlops / report.forwardFlops).toFixed(2)} | ${ms.toFixed(0)} |`;
      } catch (e) {
        row = `| ${n} | ${name} | ${(e as Error).message} | | | | | | |`;
      }
      console.log(row);
    }
  }
}

table(256, 32, true);
table(64, 1024, false);
console.log(`\n2√N for N = 16, 64, 256: ${[16, 64, 256].map((n) => 2 * Math.sqrt(n)).join(", ")} layers.`);
