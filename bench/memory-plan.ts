// Memory planning figures: peak bytes of the tanh chain (forward and training), naive order
// against the memory-aware schedule, the lower bound, and how long planning takes; then the
// other benchmark models, fused and one kernel per node, and two 100k-kernel graphs; then the
// arena with and without in-place slot handovers (planMemory's `inplace`) on the fused models.
// Run: npx tsx bench/memory-plan.ts   (figures go to BENCHMARKS.md by hand, with machine and date)
import { spec, t, trace, type Graph, type Tensor } from "@adjoint/ir";
import { valueAndGrad } from "adjoint";
import { formatBytes, fuseKernels, planMemoryDetailed, scheduleKernels, type KernelGraph } from "@adjoint/passes";
import { kernelPerNode } from "../tests/memory/kernel-per-node";
import { attentionGraph, chainGraph, mlpGraph, tanhChain } from "../tests/memory/random-graphs";

const ms = (t0: number, t1 = performance.now()) => (t1 - t0).toFixed(0);
const ratio = (a: number, b: number) => (a / b).toFixed(4);

/** Schedules then plans, timing each. */
function measure(kg: KernelGraph) {
  const t0 = performance.now();
  const s = scheduleKernels(kg);
  const t1 = performance.now();
  const { plan, method } = planMemoryDetailed(kg.graph, s.kernels);
  return { s, plan, method, scheduleMs: ms(t0, t1), planMs: ms(t1) };
}

const forwardPeak = (g: Graph) => planMemoryDetailed(g, fuseKernels(g).kernels).plan.arenaBytes;

// warm-up, so the figures are for JIT-compiled code
for (let i = 0; i < 3; i++) measure(kernelPerNode(chainGraph(64, 256, 32, true)));

console.log("tanh chain x = tanh(x @ W_i), width 256, batch 32, fused kernels; training = value and grad w.r.t. every W_i\n");
console.log("| layers | kernels | forward peak | training peak, naive order | scheduled | lower bound | plan / bound | strategy | placement | schedule ms | plan ms |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const n of [16, 64, 256]) {
  const kg = fuseKernels(chainGraph(n, 256, 32, true));
  const naive = planMemoryDetailed(kg.graph, kg.kernels).plan.arenaBytes;
  const { s, plan, method, scheduleMs, planMs } = measure(kg);
  console.log(
    `| ${n} | ${kg.kernels.length} | ${formatBytes(forwardPeak(chainGraph(n, 256, 32, false)))} | ${formatBytes(naive)} | ${formatBytes(plan.arenaBytes)} | ` +
      `${formatBytes(plan.lowerBound)} | ${ratio(plan.arenaBytes, plan.lowerBound)} | ${s.strategy} | ${method} | ${scheduleMs} | ${planMs} |`,
  );
}

const header = "| model | kernels | naive peak | scheduled peak | arena | plan / bound | strategy | placement | schedule ms | plan ms |";
const row = (name: string, kg: KernelGraph) => {
  const { s, plan, method, scheduleMs, planMs } = measure(kg);
  console.log(
    `| ${name} | ${kg.kernels.length} | ${formatBytes(s.naivePeak)} | ${formatBytes(s.peak)} | ${formatBytes(plan.arenaBytes)} | ` +
      `${ratio(plan.arenaBytes, plan.lowerBound)} | ${s.strategy} | ${method} | ${scheduleMs} | ${planMs} |`,
  );
};
const models: [string, () => Graph][] = [
  ["MLP, 100 blocks (64 wide, batch 32)", () => mlpGraph(100, 64, 32)],
  ["attention-like x20 (16 tokens, 64 wide)", () => attentionGraph(20, 64, 16)],
  ["attention-like x4 (128 tokens, 256 wide)", () => attentionGraph(4, 256, 128)],
];
console.log(`\nTraining graphs, alignment 256\n\n${header}\n${"|---".repeat(10)}|`);
for (const [name, make] of models) {
  const g = make();
  row(`${name}, fused`, fuseKernels(g));
  row(`${name}, one kernel per node`, kernelPerNode(g));
}

const deep = (x: Tensor) => {
  for (let i = 0; i < 100_000; i++) x = t.tanh(x);
  return t.sum(x);
};
const big = trace(valueAndGrad(tanhChain, { argnums: [0] }), [spec([8, 16]), ...Array.from({ length: 12_500 }, () => spec([16, 16]))]);
console.log(`\nScale: one kernel per node\n\n${header}\n${"|---".repeat(10)}|`);
row("tanh chain, 12,500 layers (16 wide), training w.r.t. x", kernelPerNode(big));
row("100,000 tanh, forward", kernelPerNode(trace(deep, [spec([64])])));

// In-place reuse: the same fused, scheduled kernels planned without and with slot handovers.
console.log(`\nIn-place reuse (fused, scheduled; alignment 64 as on the CPU backend)\n`);
console.log("| model | kernels | handovers | bytes not allocated | arena without | arena with | saved | bound without | bound with | with / bound | plan ms without | with |");
console.log(`${"|---".repeat(12)}|`);
const inplaceModels: [string, () => Graph][] = [
  ["tanh chain, 16 layers (256 wide, batch 32)", () => chainGraph(16, 256, 32, true)],
  ["tanh chain, 256 layers (256 wide, batch 32)", () => chainGraph(256, 256, 32, true)],
  ["MLP, 100 blocks (64 wide, batch 32)", () => mlpGraph(100, 64, 32)],
  ["attention-like x20 (16 tokens, 64 wide)", () => attentionGraph(20, 64, 16)],
  ["attention-like x4 (128 tokens, 256 wide)", () => attentionGraph(4, 256, 128)],
  ["tanh chain, 12,500 layers (16 wide), training w.r.t. x", () => big],
];
for (const [name, make] of inplaceModels) {
  const g = make();
  const { kernels } = scheduleKernels(fuseKernels(g));
  const t0 = performance.now();
  const off = planMemoryDetailed(g, kernels, { alignment: 64 }).plan;
  const t1 = performance.now();
  const on = planMemoryDetailed(g, kernels, { alignment: 64, inplace: true }).plan;
  const t2 = performance.now();
  const saved = off.arenaBytes - on.arenaBytes;
  console.log(
    `| ${name} | ${kernels.length} | ${on.reuse.pairs.length} | ${formatBytes(on.reuse.bytesSaved)} | ${formatBytes(off.arenaBytes)} | ${formatBytes(on.arenaBytes)} | ` +
      `${formatBytes(saved)} (${((saved / off.arenaBytes) * 100).toFixed(1)}%) | ${formatBytes(off.lowerBound)} | ${formatBytes(on.lowerBound)} | ` +
      `${ratio(on.arenaBytes, on.lowerBound)} | ${ms(t0, t1)} | ${ms(t1, t2)} |`,
  );
}

