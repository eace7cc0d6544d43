// The fusion fuzzer at scale: many seeded random graphs (tests/fuse/random-graph.ts), fused and
// unfused under random buffer limits and materialise sets, each checked for the KernelGraph
// invariants and evaluated bit for bit against the reference interpreter.
// Run: npx tsx bench/fuzz-fusion.ts [count=2000] [firstSeed=1]
import { printGraph } from "@adjoint/ir";
import { printKernels, fuseKernels } from "@adjoint/passes";
import { checkFusion } from "../tests/fuse/helpers";
import { randomCase } from "../tests/fuse/random-graph";

const count = Number(process.argv[2] ?? 2000);
const first = Number(process.argv[3] ?? 1);
let failures = 0, nodes = 0, fusedKernels = 0, unfusedKernels = 0;
const t0 = performance.now();
for (let seed = first; seed < first + count; seed++) {
  const c = randomCase(seed);
  nodes += c.graph.nodes.length;
  try {
    for (const fuse of [true, false]) {
      const kg = checkFusion(c.graph, c.inputs, { fuse, maxBuffers: c.maxBuffers, materialize: c.materialize }, `seed ${seed}`);
      if (fuse) fusedKernels += kg.kernels.length;
      else unfusedKernels += kg.kernels.length;
    }
  } catch (e) {
    failures++;
    console.log(`seed ${seed} (maxBuffers ${c.maxBuffers}, materialize [${[...c.materialize].join(",")}]): ${(e as Error).message.split("\n")[0]}`);
    if (failures <= 3) {
      console.log(printGraph(c.graph));
      try {
        console.log(printKernels(fuseKernels(c.graph, { maxBuffers: c.maxBuffers, materialize: c.materialize })));
      } catch {}
    }
  }
}
const ms = performance.now() - t0;
console.log(`${count} graphs (${nodes} nodes): ${failures} failures; kernels fused ${fusedKernels}, unfused ${unfusedKernels}; ${(ms / 1000).toFixed(1)} s`);
process.exitCode = failures ? 1 : 0;
