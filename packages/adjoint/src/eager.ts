import { traceWithTree, unflattenResult, type HostTensor, type Tensor } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { toHost, typeOfArg, type ArgLike } from "./host";

/** A function's result: a tensor, or arrays/objects of them. */
export type Tree<L> = L | readonly Tree<L>[] | { readonly [key: string]: Tree<L> };

/** Any function over tensors that traces. */
export type TensorFn = (...args: Tensor[]) => Tree<Tensor>;

/**
 * Runs a tensor function on concrete data right away (trace + reference interpreter), like
 * calling a JAX function eagerly. `precision: "f64"` evaluates in double precision.
 */
export function evaluate(fn: TensorFn, args: readonly ArgLike[], opts: { precision?: "f32" | "f64" } = {}): Tree<HostTensor> {
  const hosts = args.map((a, i) => toHost(a, typeOfArg(a), `evaluate: argument ${i}`));
  return evaluateHost(fn, hosts, opts.precision ?? "f32");
}

/** `evaluate` for inputs that are already HostTensors. */
export function evaluateHost(fn: TensorFn, inputs: readonly HostTensor[], precision: "f32" | "f64"): Tree<HostTensor> {
  const { graph, outTree } = traceWithTree(fn, inputs.map((h) => ({ shape: h.shape, dtype: h.dtype })), fn.name || "evaluate");
  return unflattenResult(outTree, interpret(graph, inputs, { precision })) as Tree<HostTensor>;
}
