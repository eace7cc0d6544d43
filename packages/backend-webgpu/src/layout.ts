/**
 * Where every value a plan touches lives on the GPU: graph inputs in buffers of their own,
 * `constant` nodes packed into one read-only constants buffer, and kernel stores at the
 * offsets `plan.memory` gave them in the arena. Also the size checks against the device.
 */
import { AdjointError, DTYPE_BYTES, formatLoc, numel, printNode, type DType, type Graph, type Node, type TensorType, type ValueId } from "@adjoint/ir";
import type { Plan } from "@adjoint/passes";
import type { WebGpuLimits } from "./limits";

/** A buffer the executable owns. Inputs are `input0`, `input1`, ... in graph input order. */
export type BufferKey = "arena" | "const" | "status" | "dummy" | `input${number}`;

/** The home of one value: a byte range in a buffer. */
export interface Home {
  readonly buffer: BufferKey;
  readonly offset: number;
  readonly bytes: number;
  readonly dtype: DType;
}

/** All homes of a plan and the buffers they need. */
export interface Layout {
  readonly homes: ReadonlyMap<ValueId, Home>;
  readonly arenaBytes: number;
  /** Bytes of each input buffer (rounded up to 16, so vec4 reads stay inside). */
  readonly inputBytes: readonly number[];
  /** The constants buffer's contents (at least 4 bytes). */
  readonly constData: Uint8Array;
}

/** Rounds up to a multiple of `a`. */
export const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

const bytesOf = (t: TensorType): number => numel(t.shape) * DTYPE_BYTES[t.dtype];

/** Lookup of nodes and inputs by id, and how to name them in errors. */
export class ValueInfo {
  private readonly nodes = new Map<ValueId, Node>();
  private readonly inputIndex = new Map<ValueId, number>();
  constructor(readonly graph: Graph) {
    for (const n of graph.nodes) this.nodes.set(n.id, n);
    graph.inputs.forEach((inp, i) => this.inputIndex.set(inp.id, i));
  }
  node(id: ValueId): Node | undefined {
    return this.nodes.get(id);
  }
  inputOf(id: ValueId): number | undefined {
    return this.inputIndex.get(id);
  }
  type(id: ValueId): TensorType {
    const n = this.nodes.get(id);
    if (n) return n.type;
    const i = this.inputIndex.get(id);
    if (i === undefined) throw new AdjointError(`WebGPU: the plan refers to %${id}, which is not in graph @${this.graph.name}`);
    return this.graph.inputs[i].type;
  }
  /** `%3 = exp %2 : f32[4] loc(...)`, or `input 'x' (%0: f32[4]) at file:line`. */
  describe(id: ValueId): string {
    const n = this.nodes.get(id);
    if (n) return printNode(n);
    const i = this.inputIndex.get(id);
    if (i === undefined) return `%${id}`;
    const inp = this.graph.inputs[i];
    return `input '${inp.name}' (%${id}: ${inp.type.dtype}[${inp.type.shape.join(",")}]) at ${formatLoc(inp.loc)}`;
  }
}

function constantBytes(node: Node): Uint8Array {
  const values = node.attrs.value as readonly number[];
  const dtype = node.type.dtype;
  const arr = dtype === "f32" ? Float32Array.from(values) : dtype === "i32" ? Int32Array.from(values, (v) => v | 0) : Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
  return new Uint8Array(arr.buffer, 0, arr.byteLength);
}

