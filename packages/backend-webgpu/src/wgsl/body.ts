/**
 * Emits a kernel's member nodes as WGSL statements at one loop point: loads on first use,
 * one `let` per member (commented with the member's printed node, so compile errors map
 * back to it), NaN/Inf flags when checking numerics, and stores of the stored members.
 *
 * Stores are held back until the body is finished (`finish`, `append`), so every load of a point comes before
 * any store at that point: a store may then share its slot with a value the kernel reads at
 * the same point (in-place reuse, `BackendCapabilities.inplace`).
 */
import { AdjointError, printNode, type Node, type ValueId } from "@adjoint/ir";
import type { Access, Kernel } from "@adjoint/passes";
import type { ValueInfo } from "../layout";
import { WGSL_TYPE, literal } from "./literals";
import type { MemoryAccess } from "./memory";
import { WGSL_OPS } from "./ops";
import type { HelperName } from "./prelude";

/** How indices are formed at the current loop point. */
export interface PointScope {
  /** Prefix of the names declared in this scope (scopes may repeat a load). */
  readonly prefix: string;
  /** The element index an access reads at this point. */
  readonly loadIndex: (access: Access) => string;
  /** The row-major index of a member's element (its own shape) at this point. */
  readonly ownIndex: (member: Node) => string;
}

/** Everything the body writer needs from the kernel being generated. */
export interface BodyContext {
  readonly kernel: Kernel;
  /** Position of the kernel in the schedule (its status slot). */
  readonly step: number;
  readonly info: ValueInfo;
  readonly memory: MemoryAccess;
  readonly checkNumerics: boolean;
  readonly helpers: Set<HelperName>;
  /** Every value the kernel computes, in order: `kernel.nodes` plus a reducer or matmul node not listed there. NaN flags name a position here. */
  readonly computed: readonly ValueId[];
  /**
   * Kernel-local numbers of values, in order of first use. WGSL names use these, never value
   * ids, so kernels that do the same work (repeated layers) get identical text and share a
   * pipeline.
   */
  readonly local: Map<ValueId, number>;
}

/** Movement ops that fold into accesses (and so may sit between a literal and its reader). */
const FOLDED = new Set(["broadcast", "transpose", "slice", "reshape", "custom_vjp"]);

/**
 * The value of a literal operand — a `full` node, or a chain of folded movement nodes over
 * one — which fused kernels read as a constant (neither a member nor a load).
 */
function literalOf(info: ValueInfo, id: ValueId): number | undefined {
  for (let n = info.node(id); n; n = info.node(n.op === "custom_vjp" ? n.args[n.args.length - 1] : n.args[0])) {
    if (n.op === "full") return n.attrs.value as number;
    if (!FOLDED.has(n.op)) return undefined;
  }
  return undefined;
}

/** The kernel-local number of value `id`. */
function localOf(ctx: BodyContext, id: ValueId): number {
  let n = ctx.local.get(id);
  if (n === undefined) ctx.local.set(id, (n = ctx.local.size));
  return n;
}

/** Writes member statements; values named so far are kept per scope. */
export class BodyWriter {
  private readonly out: string[] = [];
  private readonly pendingStores: string[] = [];
  private readonly names = new Map<ValueId, string>();
  private readonly stores: ReadonlySet<ValueId>;
  private readonly memberIndex = new Map<ValueId, number>();

  constructor(private readonly ctx: BodyContext, private readonly scope: PointScope, private readonly indent: string, inherited?: BodyWriter) {
    this.stores = new Set(ctx.kernel.stores);
    ctx.computed.forEach((id, i) => this.memberIndex.set(id, i));
    if (inherited) for (const [k, v] of inherited.names) this.names.set(k, v);
  }

  /** The statements written so far, the held-back stores last (they are emitted now). */
  finish(): string[] {
    this.flushStores();
    return this.out;
  }

  /** Appends a statement after everything written so far, the held-back stores included. */
  append(line: string): void {
    this.flushStores();
    this.out.push(line);
  }

