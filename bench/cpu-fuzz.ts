/**
 * The CPU backend on the fusion fuzzer's seeded random graphs (tests/fuse/random-graph.ts):
 * each graph fused (random buffer limits and materialise sets), scheduled, memory-planned,
 * lowered and run on 1 or 2 threads, against the reference interpreter.
 *
 *   npx tsx bench/cpu-fuzz.ts [count=500] [firstSeed=1] [threads=1]
 */
import { printGraph } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { lowerCpu } from "@adjoint/backend-cpu";
import { randomCase } from "../tests/fuse/random-graph";
import { mismatch } from "../tests/cpu/compare";

const [count, first, threads] = [Number(process.argv[2] ?? 500), Number(process.argv[3] ?? 1), Number(process.argv[4] ?? 1)];
let failures = 0;
const t0 = performance.now();
for (let seed = first; seed < first + count; seed++) {
  const c = randomCase(seed);
  try {
    const plan = planKernels(fuseKernels(c.graph, { maxBuffers: c.maxBuffers, materialize: c.materialize }), { alignment: 64 });
    const exe = lowerCpu(plan, { threads });
    const got = exe.run(c.inputs);
    exe.dispose();
    const want = interpret(c.graph, c.inputs);
    want.forEach((w, i) => {
      const bad = mismatch(got[i], w, 1e-5);
      if (bad) throw new Error(`output ${i}: ${bad}`);
    });
  } catch (e) {
    failures++;
    console.log(`seed ${seed}: ${(e as Error).message.split("\n")[0]}`);
    if (failures <= 2) console.log(printGraph(c.graph));
  }
}
console.log(`${count} graphs: ${failures} failures; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
process.exitCode = failures ? 1 : 0;
