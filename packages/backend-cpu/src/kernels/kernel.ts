import type { HostTensor, Node, OpAttrs, OpName } from "@adjoint/ir";

/**
 * Computes one node: fills `out` (already allocated for the node's type) from `args`.
 * Operand types have been checked against the op's `infer` before the call, so a kernel
 * may rely on them; `node` is there for error messages (op name and source location).
 */
export type Kernel<K extends OpName> = (out: HostTensor, args: readonly HostTensor[], attrs: OpAttrs<K>, node: Node) => void;

/** Kernels for a group of ops; `kernels` in table.ts joins the groups and is typed over every op. */
export type KernelTable<Names extends OpName> = { readonly [K in Names]: Kernel<K> };
