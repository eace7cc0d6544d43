/// <reference types="@webgpu/types" />
/**
 * A lowered plan on a device. One step: write the inputs whose bytes changed, encode all
 * dispatches in order into one compute pass of one command encoder, copy the requested
 * outputs (and the status words) into one staging buffer, submit once, mapAsync once.
 */
import { AdjointError, DTYPE_BYTES, formatType, numel, type HostTensor } from "@adjoint/ir";
import type { Plan } from "@adjoint/passes";
import type { GeneratedPlan } from "./codegen";
import { statusError } from "./errors";
import type { BufferKey } from "./layout";
import { alignUp } from "./layout";
import { lostWatch, raceLost, type LostWatch } from "./device-lost";
import { Pacer } from "./pace";

/** The device objects an executable owns (all but the device). */
export interface DeviceObjects {
  readonly device: GPUDevice;
  readonly buffers: ReadonlyMap<BufferKey, GPUBuffer>;
  /** Per kernel, one pipeline per dispatch. */
  readonly pipelines: readonly (readonly GPUComputePipeline[])[];
  readonly bindGroups: readonly GPUBindGroup[];
}

/** Options of an executable, fixed at lowering. */
export interface ExecutableOptions {
  /**
   * Sleep about the GPU time of the steps before (learnt by `Pacer`) before asking for the
   * results, so Dawn for Node's busy polling does not take a core from SwiftShader's shaders.
   */
  readonly pace?: boolean;
}

/** Options of one `run`. */
export interface RunOptions {
  /** Indices of the outputs to read back (default: all); the others are returned as undefined. */
  readonly outputs?: readonly number[];
}

/** The bytes of a host tensor as its dtype is stored on the device (padded to 4 bytes). */
function deviceBytes(t: HostTensor): Uint8Array {
  const data = t.dtype === "f32" ? (t.data instanceof Float32Array ? t.data : Float32Array.from(t.data))
    : t.dtype === "i32" ? (t.data instanceof Int32Array ? t.data : Int32Array.from(t.data))
    : Uint8Array.from(t.data, (v) => (v !== 0 ? 1 : 0));
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength % 4 === 0 && bytes.byteLength > 0) return bytes;
  const padded = new Uint8Array(Math.max(4, alignUp(bytes.byteLength, 4)));
  padded.set(bytes);
  return padded;
}

/** Byte equality, compared a 32-bit word at a time (device bytes are padded to 4). */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.byteLength !== b.byteLength) return false;
  const wa = new Uint32Array(a.buffer, a.byteOffset, a.byteLength >> 2), wb = new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
  return true;
};

/** A lowered plan, ready to run on its device. */
export class WebGpuExecutable {
  /** Compute dispatches per step. */
  readonly kernels: number;
  private readonly staging: GPUBuffer;
  /** What each input buffer holds (a host copy), or undefined when unknown (never written, or carried on the GPU). */
  private readonly uploaded: (Uint8Array | undefined)[];
  private readonly resident: boolean[];
  private queue: Promise<unknown> = Promise.resolve();
  /** Shared with every executable on the device: one `device.lost` reaction per device, not one per executable or run. */
  private readonly lost: LostWatch;
  private disposed = false;
  private readonly outSlots: { offset: number; bytes: number }[] = [];
  private readonly statusOffset: number;
  private readonly usesStatus: boolean;

  /** How long steps take on the GPU, to sleep before polling (see `ExecutableOptions.pace`). */
  private readonly pacer = new Pacer();

  constructor(
    readonly plan: Plan,
    readonly gen: GeneratedPlan,
    private readonly objs: DeviceObjects,
    private readonly carry: readonly { output: number; input: number }[],
    private readonly opts: ExecutableOptions = {},
  ) {
    this.kernels = gen.kernels.reduce((n, k) => n + k.dispatches.length, 0);
    this.uploaded = plan.graph.inputs.map(() => undefined);
    this.resident = plan.graph.inputs.map(() => false);
    let off = 0;
    for (const id of plan.graph.outputs) {
      const bytes = alignUp(gen.layout.homes.get(id)!.bytes, 4);
      this.outSlots.push({ offset: off, bytes });
      off += bytes;
    }
    this.statusOffset = off;
    this.usesStatus = gen.kernels.some((k) => k.bindings.status !== undefined);
    this.staging = objs.device.createBuffer({ size: Math.max(4, off + gen.statusBytes), usage: 0x1 | 0x8, label: "adjoint staging" });
    this.lost = lostWatch(objs.device);
  }

  /** Runs one step. Inputs in graph order; `null` keeps what the GPU holds (resident or carried inputs). */
  run(inputs: readonly (HostTensor | null | undefined)[], opts: RunOptions = {}): Promise<HostTensor[]> {
    const step = this.queue.then(() => this.step(inputs, opts));
    this.queue = step.catch(() => undefined);
    return step;
  }

  private checkAlive(): void {
    if (this.disposed) throw new AdjointError(`WebGPU: run on @${this.plan.graph.name} after dispose()`);
    const info = this.lost.info;
    if (info) throw new AdjointError(`WebGPU: the device was lost (${info.reason}): ${info.message}. Create a new backend to continue.`);
  }

