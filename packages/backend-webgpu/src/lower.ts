/// <reference types="@webgpu/types" />
/**
 * Plan → device objects, all made at lower time: the arena, one buffer per input, the
 * constants buffer (uploaded once), the status buffer, one staging buffer for readback;
 * one pipeline per distinct WGSL text (created in parallel with createComputePipelineAsync)
 * and one bind group per kernel. Validation and out-of-memory errors are caught with error
 * scopes; compile failures are reported with the kernel's members and the WGSL line.
 */
import { AdjointError } from "@adjoint/ir";
import type { Plan } from "@adjoint/passes";
import { generatePlan, type GeneratedKernel, type GeneratedPlan } from "./codegen";
import type { MatmulStyle } from "./wgsl/matmul";
import { compileError } from "./errors";
import type { BufferKey } from "./layout";
import { limitsOf, type WebGpuLimits } from "./limits";
import { WebGpuExecutable, type DeviceObjects } from "./executable";

/** GPUBufferUsage and GPUShaderStage bits, spelled out so no global is needed. */
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
const COMPUTE_STAGE = 0x4;

/** Options of `lowerWebGpu`. */
export interface WebGpuLowerOptions {
  /** Flag the first op producing NaN/Inf at run time, with its source line (costs a check per f32 value). */
  readonly checkNumerics?: boolean;
  /**
   * Keep inputs resident and update them on the GPU: after each step, output `output` is
   * copied into input `input`'s buffer (e.g. new parameters over old ones). Pass `null` for
   * that input in later runs to use what the GPU holds.
   */
  readonly carry?: readonly { readonly output: number; readonly input: number }[];
  /**
   * Plan against tighter limits than the device's (each the stricter of the two): checks a
   * plan fits smaller devices, and lets tests reach 2-D dispatch or binding merges cheaply.
   */
  readonly limits?: Partial<WebGpuLimits>;
  /**
   * Generate for a GPU or for a CPU adapter (SwiftShader, llvmpipe: no barriers, direct
   * matmul loops). Default: detected from the adapter. Tests force "gpu" to run the GPU
   * code paths on SwiftShader.
   */
  readonly target?: "gpu" | "cpu";
  /**
   * Sleep most of the previous step's time before polling for results (see
   * `ExecutableOptions.pace`). Default: on for CPU adapters, whose shaders share the CPU.
   */
  readonly pace?: boolean;
  /** Matmul loop style (see `MatmulStyle`). Default: "cpu" for CPU adapters, "gpu" for GPUs. */
  readonly matmul?: MatmulStyle;
  /** Debugging hook: rewrites a kernel's WGSL before compilation (tests inject failures with it). */
  readonly patchWgsl?: (code: string, kernel: GeneratedKernel) => string;
}

/** Whether the device runs on the CPU (a fallback adapter such as SwiftShader). */
export function isCpuAdapter(device: GPUDevice): boolean {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  if (!info) return false;
  return info.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|warp/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
}

/** The stricter of each pair of limits (alignment: the larger; everything else: the smaller). */
function tighten(device: WebGpuLimits, wanted: Partial<WebGpuLimits> | undefined): WebGpuLimits {
  const out: Record<string, number> = { ...device };
  for (const [k, v] of Object.entries(wanted ?? {})) {
    if (v === undefined) continue;
    out[k] = k === "minStorageBufferOffsetAlignment" ? Math.max(out[k], v) : Math.min(out[k], v);
  }
  return out as unknown as WebGpuLimits;
}

async function popScopes(device: GPUDevice, n: number): Promise<GPUError | null> {
  let first: GPUError | null = null;
  for (let i = 0; i < n; i++) first = (await device.popErrorScope()) ?? first;
  return first;
}

