// WebGPU resources over many executables and runs, observed by counting on the process's Dawn
// GPU: devices made and destroyed, and reactions registered on `device.lost` (each one lives,
// with what it references, until the device dies). bench/soak.ts measures the memory itself:
// through compile, RSS grows ~13 MB per executable (a device each); with one shared device the
// heap still grows ~600 bytes per run and ~1 MB (the host copies of the inputs) per executable.
import "../webgpu/swiftshader-env";
import { describe, expect, it } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import { compile, spec, t, trace, valueAndGrad, type HostTensor, type Tensor } from "adjoint";
import { seeded } from "../conformance/patterns";
import { nodeGpu } from "../../packages/backend-webgpu/src/node-gpu";

/** Counts devices and `device.lost` reactions made through the process-wide Dawn GPU from now on (installed once, before any test). */
async function countDevices(): Promise<{ made: number; destroyed: number; lostReactions: number }> {
  const counts = { made: 0, destroyed: 0, lostReactions: 0 };
  const gpu = (await nodeGpu()) as GPU;
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = async (options) => {
    const adapter = await requestAdapter(options);
    if (!adapter) return adapter;
    const requestDevice = adapter.requestDevice.bind(adapter);
    adapter.requestDevice = async (descriptor) => {
      const device = await requestDevice(descriptor);
      counts.made++;
      const lost = device.lost;
      expect(device.lost).toBe(lost); // one promise, so counting its reactions counts them all
      const then = lost.then.bind(lost);
      lost.then = ((...a: Parameters<typeof then>) => (counts.lostReactions++, then(...a))) as typeof lost.then;
      const destroy = device.destroy.bind(device);
      device.destroy = () => (counts.destroyed++, destroy());
      return device;
    };
    return adapter;
  };
  return counts;
}

const counts = await countDevices();

describe("WebGPU resources", () => {
  // Found by this test: the registry's "webgpu" factory made a device per compile that dispose()
  // never destroyed. Fixed by one shared backend per process (packages/adjoint/src/backends.ts).
  it("disposing every executable leaves at most one live device", async () => {
    const before = { ...counts };
    for (let i = 0; i < 3; i++) {
      const exe = await compile((x: Tensor) => t.tanh(x), [spec([4])], { backend: "webgpu" });
      await exe.run([1, 2, 3, 4]);
      exe.dispose();
    }
    expect(counts.made - counts.destroyed - (before.made - before.destroyed)).toBeLessThanOrEqual(1);
  });

  // Found by this test: the constructor and every step added a `device.lost.then(...)` reaction
  // referencing the executable or the step's graph, alive until the device dies (~600 bytes per
  // run). Fixed: one reaction per device (packages/backend-webgpu/src/device-lost.ts), steps wait
  // through a waiter set they leave when done; dispose drops the host copies of the inputs.
  it("runs and executables do not pile up device.lost reactions", async () => {
    const before = counts.lostReactions;
    for (let e = 0; e < 3; e++) {
      const exe = await compile((x: Tensor) => t.exp(x), [spec([4])], { backend: "webgpu" });
      for (let i = 0; i < 20; i++) await exe.run([1, 2, 3, 4]);
      exe.dispose();
    }
    expect(counts.made).toBeGreaterThan(0); // the counting saw the devices
    expect(counts.lostReactions - before).toBeLessThanOrEqual(1); // at most the device's first watcher
  });

  const step = (w: Tensor, x: Tensor, ids: Tensor) => {
    const h = t.tanh(t.matmul(x, w));
    return [t.sum(t.softmax(h)), t.scatterAdd(h, ids, 0, 3), t.mean(h, 0), valueAndGrad((v: Tensor) => t.sum(t.square(t.matmul(x, v))))(w)];
  };
  const specs = [spec([64, 32]), spec([8, 64]), spec([8], "i32")];
  const ids = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 0]);
  const random = (n: number, seed: number) => Float32Array.from({ length: n }, seeded(seed));
  const leaves = (r: unknown) => (r as HostTensor[]).flat(2) as HostTensor[];

  it("20 concurrent runs with different inputs each get their own results", async () => {
    const exe = await compile(step, specs, { backend: "webgpu" });
    const inputs = Array.from({ length: 20 }, (_, i) => [random(64 * 32, 100 + i), random(8 * 64, 200 + i)]);
    const results = await Promise.all(inputs.map(([w, x]) => exe.run(w, x, ids)));
    const g = trace(step, specs);
    results.forEach((r, i) => {
      const want = interpret(g, [{ shape: [64, 32], dtype: "f32", data: inputs[i][0] }, { shape: [8, 64], dtype: "f32", data: inputs[i][1] }, { shape: [8], dtype: "i32", data: ids }]);
      leaves(r).forEach((o, k) => o.data.forEach((v, j) => expect(Math.abs(v - want[k].data[j])).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want[k].data[j])))));
    });
    exe.dispose();
  });

  it("the same inputs give bitwise identical results run after run on one executable", async () => {
    const exe = await compile(step, specs, { backend: "webgpu" });
    const w = random(64 * 32, 1), x = random(8 * 64, 2);
    const runs: HostTensor[][] = [];
    for (let i = 0; i < 5; i++) runs.push(leaves(await exe.run(w, x, ids)));
    exe.dispose();
    const bits = (h: HostTensor) => Array.from(new Uint32Array(Float32Array.from(h.data).buffer));
    for (const r of runs.slice(1)) r.forEach((o, k) => expect(bits(o)).toEqual(bits(runs[0][k])));
  });
});
