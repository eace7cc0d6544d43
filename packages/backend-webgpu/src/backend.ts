/// <reference types="@webgpu/types" />
/** The WebGPU backend: a device plus `lower(plan)`, implementing the compiler's Backend contract. */
import type { Backend, BackendCapabilities, LowerOptions, Plan } from "@adjoint/passes";
import { acquireDevice, type DeviceOptions } from "./device";
import type { WebGpuExecutable } from "./executable";
import type { WebGpuLimits } from "./limits";
import { lowerWebGpu, type WebGpuLowerOptions } from "./lower";

/** A backend bound to one device. */
export interface WebGpuBackend extends Backend {
  readonly name: "webgpu";
  readonly device: GPUDevice;
  readonly limits: WebGpuLimits;
  /** Adapter vendor/architecture/description, for reports. */
  readonly adapterInfo: string;
  lower(plan: Plan, opts?: LowerOptions & WebGpuLowerOptions): Promise<WebGpuExecutable>;
  /** Destroys the device. */
  dispose(): void;
}

/**
 * Capabilities the compiler plans against: one storage binding is kept back for the status
 * buffer (index checks, checkNumerics), so fusion's buffer budget is the device limit - 1.
 */
export function capabilitiesOf(limits: WebGpuLimits): BackendCapabilities {
  return {
    fusion: true,
    maxBuffersPerKernel: limits.maxStorageBuffersPerShaderStage - 1,
    maxBindingBytes: limits.maxStorageBufferBindingSize,
    alignment: limits.minStorageBufferOffsetAlignment,
    dtypes: ["f32", "i32", "bool"],
    // in-place slot reuse: the shader writer emits a point's stores after all its loads
    // (wgsl/body.ts), and the binder merges a store's range with the load it overlaps
    inplace: true,
  };
}

/** Acquires a device (see `acquireDevice`) and returns the backend on it. */
export async function createWebGpuBackend(opts: DeviceOptions = {}): Promise<WebGpuBackend> {
  const { device, limits, adapterInfo } = await acquireDevice(opts);
  let disposed = false;
  return {
    name: "webgpu",
    device,
    limits,
    adapterInfo,
    capabilities: capabilitiesOf(limits),
    lower: (plan, lowerOpts = {}) => lowerWebGpu(plan, device, lowerOpts),
    dispose: () => {
      if (disposed) return;
      disposed = true;
      device.destroy();
    },
  };
}
