/// <reference types="@webgpu/types" />
// The buffer and dispatch scheme on a device: 2-D grids past the per-dimension workgroup
// limit, binding merges under a small storage-buffer limit, in-place arena reuse (safe and
// rejected), bool stores from many threads into shared words, inputs uploaded only when
// their bytes change, and reading back only the requested outputs.
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Graph, type HostTensor, type Tensor } from "@adjoint/ir";
import type { Kernel, MemoryPlan, Plan } from "@adjoint/passes";
import { randomTensor } from "../conformance/patterns";
import { checkPlan } from "./compare";
import { testBackend } from "./gpu";
import { simplePlan } from "./plans";

/** A function exercising every kernel kind: elementwise, tree and serial reductions, matmul, gather. */
const mixed = (x: Tensor, w: Tensor, ids: Tensor) => {
  const h = t.tanh(t.matmul(x, w));
  return [t.sum(h, 1), t.max(h, 0), t.take(h, ids, 0), t.mul(h, 2)];
};
const mixedSpecs = [spec([70, 40]), spec([40, 90]), spec([5], "i32")];
const mixedInputs: HostTensor[] = [randomTensor([70, 40], 1), randomTensor([40, 90], 2), randomTensor([5], 3, "i32", 70)];

describe("dispatch grids and bindings", () => {
  it("folds the workgroup id over two dimensions past maxComputeWorkgroupsPerDimension", async () => {
    const g = trace(mixed as never, mixedSpecs);
    const backend = await testBackend();
    const exe = await backend.lower(simplePlan(g), { limits: { maxComputeWorkgroupsPerDimension: 10 } });
    expect(exe.gen.kernels.some((k) => k.grid.workgroups[1] > 1)).toBe(true);
    exe.dispose();
    await checkPlan(backend, g, simplePlan(g), mixedInputs, 1e-5, "2-D grid", { limits: { maxComputeWorkgroupsPerDimension: 10 } });
  });

  it("merges arena bindings when a kernel reads more values than the storage-buffer limit", async () => {
    const g = trace((a: Tensor, b: Tensor) => {
      const [p, q, r] = [t.exp(a), t.sin(b), t.mul(a, b)];
      return t.add(t.add(p, q), t.mul(r, p));
    }, [spec([300]), spec([300])]);
    // one fused kernel reading the three arena values p, q, r
    const plan = simplePlan(g);
    const [p, q, r, add1, mul2, add2] = g.nodes.map((n) => n.id);
    const fused: Kernel = {
      id: 3, loop: { kind: "elementwise", domain: [300] }, nodes: [add1, mul2, add2], stores: [add2],
      loads: new Map([p, q, r].map((v) => [v, { source: v, strides: [1], offset: 0 }])),
    };
    const kernels = [...plan.kernels.slice(0, 3), fused];
    const merged: Plan = { ...plan, kernels, memory: { ...plan.memory, buffers: new Map([...plan.memory.buffers].filter(([v]) => v !== add1 && v !== mul2)) } };
    const backend = await testBackend();
    const exe = await backend.lower(merged, { limits: { maxStorageBuffersPerShaderStage: 3 } });
    expect(exe.gen.kernels[3].bindings.bindings.length).toBeLessThanOrEqual(3);
    exe.dispose();
    await checkPlan(backend, g, merged, [randomTensor([300], 4), randomTensor([300], 5)], 1e-4, "merged bindings", { limits: { maxStorageBuffersPerShaderStage: 3 } });
  });
});

/** exp(x) then relu in place: the second kernel stores into the first's slot. */
function inPlacePlan(transposedRead: boolean): { g: Graph; plan: Plan } {
  const g = trace((x: Tensor) => t.relu(t.exp(x)), [spec([40, 40])]);
  const [exp, relu] = g.nodes.map((n) => n.id);
  const kernels: Kernel[] = [
    { id: 0, loop: { kind: "elementwise", domain: [40, 40] }, nodes: [exp], stores: [exp], loads: new Map([[0, { source: 0, strides: [40, 1], offset: 0 }]]) },
    { id: 1, loop: { kind: "elementwise", domain: [40, 40] }, nodes: [relu], stores: [relu], loads: new Map([[exp, { source: exp, strides: transposedRead ? [1, 40] : [40, 1], offset: 0 }]]) },
  ];
  const slot = (value: number, step: number) => ({ value, offset: 0, bytes: 6400, firstStep: step, lastStep: 1 });
  const memory: MemoryPlan = { buffers: new Map([[exp, slot(exp, 0)], [relu, slot(relu, 1)]]), arenaBytes: 6400, lowerBound: 6400, timeline: [], inputBytes: 6400, alignment: 256 };
  return { g, plan: { graph: g, kernels, memory } };
}

describe("in-place arena reuse", () => {
  it("runs an elementwise kernel writing over the slot it reads element by element", async () => {
    const { g, plan } = inPlacePlan(false);
    await checkPlan(await testBackend(), g, plan, [randomTensor([40, 40], 6)]);
  });
  it("rejects a plan that writes over a slot it reads in another order", async () => {
    const { plan } = inPlacePlan(true);
    await expect((await testBackend()).lower(plan)).rejects.toThrow(/kernel 1 writes %2 = relu .* over bytes it reads as %1 = exp/);
  });
});

describe("large domains", () => {
  it("runs several elements per thread", async () => {
    const g = trace((x: Tensor) => t.mul(t.exp(x), x), [spec([300_001])]);
    await checkPlan(await testBackend(), g, simplePlan(g), [randomTensor([300_001], 10)]);
  });
});

describe("bool values", () => {
  it("many threads store neighbouring bool bytes (elementwise and a reduce epilogue)", async () => {
    const g = trace((x: Tensor) => [t.gt(x, 0), t.gt(t.sum(x, 1), 0)], [spec([333, 77])]);
    await checkPlan(await testBackend(), g, simplePlan(g), [randomTensor([333, 77], 7)]);
  });
});

describe("uploads and readback", () => {
  it("writes an input only when its bytes changed, and reads back only the requested outputs", async () => {
    const backend = await testBackend();
    const g = trace((x: Tensor, y: Tensor) => [t.add(x, y), t.mul(x, y)], [spec([64]), spec([64])]);
    const exe = await backend.lower(simplePlan(g));
    const queue = backend.device.queue;
    const original = queue.writeBuffer;
    let writes = 0;
    queue.writeBuffer = function (this: GPUQueue, ...args: Parameters<GPUQueue["writeBuffer"]>) {
      writes++;
      return original.apply(this, args);
    } as GPUQueue["writeBuffer"];
    try {
      const x = randomTensor([64], 8), y = randomTensor([64], 9);
      await exe.run([x, y]);
      expect(writes).toBe(2);
      await exe.run([x, y]);
      expect(writes).toBe(2);
      (x.data as Float32Array)[3] += 1; // same array, new contents: uploaded again
      const [sum, product] = await exe.run([x, y], { outputs: [0] });
      expect(writes).toBe(3);
      expect(sum.data[3]).toBeCloseTo(x.data[3] + y.data[3], 5);
      expect(product).toBeUndefined();
    } finally {
      queue.writeBuffer = original;
      exe.dispose();
    }
  });
});

