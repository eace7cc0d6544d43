/** The device limits the WebGPU backend plans against. */

/** The subset of `GPUSupportedLimits` that shapes code generation, binding and buffers. */
export interface WebGpuLimits {
  /** Storage buffers one compute shader may bind; fusion must split kernels that need more. */
  readonly maxStorageBuffersPerShaderStage: number;
  /** Largest byte range one storage binding may cover: no single value may be larger. */
  readonly maxStorageBufferBindingSize: number;
  /** Largest buffer: the arena, each input and the constants must each fit. */
  readonly maxBufferSize: number;
  /** Byte alignment of a binding's offset into a buffer. */
  readonly minStorageBufferOffsetAlignment: number;
  /** Workgroups per dispatch dimension; larger grids use a second dimension. */
  readonly maxComputeWorkgroupsPerDimension: number;
  /** Threads per workgroup. */
  readonly maxComputeInvocationsPerWorkgroup: number;
  /** Bytes of `var<workgroup>` memory per workgroup (matmul tiles, reduction trees). */
  readonly maxComputeWorkgroupStorageSize: number;
}

/** The WebGPU specification's default limits: what every adapter supports. */
export const DEFAULT_LIMITS: WebGpuLimits = Object.freeze({
  maxStorageBuffersPerShaderStage: 8,
  maxStorageBufferBindingSize: 128 * 1024 * 1024,
  maxBufferSize: 256 * 1024 * 1024,
  minStorageBufferOffsetAlignment: 256,
  maxComputeWorkgroupsPerDimension: 65535,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupStorageSize: 16384,
});

const KEYS = Object.keys(DEFAULT_LIMITS) as (keyof WebGpuLimits)[];

/** The limits an adapter or device reports, as a plain frozen object. */
export function limitsOf(source: GPUSupportedLimits): WebGpuLimits {
  const out: Record<string, number> = {};
  for (const k of KEYS) out[k] = Number(source[k]);
  return Object.freeze(out) as unknown as WebGpuLimits;
}

/** `requiredLimits` asking a device for everything the adapter offers on the keys we use. */
export function requiredLimitsFrom(adapter: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of KEYS) out[k] = Number(adapter[k]);
  return out;
}
