import { AdjointError, formatLoc, formatType, inlineGraph, numel, t, traceWithTree, unflattenResult, type Tensor, type Traced } from "@adjoint/ir";
import { jvpGraph, vjpGraph } from "@adjoint/passes";
import type { TensorFn, Tree } from "./eager";

export interface GradOptions {
  /** Which arguments to differentiate: one index (result is one gradient) or a list. Default 0. */
  readonly argnums?: number | readonly number[];
}

/** Traces `f` on the types of `args` (a nested trace when called inside one). */
function traceAt(f: TensorFn, args: readonly Tensor[]): Traced {
  return traceWithTree(f, args.map((a) => ({ shape: a.shape, dtype: a.dtype })), f.name || "f");
}

function scalarOutput(traced: Traced, args: readonly Tensor[], what: string): void {
  const { graph } = traced;
  const out = graph.nodes.find((n) => n.id === graph.outputs[0]);
  const type = out?.type ?? graph.inputs.find((i) => i.id === graph.outputs[0])?.type;
  if (graph.outputs.length !== 1 || !type || type.shape.length !== 0 || type.dtype !== "f32") {
    const got = graph.outputs.length !== 1 ? `${graph.outputs.length} outputs` : type ? formatType(type) : "?";
    const loc = args[0]?.emitter.main.currentLoc();
    throw new AdjointError(
      `${what}: the function must return one f32 scalar (f32[]), but it returned ${got}` +
        ` (at ${formatLoc(loc)}). Reduce it first (t.sum, t.mean), or use vjp(f, ...) with a cotangent for non-scalar outputs`,
      undefined,
      loc,
    );
  }
}

/** `valueAndGrad(f)(...args)` → `[f(...args), gradients]`; f must return an f32 scalar. */
export function valueAndGrad(f: TensorFn, opts?: { readonly argnums?: number }): (...args: Tensor[]) => [Tensor, Tensor];
export function valueAndGrad(f: TensorFn, opts: { readonly argnums: readonly number[] }): (...args: Tensor[]) => [Tensor, Tensor[]];
export function valueAndGrad(f: TensorFn, opts: GradOptions = {}): (...args: Tensor[]) => [Tensor, Tensor | Tensor[]] {
  const transformed = (...args: Tensor[]): [Tensor, Tensor | Tensor[]] => {
    const traced = traceAt(f, args);
    scalarOutput(traced, args, "grad");
    const joint = vjpGraph(traced.graph, opts.argnums);
    const one = t.full([], 1);
    const [value, ...grads] = inlineGraph(joint, [...args, ...traced.captures, one]);
    return [value, Array.isArray(opts.argnums) ? grads : grads[0]];
  };
  return named(transformed, `value_and_grad_${f.name || "f"}`);
}

/** `grad(f)(...args)`: the gradient of a scalar function (JAX's `grad`). */
export function grad(f: TensorFn, opts?: { readonly argnums?: number }): (...args: Tensor[]) => Tensor;
export function grad(f: TensorFn, opts: { readonly argnums: readonly number[] }): (...args: Tensor[]) => Tensor[];
export function grad(f: TensorFn, opts: GradOptions = {}): (...args: Tensor[]) => Tensor | Tensor[] {
  const vg = valueAndGrad(f, opts as { argnums?: number });
  return named((...args: Tensor[]) => vg(...args)[1], `grad_${f.name || "f"}`);
}

/**
 * Forward mode: `jvp(f, primals, tangents)` → `[outputs, tangentsOut]`. Tangents are given
 * for every primal; those of integer primals must be null (they have none).
 */
export function jvp(f: TensorFn, primals: readonly Tensor[], tangents: readonly (Tensor | null)[]): [Tree<Tensor>, Tree<Tensor>] {
  if (tangents.length !== primals.length) throw new AdjointError(`jvp: ${primals.length} primals but ${tangents.length} tangents`);
  const traced = traceAt(f, primals);
  const wrt = primals.flatMap((p, i) => (p.dtype === "f32" && tangents[i] ? [i] : []));
  wrt.forEach((i) => {
    if (formatType(tangents[i]!.type) !== formatType(primals[i].type)) {
      throw new AdjointError(`jvp: tangent ${i} is ${formatType(tangents[i]!.type)} but its primal is ${formatType(primals[i].type)}`);
    }
  });
  const joint = jvpGraph(traced.graph, wrt);
  const outs = inlineGraph(joint, [...primals, ...traced.captures, ...wrt.map((i) => tangents[i]!)]);
  const n = traced.graph.outputs.length;
  return [unflattenResult(traced.outTree, outs.slice(0, n)) as Tree<Tensor>, unflattenResult(traced.outTree, outs.slice(n)) as Tree<Tensor>];
}

