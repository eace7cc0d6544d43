/**
 * Soak: compile, run and dispose N executables (default 1,000) in one process and print heap,
 * external memory and RSS every 100 (after a GC when node runs with --expose-gc). Flat figures
 * mean dispose releases what an executable holds. Each executable is a training step of a small
 * MLP (~1 MB of weights), so a leak of even one buffer per executable shows.
 *
 *   npx tsx --expose-gc bench/soak.ts [count=1000] [--backend=interpret|cpu|webgpu] [--shared-device]
 *
 * On webgpu, compiles use the registry's backend (one device per process since 97b6d6d; before,
 * a device per compile); --shared-device registers a device of this script's own instead.
 */
import { compile, spec, t, valueAndGrad, type Tensor } from "adjoint";
import { shareWebGpuDevice } from "../tests/reliability/backends";

const args = process.argv.slice(2);
const count = Number(args.find((a) => !a.startsWith("--")) ?? 1000);
const backend = args.find((a) => a.startsWith("--backend="))?.slice(10) ?? "cpu";
if (backend === "webgpu") {
  await import("../tests/webgpu/swiftshader-env");
  if (args.includes("--shared-device")) {
    const shared = await shareWebGpuDevice();
    if (shared instanceof Error) throw shared;
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
const mb = (b: number) => (b / 2 ** 20).toFixed(1).padStart(7);
function sample(label: string): { heap: number; rss: number } {
  gc?.();
  const m = process.memoryUsage();
  console.log(`${label.padStart(6)}  heap ${mb(m.heapUsed)} MB  external ${mb(m.external)} MB  arrayBuffers ${mb(m.arrayBuffers)} MB  rss ${mb(m.rss)} MB`);
  return { heap: m.heapUsed, rss: m.rss };
}

const loss = (w1: Tensor, w2: Tensor, x: Tensor) => t.mean(t.square(t.matmul(t.tanh(t.matmul(x, w1)), w2)));
const specs = [spec([256, 512]), spec([512, 16]), spec([32, 256])];
const data = specs.map((s) => Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i) * 0.05));

console.log(`soak: ${count} executables on ${backend}${args.includes("--shared-device") ? " (one shared device)" : ""}; gc ${gc ? "on" : "off (run with --expose-gc)"}`);
const first = sample("start");
let after100 = first;
const t0 = performance.now();
for (let i = 1; i <= count; i++) {
  const exe = await compile(valueAndGrad(loss, { argnums: [0, 1] }), specs, { backend });
  await exe.run(...data);
  exe.dispose();
  if (i % 100 === 0) {
    const s = sample(String(i));
    if (i === 100) after100 = s;
  }
}
const last = sample("end");
console.log(
  `${count} executables in ${((performance.now() - t0) / 1000).toFixed(1)} s; from executable 100 to the end: ` +
    `heap ${mb(last.heap - after100.heap)} MB, rss ${mb(last.rss - after100.rss)} MB`,
);
process.exit(0);
