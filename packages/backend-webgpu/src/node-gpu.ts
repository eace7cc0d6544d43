/**
 * Dawn for Node (the `webgpu` package). One `create()` instance per process, kept on
 * globalThis: if it is garbage-collected while devices live, Node crashes, and many
 * throwaway instances crash too (DESIGN.md, "Running WebGPU without a GPU").
 */
import type { GpuLike } from "./device";

const KEY = Symbol.for("adjoint.webgpu.dawn");

/** The process-wide Dawn `GPU`, created on first use. Browsers never load this module. */
export async function nodeGpu(): Promise<GpuLike> {
  const holder = globalThis as unknown as Record<symbol, GPU | undefined>;
  const existing = holder[KEY];
  if (existing) return existing;
  const dawn = await import("webgpu");
  // Dawn's GPU* classes (GPUBufferUsage, GPUMapMode, ...) as globals, as a browser has them.
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  holder[KEY] = gpu;
  return gpu;
}