/**
 * Reverse mode: `vjp(f, ...primals)` → `[outputs, vjpFn]`; `vjpFn(...cotangents)` (one per
 * output leaf) gives one cotangent per primal (zeros for integer primals).
 */
export function vjp(f: TensorFn, ...primals: Tensor[]): [Tree<Tensor>, (...cts: Tensor[]) => Tensor[]] {
  const traced = traceAt(f, primals);
  const outs = inlineGraph(traced.graph, [...primals, ...traced.captures]);
  const wrt = primals.flatMap((p, i) => (p.dtype === "f32" ? [i] : []));
  // the primals as they are now: an in-place write after this call must not change the result
  const saved = [...primals, ...traced.captures].map((p) => p.clone());
  const vjpFn = (...cts: Tensor[]): Tensor[] => {
    if (cts.length !== outs.length) throw new AdjointError(`vjp: the function has ${outs.length} outputs but ${cts.length} cotangents were given`);
    const joint = vjpGraph(traced.graph, wrt);
    const grads = inlineGraph(joint, [...saved, ...cts]).slice(outs.length);
    return primals.map((p, i) => (wrt.includes(i) ? grads[wrt.indexOf(i)] : t.zerosLike(p)));
  };
  return [unflattenResult(traced.outTree, outs) as Tree<Tensor>, vjpFn];
}

/** One-hot basis tensor number `i` of a shape (a constant). */
function basis(shape: readonly number[], i: number): Tensor {
  const v = new Array<number>(numel(shape)).fill(0);
  v[i] = 1;
  return t.constant(v, shape);
}

function singleOutput(traced: Traced, what: string): void {
  if (traced.graph.outputs.length !== 1) throw new AdjointError(`${what}: the function must return one tensor, got ${traced.graph.outputs.length}`);
}

/** Jacobian by reverse mode: one VJP per output element. Shape: out.shape ++ x.shape. */
export function jacrev(f: TensorFn, opts: { argnum?: number } = {}): (...args: Tensor[]) => Tensor {
  const argnum = opts.argnum ?? 0;
  return named((...args: Tensor[]): Tensor => {
    const traced = traceAt(f, args);
    singleOutput(traced, "jacrev");
    const joint = vjpGraph(traced.graph, [argnum]);
    const outType = joint.inputs[joint.inputs.length - 1].type;
    const rows = Array.from({ length: numel(outType.shape) }, (_, i) => {
      const g = inlineGraph(joint, [...args, ...traced.captures, basis(outType.shape, i)])[1];
      return t.reshape(g, [1, ...g.shape]);
    });
    return t.reshape(t.concat(rows, 0), [...outType.shape, ...args[argnum].shape]);
  }, `jacrev_${f.name || "f"}`);
}

/** Jacobian by forward mode: one JVP per input element. Shape: out.shape ++ x.shape. */
export function jacfwd(f: TensorFn, opts: { argnum?: number } = {}): (...args: Tensor[]) => Tensor {
  const argnum = opts.argnum ?? 0;
  return named((...args: Tensor[]): Tensor => {
    const traced = traceAt(f, args);
    singleOutput(traced, "jacfwd");
    const joint = jvpGraph(traced.graph, [argnum]);
    const x = args[argnum];
    const cols = Array.from({ length: x.size }, (_, j) => {
      const d = inlineGraph(joint, [...args, ...traced.captures, basis(x.shape, j)])[1];
      return t.reshape(d, [...d.shape, 1]);
    });
    const out = cols[0].shape.slice(0, -1);
    return t.reshape(t.concat(cols, out.length), [...out, ...x.shape]);
  }, `jacfwd_${f.name || "f"}`);
}

/** Hessian of a scalar function: forward-over-reverse, `jacfwd(grad(f))`. */
export function hessian(f: TensorFn, opts: { argnum?: number } = {}): (...args: Tensor[]) => Tensor {
  const argnum = opts.argnum ?? 0;
  return named(jacfwd(grad(f, { argnums: argnum }), { argnum }), `hessian_${f.name || "f"}`);
}

function named<F extends (...args: never[]) => unknown>(fn: F, name: string): F {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}
