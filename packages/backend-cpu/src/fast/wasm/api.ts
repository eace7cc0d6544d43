/**
 * The slice of the WebAssembly JS API this backend uses, typed locally: the project's `lib`
 * (es2023, no DOM) does not declare `WebAssembly`, and a global declaration here could clash
 * with a package that does include the DOM types.
 */

/** A compiled module (opaque; it can be posted to worker threads). */
export interface WasmModule {
  readonly __brand?: "WebAssembly.Module";
}

/** A linear memory; `buffer` is a SharedArrayBuffer when created shared. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => { readonly exports: Record<string, unknown> };
  Memory: new (desc: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** `globalThis.WebAssembly`, typed. */
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
