import { AdjointError, DTYPE_BYTES, formatType, numel, type DType, type Node, type Shape, type TensorType, type ValueId } from "@adjoint/ir";
import type { Plan } from "@adjoint/passes";

/** Where one value lives in the arena. */
export interface ValueLoc {
  readonly id: ValueId;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly numel: number;
  readonly byteOffset: number;
  /** Index of the first element in the arena-wide view of its dtype (F, I or U). */
  readonly elem: number;
}

/** Name of the arena-wide view generated code uses for a dtype. */
export const VIEW: Readonly<Record<DType, "F" | "I" | "U">> = { f32: "F", i32: "I", bool: "U" };

/** Bytes every region and value start is aligned to: a cache line, and v128-friendly. */
export const LINE = 64;

const align = (n: number, to = LINE) => Math.ceil(n / to) * to;

/**
 * The arena: [plan arena | graph inputs | constants | per-thread GEMM packing | step scratch].
 * The plan's offsets are used as given; inputs are copied in on each run, constants written
 * once when lowering, and the step scratch (column accumulators, partial sums, products with
 * no slot, strided operand copies) is sized by the largest need of any one step.
 */
export class ArenaLayout {
  readonly locs = new Map<ValueId, ValueLoc>();
  readonly inputs: ValueLoc[] = [];
  readonly constants: ValueLoc[] = [];
  private readonly copies = new Map<ValueId, ValueLoc>();
  readonly nodes = new Map<ValueId, Node>();
  readonly types = new Map<ValueId, TensorType>();
  private end: number;
  private scratchEnd = 0;

  constructor(readonly plan: Plan) {
    const { graph, memory } = plan;
    for (const n of graph.nodes) this.nodes.set(n.id, n);
    const types = this.types;
    for (const i of graph.inputs) types.set(i.id, i.type);
    for (const n of graph.nodes) types.set(n.id, n.type);
    for (const slot of memory.buffers.values()) {
      const type = types.get(slot.value);
      if (!type) throw new AdjointError(`memory plan has a slot for %${slot.value}, which is not a value of @${graph.name}`);
      const bytes = numel(type.shape) * DTYPE_BYTES[type.dtype];
      if (slot.bytes < bytes || slot.offset < 0 || slot.offset + bytes > memory.arenaBytes) {
        throw new AdjointError(
          `memory plan slot of %${slot.value} (${formatType(type)}, ${bytes} bytes) at [${slot.offset}, ${slot.offset + slot.bytes}) ` +
            `does not hold it inside the ${memory.arenaBytes}-byte arena`,
        );
      }
      this.place(slot.value, type.dtype, type.shape, slot.offset);
    }
    this.end = align(memory.arenaBytes);
    for (const i of graph.inputs) {
      if (this.locs.has(i.id)) throw new AdjointError(`memory plan places graph input '${i.name}' (%${i.id}) in the arena; inputs live outside it`);
      this.inputs.push(this.append(i.id, i.type.dtype, i.type.shape));
    }
    for (const n of graph.nodes) {
      if (n.op === "constant" && !this.locs.has(n.id)) this.constants.push(this.append(n.id, n.type.dtype, n.type.shape));
    }
  }

  /**
   * Writes a source node (`full`, `iota`) into the constants area once: as the value's place
   * when no kernel stores it, or as a `copy` that fused loops read it from by flat index (its
   * arena slot, if any, being written by the kernel that computes it).
   */
  addConstant(node: Node, copy = false): ValueLoc {
    const known = copy ? this.copies.get(node.id) : undefined;
    if (known) return known;
    const saved = this.locs.get(node.id);
    const loc = this.append(node.id, node.type.dtype, node.type.shape);
    this.constants.push(loc);
    if (copy) {
      this.copies.set(node.id, loc);
      if (saved) this.locs.set(node.id, saved);
      else this.locs.delete(node.id);
    }
    return loc;
  }

  /** Where a fused loop reads source node `id` by flat index: its constants copy, else its place. */
  sourceLoc(id: ValueId, who: string): ValueLoc {
    return this.copies.get(id) ?? this.loc(id, who);
  }

  /** Location of a value; throws naming `who` when the plan gives it none. */
  loc(id: ValueId, who: string): ValueLoc {
    const l = this.locs.get(id);
    if (l) return l;
    const node = this.nodes.get(id);
    const what = node ? `%${id} (${node.op} ${formatType(node.type)})` : `%${id}`;
    throw new AdjointError(`${who} reads or writes ${what}, which has no place in memory: no kernel stores it and the memory plan has no slot for it`);
  }

  /**
   * Reserves `bytes` for each of `threads` threads (matmul packing buffers); call once, after
   * every value is placed. Returns the byte offset of thread 0's part; thread t's is `t·stride`
   * further, with `stride` the aligned size.
   */
  reservePerThread(bytes: number, threads: number): { base: number; stride: number } {
    const stride = align(bytes);
    const base = this.end;
    this.end += stride * threads;
    return { base, stride };
  }

  /**
   * Grows the step scratch to at least `bytes`: one area after everything else that each step
   * uses from its start while it runs (steps run one after another), so it costs the largest
   * single need, not the sum.
   */
  needScratch(bytes: number): void {
    this.scratchEnd = Math.max(this.scratchEnd, align(bytes));
  }

  /** Byte offset of the step scratch (after every value and per-thread area). Fixed once steps are built. */
  get scratchBase(): number {
    return this.end;
  }

  /** Total bytes of the arena. */
  get totalBytes(): number {
    return this.end + this.scratchEnd;
  }

  private place(id: ValueId, dtype: DType, shape: Shape, byteOffset: number): ValueLoc {
    const size = DTYPE_BYTES[dtype];
    if (byteOffset % size !== 0) throw new AdjointError(`memory plan offset ${byteOffset} of %${id} is not aligned to its ${size}-byte elements`);
    const loc = { id, dtype, shape, numel: numel(shape), byteOffset, elem: byteOffset / size };
    this.locs.set(id, loc);
    return loc;
  }

  private append(id: ValueId, dtype: DType, shape: Shape): ValueLoc {
    const loc = this.place(id, dtype, shape, this.end);
    this.end = align(this.end + Math.max(1, loc.numel * DTYPE_BYTES[dtype]));
    return loc;
  }
}
