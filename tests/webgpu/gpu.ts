// The test device: one per test file (vitest runs each file in its own fork), destroyed in
// afterAll. Without a GPU, Dawn runs on SwiftShader's Vulkan driver from Debian's chromium
// package; set ADJOINT_WEBGPU_NATIVE=1 to keep the machine's own driver instead.
import "./swiftshader-env";
import { afterAll } from "vitest";
import { createWebGpuBackend, type WebGpuBackend } from "@adjoint/backend-webgpu";

let backend: Promise<WebGpuBackend> | undefined;

afterAll(async () => {
  if (backend) (await backend.catch(() => undefined))?.dispose();
});

/** The file's WebGPU backend, created on first use and destroyed after the file's tests. */
export function testBackend(): Promise<WebGpuBackend> {
  backend ??= createWebGpuBackend();
  return backend;
}
