// Checkpoint policies on the tanh chain x = tanh(x @ W_i) (width 256, batch 32, every W_i a separate
// input, loss = sum, gradients for x and every W_i): peak live bytes of intermediates (liveBytesPeak:
// node order, views free, inputs and outputs left out) and recomputed flops per forward pass.
// Run: npx tsx bench/checkpoint.ts   (figures go to docs/checkpointing.md by hand, with machine and date)
import { spec, t, trace, type Graph, type Tensor } from "@adjoint/ir";
import { liveBytesPeak, placeCheckpointsWithReport, type CheckpointPolicy } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";

const WIDTH = 256, BATCH = 32;
const LAYER = BATCH * WIDTH * 4; // bytes of one layer's activation

function chain(n: number): Graph {
  const f = (x: Tensor, ...ws: Tensor[]) => {
    let h = x;
    for (const w of ws) h = t.tanh(t.matmul(h, w));
    return t.sum(h);
  };
  const argnums = Array.from({ length: n + 1 }, (_, i) => i);
  return trace(valueAndGrad(f, { argnums }), [spec([BATCH, WIDTH]), ...Array.from({ length: n }, () => spec([WIDTH, WIDTH]))]);
}

const mib = (b: number) => (b / 2 ** 20).toFixed(2);

console.log("| N | policy | plan chosen | peak MiB | peak / layer | recompute nodes | recompute flops / forward | pass ms |");
console.log("|---|---|---|---|---|---|---|---|");
for (const n of [16, 64, 256]) {
  const g = chain(n);
  const budget = Math.floor(liveBytesPeak(g) / 4);
  const policies: [string, CheckpointPolicy][] = [["none", "none"], ["sqrt", "sqrt"], ["all", "all"], [`budget 25% (${mib(budget)} MiB)`, { budgetBytes: budget }]];
  for (const [name, policy] of policies) {
    const t0 = performance.now();
    let row: string;
    try {
      const { report } = placeCheckpointsWithReport(g, policy);
      const ms = performance.now() - t0;
      const plan = report.plan + (report.slots !== undefined ? ` (${report.slots} slots)` : "");
      row = `| ${n} | ${name} | ${plan} | ${mib(report.peakBytes)} | ${(report.peakBytes / LAYER).toFixed(1)} | ${report.recomputeNodes} | ${(report.recomputeFlops / report.forwardFlops).toFixed(2)} | ${ms.toFixed(0)} |`;
    } catch (e) {
      row = `| ${n} | ${name} | ${(e as Error).message} | | | | | |`;
    }
    console.log(row);
  }
}
console.log(`\n2√N for N = 16, 64, 256: ${[16, 64, 256].map((n) => 2 * Math.sqrt(n)).join(", ")} layers; one layer's activation is ${LAYER / 1024} KiB.`);