/** Places every value of `plan`; throws naming the value when one cannot fit the device. */
export function layoutPlan(plan: Plan, info: ValueInfo, limits: WebGpuLimits): Layout {
  const homes = new Map<ValueId, Home>();
  const maxBinding = limits.maxStorageBufferBindingSize;
  const tooBig = (id: ValueId, bytes: number, what: string, limit: number, name: string) =>
    new AdjointError(
      `WebGPU: ${info.describe(id)} takes ${bytes} bytes, more than the device's ${name} of ${limit} bytes ${what}. ` +
        `Split the value (smaller batch or layer), or use a device with larger limits.`,
      info.node(id)?.op,
      info.node(id)?.loc,
    );

  const inputBytes = plan.graph.inputs.map((inp, i) => {
    const bytes = bytesOf(inp.type);
    if (bytes > maxBinding) throw tooBig(inp.id, bytes, "(one binding)", maxBinding, "maxStorageBufferBindingSize");
    homes.set(inp.id, { buffer: `input${i}`, offset: 0, bytes, dtype: inp.type.dtype });
    return Math.max(16, alignUp(bytes, 16));
  });

  let arenaBytes = Math.max(16, alignUp(plan.memory.arenaBytes, 16));
  for (const [id, slot] of plan.memory.buffers) {
    // constants never need an arena copy: readers read the constants buffer directly
    if (info.inputOf(id) !== undefined || info.node(id)?.op === "constant") continue;
    const type = info.type(id);
    const need = bytesOf(type);
    if (slot.offset % 4 !== 0) {
      throw new AdjointError(`WebGPU: the memory plan puts ${info.describe(id)} at arena offset ${slot.offset}, not a multiple of 4; plan with alignment >= 4 (256 recommended)`);
    }
    if (slot.bytes < need) throw new AdjointError(`WebGPU: the memory plan gives ${info.describe(id)} ${slot.bytes} bytes, but it needs ${need}`);
    if (need > maxBinding) throw tooBig(id, need, "(one binding)", maxBinding, "maxStorageBufferBindingSize");
    homes.set(id, { buffer: "arena", offset: slot.offset, bytes: need, dtype: type.dtype });
    arenaBytes = Math.max(arenaBytes, alignUp(slot.offset + need, 16));
  }
  if (arenaBytes > limits.maxBufferSize) {
    throw new AdjointError(`WebGPU: the arena needs ${arenaBytes} bytes, more than the device's maxBufferSize of ${limits.maxBufferSize} bytes; reduce the batch or use checkpointing to lower peak memory`);
  }

  // constants read by kernels: packed, each at a bindable offset
  const align = limits.minStorageBufferOffsetAlignment;
  const chunks: { home: Home; data: Uint8Array }[] = [];
  let constBytes = 0;
  const place = (node: Node): Home => {
    const data = constantBytes(node);
    if (data.byteLength > maxBinding) throw tooBig(node.id, data.byteLength, "(one binding)", maxBinding, "maxStorageBufferBindingSize");
    const home: Home = { buffer: "const", offset: constBytes, bytes: data.byteLength, dtype: node.type.dtype };
    chunks.push({ home, data });
    constBytes = alignUp(constBytes + Math.max(4, data.byteLength), align);
    return home;
  };
  for (const k of plan.kernels) {
    const reads = [...k.loads.values()].map((a) => a.source);
    if (k.loop.kind === "matmul") reads.push(k.loop.a.source, k.loop.b.source);
    for (const id of [...reads, ...k.stores]) {
      if (homes.has(id)) continue;
      const node = info.node(id);
      if (node?.op === "constant") homes.set(id, place(node));
      else if (reads.includes(id)) {
        throw new AdjointError(`WebGPU: kernel ${k.id} reads ${info.describe(id)}, which is neither a graph input, a constant, nor stored by an earlier kernel in the memory plan`);
      }
    }
    for (const id of k.stores) {
      if (!homes.has(id)) throw new AdjointError(`WebGPU: kernel ${k.id} stores ${info.describe(id)}, but the memory plan has no arena slot for it`);
    }
  }
  for (const id of plan.graph.outputs) {
    const node = info.node(id);
    if (!homes.has(id) && node?.op === "constant") homes.set(id, place(node));
    if (!homes.has(id)) throw new AdjointError(`WebGPU: graph output ${info.describe(id)} is neither an input nor stored by any kernel`);
  }
  if (constBytes > limits.maxBufferSize) throw new AdjointError(`WebGPU: constants take ${constBytes} bytes, more than maxBufferSize (${limits.maxBufferSize})`);
  const constData = new Uint8Array(Math.max(16, alignUp(constBytes, 16)));
  for (const { home, data } of chunks) constData.set(data, home.offset);
  return { homes, arenaBytes, inputBytes, constData };
}
