/**
 * Forward mode against finite differences: the tangent output of a jvp program equals the
 * central difference (f(x + εv) − f(x − εv)) / 2ε, both evaluated in f64 on the interpreter.
 */
import { evaluate, type HostTensor, type TensorFn, type Tree } from "adjoint";
import { flattenTree } from "./flatten";

const toF64 = (h: HostTensor): HostTensor => (h.dtype === "f32" ? { ...h, data: Float64Array.from(h.data) } : h);

/**
 * Why the tangents of `jvpFn` (inputs: primals, then one tangent per f32 primal) disagree with
 * finite differences of `f` (inputs: the primals), or undefined when they agree.
 */
export function jvpcheck(jvpFn: TensorFn, f: TensorFn, inputs: readonly HostTensor[], tangentsFrom: number, eps = 1e-6, atol = 1e-5, rtol = 1e-4): string | undefined {
  const xs = inputs.map(toF64);
  const [, tangentOut] = flattenTree(evaluate(jvpFn, xs, { precision: "f64" }) as Tree<HostTensor>);
  const primals = xs.slice(0, tangentsFrom);
  const tangents = xs.slice(tangentsFrom);
  const shifted = (sign: number) =>
    primals.map((p, i) => (p.dtype === "f32" && tangents[i] ? { ...p, data: p.data.map((v, j) => v + sign * eps * tangents[i].data[j]) } : p));
  const [plus] = flattenTree(evaluate(f, shifted(1), { precision: "f64" }) as Tree<HostTensor>);
  const [minus] = flattenTree(evaluate(f, shifted(-1), { precision: "f64" }) as Tree<HostTensor>);
  for (let j = 0; j < plus.data.length; j++) {
    const numeric = (plus.data[j] - minus.data[j]) / (2 * eps);
    const analytic = tangentOut.data[j];
    if (!(Math.abs(analytic - numeric) <= atol + rtol * Math.abs(numeric))) {
      return `jvpcheck FAILED: tangent element ${j}: forward mode ${analytic}, finite differences ${numeric}`;
    }
  }
  return undefined;
}
