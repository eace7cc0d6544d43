/**
 * The backends the reliability checks run on: the registered ones ("interpret", "cpu",
 * "webgpu" and any plugin). WebGPU only on request (the bench's --webgpu): it needs an
 * adapter (SwiftShader without a GPU, see tests/webgpu/swiftshader-env.ts).
 */
import type { WebGpuBackend } from "@adjoint/backend-webgpu";
import { backendNames, registerBackend } from "adjoint";

/**
 * Registers "webgpu" on a device this caller owns: Vulkan pointed at SwiftShader when there is
 * no GPU, and one backend for every compile that the caller disposes when done (a test file's
 * afterAll). Returns the backend, or the error when there is no adapter.
 */
export async function shareWebGpuDevice(): Promise<WebGpuBackend | Error> {
  try {
    await import("../webgpu/swiftshader-env");
    const { createWebGpuBackend } = await import("@adjoint/backend-webgpu");
    const backend = await createWebGpuBackend();
    registerBackend("webgpu", () => backend);
    return backend;
  } catch (e) {
    return e as Error;
  }
}

/** The backends to fuzz: the registered ones, with "webgpu" only when asked for and available. */
export async function fuzzBackends(opts: { webgpu?: boolean } = {}): Promise<string[]> {
  const webgpu = opts.webgpu && backendNames().includes("webgpu") && !((await shareWebGpuDevice()) instanceof Error);
  return backendNames().filter((n) => n !== "webgpu" || webgpu);
}