/** One pipeline per dispatch of each kernel; identical WGSL is compiled once. */
async function makePipelines(device: GPUDevice, gen: GeneratedPlan, patch: WebGpuLowerOptions["patchWgsl"]): Promise<GPUComputePipeline[][]> {
  const byCode = new Map<string, Promise<GPUComputePipeline>>();
  const pipeline = (k: GeneratedKernel, original: string) => {
    const code = patch ? patch(original, k) : original;
    let p = byCode.get(code);
    if (!p) {
      const module = device.createShaderModule({ code, label: `adjoint kernel ${k.kernel.id}` });
      const layout = device.createBindGroupLayout({
        entries: k.bindings.bindings.map((b, i) => ({ binding: i, visibility: COMPUTE_STAGE, buffer: { type: b.write ? "storage" : "read-only-storage" } })),
      });
      p = device
        .createComputePipelineAsync({ layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: "main" } })
        .catch(async (e: unknown) => {
          const info = await module.getCompilationInfo();
          throw compileError(gen, k, code, info.messages, (e as Error)?.message);
        });
      byCode.set(code, p);
    }
    return p;
  };
  return Promise.all(gen.kernels.map((k) => Promise.all(k.dispatches.map((d) => pipeline(k, d.code)))));
}

/**
 * Lowers a plan onto `device`. The executable runs a step as: upload changed inputs with
 * writeBuffer, encode every dispatch in order into one command encoder, submit once, and
 * read the requested outputs back with one mapAsync.
 */
export async function lowerWebGpu(plan: Plan, device: GPUDevice, opts: WebGpuLowerOptions = {}): Promise<WebGpuExecutable> {
  const limits = tighten(limitsOf(device.limits), opts.limits);
  const cpu = opts.target ? opts.target === "cpu" : isCpuAdapter(device);
  const matmul = opts.matmul ?? (cpu ? "cpu" : "gpu");
  const gen = generatePlan(plan, { limits, checkNumerics: opts.checkNumerics, matmul, cpu });
  for (const c of opts.carry ?? []) {
    if (!(c.output >= 0 && c.output < plan.graph.outputs.length) || !(c.input >= 0 && c.input < plan.graph.inputs.length)) {
      throw new AdjointError(`WebGPU: carry {output: ${c.output}, input: ${c.input}} names no such output/input of @${plan.graph.name}`);
    }
    const o = gen.info.type(plan.graph.outputs[c.output]), i = plan.graph.inputs[c.input].type;
    if (o.dtype !== i.dtype || o.shape.join() !== i.shape.join()) {
      throw new AdjointError(`WebGPU: carry output ${c.output} (${o.dtype}[${o.shape}]) into input ${c.input} '${plan.graph.inputs[c.input].name}' (${i.dtype}[${i.shape}]): types differ`);
    }
  }
  device.pushErrorScope("out-of-memory");
  device.pushErrorScope("validation");
  const buffers = new Map<BufferKey, GPUBuffer>();
  const make = (key: BufferKey, size: number, usage: number) => {
    const b = device.createBuffer({ size, usage, label: `adjoint ${key}` });
    buffers.set(key, b);
    return b;
  };
  const rw = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
  make("arena", gen.layout.arenaBytes, rw);
  gen.layout.inputBytes.forEach((bytes, i) => make(`input${i}`, bytes, rw));
  make("const", gen.layout.constData.byteLength, USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC);
  make("status", gen.auxBytes, rw);
  make("dummy", 16, USAGE.STORAGE);
  device.queue.writeBuffer(buffers.get("const")!, 0, gen.layout.constData);

  let pipelines: GPUComputePipeline[][];
  try {
    pipelines = await makePipelines(device, gen, opts.patchWgsl);
  } catch (e) {
    await popScopes(device, 2);
    for (const b of buffers.values()) b.destroy();
    throw e;
  }
  const bindGroups = gen.kernels.map((k, i) =>
    device.createBindGroup({
      layout: pipelines[i][0].getBindGroupLayout(0),
      entries: k.bindings.bindings.map((b, j) => ({ binding: j, resource: { buffer: buffers.get(b.buffer)!, offset: b.offset, size: b.size } })),
    }),
  );
  const error = await popScopes(device, 2);
  if (error) {
    for (const b of buffers.values()) b.destroy();
    throw new AdjointError(`WebGPU: creating buffers, pipelines or bind groups for @${plan.graph.name} failed: ${error.message}`);
  }
  const objects: DeviceObjects = { device, buffers, pipelines, bindGroups };
  return new WebGpuExecutable(plan, gen, objects, opts.carry ?? [], { pace: opts.pace ?? cpu });
}
