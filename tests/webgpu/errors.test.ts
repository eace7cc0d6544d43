// Errors a user can act on: shader compile failures name the kernel's members and the WGSL
// line, oversize values name the tensor and the limit, no adapter says what to install,
// too many bindings say to split, bad indices and NaN/Inf name the op and source line, a
// lost device fails the step instead of hanging, and bad inputs name the argument.
import { describe, expect, it } from "vitest";
import { spec, t, trace, type HostTensor, type Tensor } from "@adjoint/ir";
import { createWebGpuBackend } from "@adjoint/backend-webgpu";
import { randomTensor } from "../conformance/patterns";
import { testBackend } from "./gpu";
import { simplePlan } from "./plans";

const f32 = (shape: number[], values: number[]): HostTensor => ({ shape, dtype: "f32", data: Float32Array.from(values) });
const i32 = (shape: number[], values: number[]): HostTensor => ({ shape, dtype: "i32", data: Int32Array.from(values) });

describe("WebGPU errors", () => {
  it("a shader that fails to compile names the kernel's members, their source line and the WGSL line", async () => {
    const g = trace((x: Tensor) => t.exp(x), [spec([4])]);
    const backend = await testBackend();
    const lowered = backend.lower(simplePlan(g), { patchWgsl: (code) => code.replace("= exp_f32(", "= no_such_function(") });
    const err = await lowered.then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/kernel 0 \(elementwise\) failed to compile/);
    expect(err?.message).toMatch(/%1 = exp %0 : f32\[4\] loc\(.*errors\.test\.ts":\d+:\d+\)/);
    expect(err?.message).toMatch(/WGSL \d+:\d+: error: .*no_such_function/);
    expect(err?.message).toMatch(/\| let v1: f32 = no_such_function\(/);
    expect(err?.message).toMatch(/while computing %1 = exp/);
  });

  it("a value larger than maxStorageBufferBindingSize names the tensor, its source line and the limit", async () => {
    const g = trace((x: Tensor) => t.tanh(t.matmul(x, x)), [spec([32, 32])]);
    const err = await (await testBackend()).lower(simplePlan(g), { limits: { maxStorageBufferBindingSize: 2048 } }).catch((e: Error) => e);
    expect(String(err)).toMatch(/input 'arg0' \(%0: f32\[32,32\]\) at .*errors\.test\.ts:\d+ takes 4096 bytes, more than the device's maxStorageBufferBindingSize of 2048 bytes/);
    // an intermediate: the 16x16 product of an 8x16 input (512 bytes) with itself
    const g2 = trace((x: Tensor) => t.sum(t.matmul(t.transpose(x), x)), [spec([8, 16])]);
    const err2 = await (await testBackend()).lower(simplePlan(g2), { limits: { maxStorageBufferBindingSize: 600 } }).catch((e: Error) => e);
    expect(String(err2)).toMatch(/%\d+ = matmul %\d+, %0 : f32\[16,16\] loc\(".*errors\.test\.ts":\d+:\d+\) takes 1024 bytes, more than the device's maxStorageBufferBindingSize of 600 bytes/);
  });

  it("no adapter: says so, and how to get one", async () => {
    const err = await createWebGpuBackend({ gpu: { requestAdapter: async () => null } }).catch((e: Error) => e);
    expect(String(err)).toMatch(/no adapter found/);
    expect(String(err)).toMatch(/VK_ICD_FILENAMES=\/usr\/lib\/chromium\/vk_swiftshader_icd\.json/);
    expect(String(err)).toMatch(/GPU driver/);
  });

  it("a kernel needing more storage buffers than the device allows says fusion must split it", async () => {
    const g = trace((a: Tensor, b: Tensor, c: Tensor, d: Tensor) => t.concat([a, b, c, d]), [spec([2]), spec([2]), spec([2]), spec([2])]);
    const err = await (await testBackend()).lower(simplePlan(g), { limits: { maxStorageBuffersPerShaderStage: 4 } }).catch((e: Error) => e);
    expect(String(err)).toMatch(/kernel 0 needs 5 storage buffers .* the device allows 4 per shader stage; fuse with maxBuffers <= 4/);
  });

  it("an out-of-range gather index names the op, the index, the axis size and the source line", async () => {
    const g = trace((w: Tensor, ids: Tensor) => t.take(w, ids, 0), [spec([5, 3]), spec([4], "i32")]);
    const exe = await (await testBackend()).lower(simplePlan(g));
    await expect(exe.run([randomTensor([5, 3], 1), i32([4], [0, 7, 2, 1])])).rejects.toThrow(/gather: index 7 is out of range for axis 0 of size 5 \(valid: 0\.\.4\) \(at .*errors\.test\.ts:\d+\)/);
    // the next step, with good indices, runs
    const [out] = await exe.run([randomTensor([5, 3], 1), i32([4], [0, 4, 2, 1])]);
    expect(out.shape).toEqual([4, 3]);
    exe.dispose();
  });

  it("checkNumerics names the first op producing NaN or Inf and its source line", async () => {
    const g = trace((x: Tensor) => t.sum(t.mul(t.log(x), 2)), [spec([4])]);
    const exe = await (await testBackend()).lower(simplePlan(g), { checkNumerics: true });
    await expect(exe.run([f32([4], [1, 2, -3, 4])])).rejects.toThrow(/checkNumerics: log produced NaN \(at .*errors\.test\.ts:\d+\)/);
    await expect(exe.run([f32([4], [1, 2, 0, 4])])).rejects.toThrow(/checkNumerics: log produced Inf/);
    const [ok] = await exe.run([f32([4], [1, 2, 3, 4])]);
    expect(ok.data[0]).toBeCloseTo(2 * Math.log(24), 4);
    exe.dispose();
  });

  it("a lost device fails the step with a clear error instead of hanging", async () => {
    const backend = await createWebGpuBackend(); // a second device, from a second adapter
    const g = trace((x: Tensor) => t.exp(x), [spec([4])]);
    const exe = await backend.lower(simplePlan(g));
    backend.dispose();
    await expect(exe.run([f32([4], [1, 2, 3, 4])])).rejects.toThrow(/device was lost/);
  });

  it("wrong inputs name the argument and the expected type", async () => {
    const g = trace((x: Tensor) => t.exp(x), [spec([4])]);
    const exe = await (await testBackend()).lower(simplePlan(g));
    await expect(exe.run([f32([5], [1, 2, 3, 4, 5])])).rejects.toThrow(/input 0 'arg0': expected f32\[4\], got f32\[5\]/);
    await expect(exe.run([])).rejects.toThrow(/expects 1 inputs \(arg0: f32\[4\]\), got 0/);
    await expect(exe.run([null as never])).rejects.toThrow(/input 0 'arg0' was never given/);
    exe.dispose();
    await expect(exe.run([f32([4], [1, 2, 3, 4])])).rejects.toThrow(/after dispose/);
  });
});
