// Graphs whose fused form merges an elementwise kernel into a reduce kernel's prologue
// (horizontal fusion), shared by the backend tests.
import { spec, t, trace, type Graph, type Tensor } from "@adjoint/ir";
import { runPasses, simplifyPipeline } from "@adjoint/passes";
import { valueAndGrad, vjp } from "adjoint";

/** W4 of bench/workloads: Σ sin(x)·cos(x) + exp(-x·x). */
export const w4 = (x: Tensor): Tensor => t.sum(t.add(t.mul(t.sin(x), t.cos(x)), t.exp(t.neg(t.mul(x, x)))));

/** The simplified joint graph of `valueAndGrad(f)` at one input of `shape`: outputs [loss, dx]. */
export const joint = (f: (x: Tensor) => Tensor, shape: number[]): Graph => runPasses(trace(valueAndGrad(f), [spec(shape)]), simplifyPipeline).graph;

/** Sums of exp(sin(x)) over `axis` of x[rows, cols] (keepdims) and their vjp for a cotangent input: outputs [sums, dx]. */
export function sumsVjp(axis: 0 | 1, rows = 6, cols = 10): Graph {
  const f = (x: Tensor) => t.sum(t.exp(t.sin(x)), [axis], { keepdims: true });
  const h = (x: Tensor, ct: Tensor) => {
    const [y, back] = vjp(f, x);
    return [y as Tensor, back(ct)[0]];
  };
  return runPasses(trace(h, [spec([rows, cols]), spec(axis === 1 ? [rows, 1] : [1, cols])]), simplifyPipeline).graph;
}

/** Row maxima of x·x - x (a reduce_max) and their vjp: outputs [maxima, dx]. */
export function maxVjp(rows = 6, cols = 10): Graph {
  const f = (x: Tensor) => t.max(t.sub(t.mul(x, x), x), [1], { keepdims: true });
  const h = (x: Tensor, ct: Tensor) => {
    const [y, back] = vjp(f, x);
    return [y as Tensor, back(ct)[0]];
  };
  return runPasses(trace(h, [spec([rows, cols]), spec([rows, 1])]), simplifyPipeline).graph;
}
