/**
 * The bind group of one kernel. Two WebGPU rules shape it (Dawn enforces both):
 *
 * - usage scopes are per buffer, not per range: if a dispatch writes any part of a buffer,
 *   every binding of that buffer in the dispatch must be read_write ("storage"); a
 *   read-only binding of the same buffer is a validation error even for disjoint ranges;
 * - writable bindings of one buffer must not overlap.
 *
 * And binding offsets must be multiples of minStorageBufferOffsetAlignment. So:
 *
 * 1. every value the kernel reads or writes is a region of a buffer (arena slot, input,
 *    constants); its binding range starts at the region's offset rounded down to the
 *    alignment, and the shader adds the remainder;
 * 2. overlapping ranges of one buffer merge into one binding (this also covers in-place
 *    reuse, where a store shares a load's slot);
 * 3. a buffer the kernel writes (the arena, almost always) is bound read_write throughout;
 *    buffers it only reads (inputs, constants) are bound read-only;
 * 4. while the kernel needs more bindings than maxStorageBuffersPerShaderStage, the two
 *    closest bindings of one buffer merge (at worst one binding spans the kernel's part of
 *    the arena); if still too many, the error names the kernel: fusion must split it.
 *
 * Per-value ranges (rather than one binding of the whole arena) keep each binding within
 * maxStorageBufferBindingSize while the arena may grow to maxBufferSize.
 *
 * A binding holding a bool store is `array<atomic<u32>>`: bools are bytes, and a thread
 * writes its byte with atomicAnd/atomicOr so neighbouring threads' bytes survive.
 */
import { AdjointError, type DType, type ValueId } from "@adjoint/ir";
import type { BufferKey, Home, Layout } from "./layout";
import { alignUp } from "./layout";
import type { WebGpuLimits } from "./limits";

/** One `@binding(n)` of a kernel: a byte range of a buffer. */
export interface Binding {
  readonly buffer: BufferKey;
  readonly offset: number;
  readonly size: number;
  readonly write: boolean;
  readonly atomic: boolean;
}

/** Where a value sits in a kernel's bindings: `base` is its byte offset inside binding `binding`. */
export interface Place {
  readonly binding: number;
  readonly base: number;
  readonly dtype: DType;
}

/** The bindings of one kernel and where each of its values is. */
export interface KernelBindings {
  readonly bindings: readonly Binding[];
  readonly places: ReadonlyMap<ValueId, Place>;
  /** Binding of the status buffer (numerics flags, index errors), if the kernel reports. */
  readonly status?: number;
}

/** What a kernel touches, as the binder needs it. */
export interface KernelAccesses {
  readonly id: number;
  readonly reads: readonly ValueId[];
  readonly stores: readonly ValueId[];
  readonly needsStatus: boolean;
}

interface Range {
  buffer: BufferKey;
  start: number;
  end: number;
  write: boolean;
  atomic: boolean;
  values: ValueId[];
}

const DUMMY: Home = { buffer: "dummy", offset: 0, bytes: 16, dtype: "f32" };

/** Plans the bind group of one kernel; see the file comment for the rules. */
export function bindKernel(k: KernelAccesses, layout: Layout, limits: WebGpuLimits, statusBytes: number): KernelBindings {
  const align = limits.minStorageBufferOffsetAlignment;
  const ranges: Range[] = [];
  const homeOf = new Map<ValueId, Home>();
  const add = (id: ValueId, write: boolean) => {
    const found = layout.homes.get(id);
    if (!found) throw new AdjointError(`WebGPU: kernel ${k.id} uses %${id}, which has no home on the device`);
    // an empty value is never read or written; it still needs a name in the shader
    const home = found.bytes === 0 ? { ...DUMMY, dtype: found.dtype } : found;
    homeOf.set(id, home);
    const start = Math.floor(home.offset / align) * align;
    // ends rounded to 16 bytes (buffers are sized in 16s), so a vec4 read of the last elements stays in range
    ranges.push({ buffer: home.buffer, start, end: alignUp(home.offset + home.bytes, 16), write, atomic: write && home.dtype === "bool", values: [id] });
  };
  for (const id of new Set(k.reads)) if (!k.stores.includes(id)) add(id, false);
  for (const id of k.stores) add(id, true);

  // merge overlapping ranges of each buffer
  ranges.sort((a, b) => (a.buffer < b.buffer ? -1 : a.buffer > b.buffer ? 1 : a.start - b.start));
  const merged: Range[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && last.buffer === r.buffer && r.start < last.end) joinInto(last, r);
    else merged.push({ ...r, values: [...r.values] });
  }
  const limit = limits.maxStorageBuffersPerShaderStage - (k.needsStatus ? 1 : 0);
  while (merged.length > limit) {
    // the adjacent pair of one buffer with the smallest gap between them
    let best = -1, gap = Infinity;
    for (let i = 0; i + 1 < merged.length; i++) {
      if (merged[i].buffer !== merged[i + 1].buffer) continue;
      const g = merged[i + 1].start - merged[i].end;
      if (g < gap) (gap = g), (best = i);
    }
    if (best < 0) {
      const names = merged.map((r) => r.buffer).join(", ");
      throw new AdjointError(
        `WebGPU: kernel ${k.id} needs ${merged.length + (k.needsStatus ? 1 : 0)} storage buffers (${names}${k.needsStatus ? ", status" : ""}), ` +
          `but the device allows ${limits.maxStorageBuffersPerShaderStage} per shader stage; fuse with maxBuffers <= ${limits.maxStorageBuffersPerShaderStage} so fusion splits it`,
      );
    }
    joinInto(merged[best], merged[best + 1]);
    merged.splice(best + 1, 1);
  }

  const written = new Set(merged.filter((r) => r.write).map((r) => r.buffer));
  const bindings: Binding[] = [];
  const places = new Map<ValueId, Place>();
  merged.forEach((r, i) => {
    const size = r.end - r.start;
    if (size > limits.maxStorageBufferBindingSize) {
      throw new AdjointError(
        `WebGPU: kernel ${k.id} must bind ${size} bytes of the ${r.buffer} buffer at once (values ${r.values.map((v) => `%${v}`).join(", ")}), ` +
          `more than maxStorageBufferBindingSize (${limits.maxStorageBufferBindingSize}); fuse with a lower maxBuffers or smaller values`,
      );
    }
    bindings.push({ buffer: r.buffer, offset: r.start, size, write: written.has(r.buffer), atomic: r.atomic });
    for (const v of r.values) {
      const home = homeOf.get(v)!;
      places.set(v, { binding: i, base: home.offset - r.start, dtype: home.dtype });
    }
  });
  if (!k.needsStatus) return { bindings, places };
  bindings.push({ buffer: "status", offset: 0, size: statusBytes, write: true, atomic: true });
  return { bindings, places, status: bindings.length - 1 };
}

function joinInto(a: Range, b: Range): void {
  a.start = Math.min(a.start, b.start);
  a.end = Math.max(a.end, b.end);
  a.write ||= b.write;
  a.atomic ||= b.atomic;
  a.values.push(...b.values);
}
