/**
 * What scheduling and memory planning need to know about values and kernels: how many bytes
 * a value takes, which values live in the arena, and what each kernel reads and writes.
 */
import { AdjointError, DTYPE_BYTES, formatLoc, numel, type Graph, type Node, type TensorType, type ValueId } from "@adjoint/ir";
import type { Kernel } from "../plan/types";
import { valueIdBound } from "../value-ids";

/** Bytes of a dense tensor of this type. */
export const typeBytes = (type: TensorType): number => numel(type.shape) * DTYPE_BYTES[type.dtype];

/**
 * Per-value facts of a graph, in arrays indexed by value id. Graph inputs and `constant`
 * nodes are held by the caller or the executable, not the arena.
 */
export interface ValueTable {
  readonly graph: Graph;
  /** Bytes of each value (0 for ids that name nothing). */
  readonly bytes: Float64Array;
  /** 1 for graph inputs and constants: values that exist before the first step. */
  readonly external: Uint8Array;
  /** 1 for graph outputs: they stay live until the last step. */
  readonly isOutput: Uint8Array;
  /** The node that defines each id (undefined for inputs). */
  readonly nodes: readonly (Node | undefined)[];
}

/** Builds the value table of a graph. O(values). */
export function valueTable(graph: Graph): ValueTable {
  const bound = valueIdBound(graph);
  const bytes = new Float64Array(bound);
  const external = new Uint8Array(bound);
  const isOutput = new Uint8Array(bound);
  const nodes: (Node | undefined)[] = new Array(bound);
  for (const i of graph.inputs) {
    bytes[i.id] = typeBytes(i.type);
    external[i.id] = 1;
  }
  for (const n of graph.nodes) {
    bytes[n.id] = typeBytes(n.type);
    nodes[n.id] = n;
    if (n.op === "constant") external[n.id] = 1;
  }
  for (const o of graph.outputs) if (o >= 0 && o < bound) isOutput[o] = 1;
  return { graph, bytes, external, isOutput, nodes };
}

/** The distinct values a kernel reads from memory: its load sources and matmul operands. */
export function kernelReads(k: Kernel): ValueId[] {
  const seen = new Set<ValueId>();
  for (const access of k.loads.values()) seen.add(access.source);
  if (k.loop.kind === "matmul") {
    seen.add(k.loop.a.source);
    seen.add(k.loop.b.source);
  }
  return [...seen];
}

/** True when every member of the kernel is a recompute node (inserted by checkpointing). */
export function isRecomputeKernel(k: Kernel, table: ValueTable): boolean {
  if (k.nodes.length === 0) return false;
  for (const id of k.nodes) if (table.nodes[id]?.loc.origin?.kind !== "recompute") return false;
  return true;
}

/** Describes a value for error messages and reports: `%12 (tanh at file:line)`. */
export function describeValue(id: ValueId, table: ValueTable): string {
  const node = table.nodes[id];
  if (node) return `%${id} (${node.op} at ${formatLoc(node.loc)})`;
  const input = table.graph.inputs.find((i) => i.id === id);
  return input ? `%${id} (input "${input.name}")` : `%${id}`;
}

/** Which kernel (by position in `kernels`) stores each value; -1 where none does. */
export function producerIndex(kernels: readonly Kernel[], table: ValueTable): Int32Array {
  const producer = new Int32Array(table.bytes.length).fill(-1);
  kernels.forEach((k, i) => {
    for (const v of k.stores) {
      if (v < 0 || v >= producer.length || (!table.nodes[v] && !table.external[v])) {
        throw new AdjointError(`kernel ${k.id} stores %${v}, which is not a value of graph @${table.graph.name}`);
      }
      if (producer[v] >= 0 && !table.external[v]) {
        throw new AdjointError(`${describeValue(v, table)} is stored by two kernels (${kernels[producer[v]].id} and ${k.id})`);
      }
      producer[v] = i;
    }
  });
  return producer;
}
