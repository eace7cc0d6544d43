/// <reference types="@webgpu/types" />
/**
 * The WebGPU backend: WGSL code generation from a Plan, static buffers and bind groups, and
 * one command encoder per step. See docs/webgpu.md.
 */
export { createWebGpuBackend, capabilitiesOf, type WebGpuBackend } from "./backend";
export { lowerWebGpu, type WebGpuLowerOptions } from "./lower";
export { WebGpuExecutable, type ExecutableOptions, type RunOptions } from "./executable";
export { DEFAULT_LIMITS, limitsOf, type WebGpuLimits } from "./limits";
export { acquireDevice, probeAdapter, type AcquiredDevice, type AdapterProbe, type DeviceOptions, type GpuLike } from "./device";
export { generatePlan, type GeneratedKernel, type GeneratedPlan, type CodegenOptions } from "./codegen";
export { bindKernel, type Binding, type KernelBindings, type Place } from "./bindings";
export { WGSL_OPS, type Lowering } from "./wgsl/ops";