  private upload(inputs: readonly (HostTensor | null | undefined)[]): void {
    const { graph } = this.plan;
    if (inputs.length !== graph.inputs.length) {
      throw new AdjointError(`@${graph.name}: expects ${graph.inputs.length} inputs (${graph.inputs.map((i) => `${i.name}: ${formatType(i.type)}`).join(", ")}), got ${inputs.length}`);
    }
    graph.inputs.forEach((inp, i) => {
      const given = inputs[i];
      if (given === null || given === undefined) {
        if (!this.resident[i]) throw new AdjointError(`@${graph.name}: input ${i} '${inp.name}' was never given, so the GPU holds no value for it`);
        return;
      }
      if (given.dtype !== inp.type.dtype || given.shape.join() !== inp.type.shape.join() || given.data.length !== numel(inp.type.shape)) {
        throw new AdjointError(`@${graph.name}: input ${i} '${inp.name}': expected ${formatType(inp.type)}, got ${formatType(given)} with ${given.data.length} values`);
      }
      const bytes = deviceBytes(given);
      const last = this.uploaded[i];
      if (last && sameBytes(last, bytes)) return;
      this.objs.device.queue.writeBuffer(this.objs.buffers.get(`input${i}`)!, 0, bytes);
      // a snapshot: the caller may change its array before the next run
      this.uploaded[i] = bytes.buffer === given.data.buffer ? bytes.slice() : bytes;
      this.resident[i] = true;
    });
  }

  private async step(inputs: readonly (HostTensor | null | undefined)[], opts: RunOptions): Promise<HostTensor[]> {
    this.checkAlive();
    this.upload(inputs);
    const { device, buffers, pipelines, bindGroups } = this.objs;
    const { graph } = this.plan;
    const wanted = opts.outputs ?? graph.outputs.map((_, i) => i);
    device.pushErrorScope("validation");
    const enc = device.createCommandEncoder({ label: `adjoint @${graph.name}` });
    if (this.usesStatus) enc.clearBuffer(buffers.get("status")!);
    const pass = enc.beginComputePass();
    this.gen.kernels.forEach((k, i) => {
      pass.setBindGroup(0, bindGroups[i]);
      k.dispatches.forEach((d, j) => {
        pass.setPipeline(pipelines[i][j]);
        pass.dispatchWorkgroups(...d.grid.workgroups);
      });
    });
    pass.end();
    for (const i of wanted) {
      const home = this.gen.layout.homes.get(graph.outputs[i])!;
      const slot = this.outSlots[i];
      if (slot.bytes) enc.copyBufferToBuffer(buffers.get(home.buffer)!, home.offset, this.staging, slot.offset, slot.bytes);
    }
    if (this.usesStatus) enc.copyBufferToBuffer(buffers.get("status")!, 0, this.staging, this.statusOffset, this.gen.statusBytes);
    for (const c of this.carry) {
      const home = this.gen.layout.homes.get(graph.outputs[c.output])!;
      enc.copyBufferToBuffer(buffers.get(home.buffer)!, home.offset, buffers.get(`input${c.input}`)!, 0, alignUp(home.bytes, 4));
      this.uploaded[c.input] = undefined;
      this.resident[c.input] = true;
    }
    device.queue.submit([enc.finish()]);
    const validation = device.popErrorScope();
    const submitted = performance.now();
    const sleep = this.opts.pace ? this.pacer.sleepMs() : 0;
    if (sleep) await new Promise((r) => setTimeout(r, sleep));
    const polling = performance.now();
    const lostError = (info: GPUDeviceLostInfo) => new AdjointError(`WebGPU: the device was lost during a step of @${graph.name} (${info.reason}): ${info.message}`);
    try {
      await raceLost(this.lost, this.staging.mapAsync(0x1), lostError);
    } catch (e) {
      this.checkAlive();
      const v = await raceLost(this.lost, validation, lostError);
      if (v) throw new AdjointError(`WebGPU: a step of @${graph.name} failed validation: ${v.message}`);
      throw e instanceof AdjointError ? e : new AdjointError(`WebGPU: reading results of @${graph.name} failed: ${(e as Error).message}`);
    }
    this.pacer.record(sleep ? polling - submitted : 0, performance.now() - polling);
    const v = await validation;
    const mapped = new Uint8Array(this.staging.getMappedRange());
    const results: HostTensor[] = [];
    let error: AdjointError | undefined;
    try {
      if (v) throw new AdjointError(`WebGPU: a step of @${graph.name} failed validation: ${v.message}`);
      for (const i of wanted) {
        const type = this.gen.info.type(graph.outputs[i]);
        const n = numel(type.shape);
        const src = mapped.slice(this.outSlots[i].offset, this.outSlots[i].offset + n * DTYPE_BYTES[type.dtype]);
        const data = type.dtype === "f32" ? new Float32Array(src.buffer) : type.dtype === "i32" ? new Int32Array(src.buffer) : src;
        results[i] = { shape: type.shape, dtype: type.dtype, data };
      }
      if (this.usesStatus) error = statusError(this.gen, new Uint32Array(mapped.slice(this.statusOffset, this.statusOffset + this.gen.statusBytes).buffer));
    } finally {
      this.staging.unmap();
    }
    if (error) throw error;
    return results;
  }

  /** Frees the executable's buffers (not the device). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.objs.buffers.values()) b.destroy();
    // the host copies of the inputs can be large (the weights): don't keep them for a dead executable
    this.uploaded.fill(undefined);
    this.staging.destroy();
  }
}
