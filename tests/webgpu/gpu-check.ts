/**
 * The WebGPU checks as one plain script, for machines with a real GPU (or to run outside
 * vitest): every op case, the fused patterns and gradients, matmul sizes in both loop
 * styles and the special values, each compared with the interpreter; prints one line per
 * failure and a summary. Not a test: `npx tsx tests/webgpu/gpu-check.ts` (exit code 1 on a failure).
 */
import "./swiftshader-env";
import { interpret } from "@adjoint/backend-cpu";
import { OP_NAMES, spec, t, trace, type Graph, type HostTensor, type OpName, type Tensor } from "@adjoint/ir";
import { fuseKernels, planKernels, runPasses, simplifyPipeline, type Plan } from "@adjoint/passes";
import { createWebGpuBackend, type WebGpuLowerOptions } from "@adjoint/backend-webgpu";
import { valueAndGrad } from "adjoint";
import { opCases } from "../conformance/op-cases";
import { gradientCases, patternCases, randomTensor } from "../conformance/patterns";
import { simplePlan } from "./plans";

const backend = await createWebGpuBackend();
console.log(`adapter: ${backend.adapterInfo}; limits: ${JSON.stringify(backend.limits)}`);
let passed = 0, failed = 0;

/** First mismatch between `got` and the interpreter's `want`, or undefined. */
function mismatch(got: HostTensor[], want: HostTensor[], rtol: number): string | undefined {
  for (let o = 0; o < want.length; o++) {
    for (let i = 0; i < want[o].data.length; i++) {
      const a = got[o].data[i], e = want[o].data[i];
      const ok = Number.isNaN(e) ? Number.isNaN(a) : want[o].dtype !== "f32" || !Number.isFinite(e) ? a === e : Math.abs(a - e) <= rtol * (1 + Math.abs(e));
      if (!ok) return `output ${o} element ${i}: got ${a}, interpreter ${e}`;
    }
  }
  return undefined;
}

async function check(name: string, graph: Graph, plan: Plan, inputs: readonly HostTensor[], rtol: number, opts: WebGpuLowerOptions = {}): Promise<void> {
  try {
    const exe = await backend.lower(plan, opts);
    const got = await exe.run(inputs);
    exe.dispose();
    const bad = mismatch(got, interpret(graph, inputs), rtol);
    if (bad) throw new Error(bad);
    passed++;
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${(e as Error).message.split("\n").slice(0, 6).join("\n  ")}`);
  }
}

const specsOf = (xs: readonly HostTensor[]) => xs.map((x) => ({ shape: x.shape, dtype: x.dtype }));
const TRIG = new Set<OpName>(["sin", "cos"]), TRANS = new Set<OpName>(["exp", "log", "tanh", "sigmoid", "pow", "sqrt", "rsqrt"]);
for (const op of OP_NAMES) {
  for (const c of opCases[op]) {
    const g = trace(c.fn as never, specsOf(c.inputs));
    await check(`op ${op}: ${c.name}`, g, simplePlan(g), c.inputs, TRIG.has(op) ? 1e-4 : TRANS.has(op) ? 1e-5 : 1e-5);
  }
}
const fused = (g: Graph) => planKernels(fuseKernels(g, { maxBuffers: backend.capabilities.maxBuffersPerKernel }), { alignment: backend.capabilities.alignment });
for (const c of patternCases) {
  const g = runPasses(trace(c.fn as never, specsOf(c.inputs)), simplifyPipeline).graph;
  await check(`pattern ${c.name}`, g, fused(g), c.inputs, 2e-5);
}
for (const c of gradientCases) {
  const argnums = c.inputs.flatMap((x, i) => (x.dtype === "f32" ? [i] : []));
  const g = runPasses(trace(valueAndGrad(c.fn as never, { argnums }) as never, specsOf(c.inputs)), simplifyPipeline).graph;
  await check(`gradient ${c.name}`, g, fused(g), c.inputs, 2e-5);
}
const mT = (x: Tensor) => t.transpose(x, [...Array(x.ndim - 2).keys(), x.ndim - 1, x.ndim - 2]);
const MATMULS: [string, (a: Tensor, b: Tensor) => Tensor, number[], number[]][] = [
  ["3x5@5x7", t.matmul, [3, 5], [5, 7]], ["17x33@33x65", t.matmul, [17, 33], [33, 65]], ["100x37@37x129", t.matmul, [100, 37], [37, 129]],
  ["96x36@36x100", t.matmul, [96, 36], [36, 100]], ["aT@b", (a, b) => t.matmul(mT(a), b), [37, 50], [37, 70]], ["a@bT", (a, b) => t.matmul(a, mT(b)), [50, 37], [70, 37]],
  ["batched", (a, b) => t.matmul(a, mT(b)), [3, 2, 20, 30], [3, 2, 25, 30]], ["257x513@513x255", t.matmul, [257, 513], [513, 255]],
];
for (const style of ["tiled", "direct"] as const) {
  for (const [name, fn, a, b] of MATMULS) {
    const g = trace(fn as never, [spec(a), spec(b)]);
    // f32 sums of K products differ from the interpreter's (a double sum rounded once) by ~sqrt(K)·ulp
    await check(`matmul ${style} ${name}`, g, simplePlan(g), [randomTensor(a, 1), randomTensor(b, 2)], 1e-5 * Math.max(1, Math.sqrt(a[a.length - 1] / 64)), { matmul: style });
  }
}
const F = [0, -0, 1, -1, 0.5, -2.5, 3, 100, -100, 1e-30, 1e30, 3e38, Infinity, -Infinity, NaN, 88.5, 89, -104, Math.PI, 20];
const pairs = (): HostTensor[] => [
  { shape: [F.length ** 2], dtype: "f32", data: Float32Array.from(F.flatMap((x) => F.map(() => x))) },
  { shape: [F.length ** 2], dtype: "f32", data: Float32Array.from(F.flatMap(() => F)) },
];
for (const [name, fn] of Object.entries({ add: t.add, mul: t.mul, div: t.div, max: t.maximum, min: t.minimum, pow: t.pow, eq: t.eq, ne: t.ne, lt: t.lt })) {
  const g = trace(fn as never, [spec([F.length ** 2]), spec([F.length ** 2])]);
  // pow: f32 log2/exp2 on GPUs (NVIDIA: 1e-5 relative at 0.5^-100); 1e-5 holds on SwiftShader
  await check(`special ${name}`, g, simplePlan(g), pairs(), name === "pow" ? 1e-4 : 1e-6);
}
for (const [name, fn] of Object.entries({ exp: t.exp, log: t.log, tanh: t.tanh, sigmoid: t.sigmoid, sqrt: t.sqrt, rsqrt: t.rsqrt, sign: t.sign, relu: t.relu, toI32: (x: Tensor) => t.cast(x, "i32") })) {
  const g = trace(fn as never, [spec([F.length])]);
  await check(`special ${name}`, g, simplePlan(g), [{ shape: [F.length], dtype: "f32", data: Float32Array.from(F) }], 1e-5);
}
console.log(`SUMMARY passed ${passed} failed ${failed}`);
backend.dispose();
if (failed) process.exitCode = 1;