  private flushStores(): void {
    this.out.push(...this.pendingStores);
    this.pendingStores.length = 0;
  }

  /** Declares a value computed elsewhere (the reducer's result, the matmul accumulator). */
  define(id: ValueId, expr: string): string {
    const name = `${this.scope.prefix}v${localOf(this.ctx, id)}`;
    const node = this.ctx.info.node(id)!;
    // `#n` is the value's position in `computed`: compile errors map the line back to the node
    this.out.push(`${this.indent}let ${name}: ${WGSL_TYPE[node.type.dtype]} = ${expr}; // #${this.memberIndex.get(id) ?? -1} ${node.op}`);
    this.names.set(id, name);
    this.after(node, name);
    return name;
  }

  /** The WGSL name of value `id` at this point: a member computed here or a load. */
  value(id: ValueId, user: ValueId): string {
    const known = this.names.get(id);
    if (known) return known;
    const access = this.ctx.kernel.loads.get(id);
    if (!access) {
      const lit = literalOf(this.ctx.info, id);
      if (lit !== undefined) return literal(this.ctx.info.type(id).dtype, lit);
      throw new AdjointError(
        `WebGPU: kernel ${this.ctx.kernel.id}: ${this.ctx.info.describe(user)} reads %${id}, which is neither a member computed before it nor a load of the kernel`,
      );
    }
    const name = `${this.scope.prefix}l${localOf(this.ctx, id)}`;
    const type = this.ctx.info.type(access.source);
    this.out.push(`${this.indent}let ${name}: ${WGSL_TYPE[type.dtype]} = ${this.ctx.memory.load(access.source, this.scope.loadIndex(access))};`);
    this.names.set(id, name);
    return name;
  }

  /** Emits `members` (elementwise, identity or source ops) in order. */
  members(ids: readonly ValueId[]): void {
    for (const id of ids) {
      const node = this.ctx.info.node(id);
      if (!node) throw new AdjointError(`WebGPU: kernel ${this.ctx.kernel.id} lists %${id} as a member, but it is not a node`);
      const lowering = WGSL_OPS[node.op as keyof typeof WGSL_OPS];
      // a member that is also a load key (a movement node the kernel materialises) is its load
      if (this.ctx.kernel.loads.has(id)) {
        this.define(id, this.value(id, id));
        continue;
      }
      // an identity (custom_vjp) is the value of its last operand; the others are residuals
      // kept only for the backward pass, which need not be read here
      const args = lowering?.kind === "identity" ? [this.value(node.args[node.args.length - 1], id)] : node.args.map((a) => this.value(a, id));
      let expr: string;
      if (lowering?.kind === "scalar") {
        expr = lowering.emit({
          args,
          argTypes: node.args.map((a) => this.ctx.info.type(a).dtype),
          node,
          ownIndex: () => this.scope.ownIndex(node),
          use: (h) => this.ctx.helpers.add(h),
        });
      } else if (lowering?.kind === "identity") {
        expr = args[args.length - 1];
      } else {
        throw new AdjointError(
          `WebGPU: kernel ${this.ctx.kernel.id} (${this.ctx.kernel.loop.kind}) cannot compute ${printNode(node)} as a member; ` +
            `${node.op} needs a kernel of its own`,
          node.op,
          node.loc,
        );
      }
      this.define(id, expr);
    }
  }

  /** Flags a non-finite member and queues the store of a stored one. */
  private after(node: Node, name: string): void {
    if (this.ctx.checkNumerics && node.type.dtype === "f32") {
      this.out.push(`${this.indent}flag_nonfinite(${name}, ${2 + this.ctx.step}u, ${this.memberIndex.get(node.id) ?? 0}u);`);
    }
    if (this.stores.has(node.id)) this.pendingStores.push(`${this.indent}${this.ctx.memory.store(node.id, this.scope.ownIndex(node), name)}`);
  }
}
