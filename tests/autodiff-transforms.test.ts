// Higher-order derivatives, forward/reverse agreement, conventions and errors of the transforms.
import { describe, expect, it } from "vitest";
import { t, type Tensor } from "@adjoint/ir";
import { evaluate, grad, hessian, jacfwd, jacrev, jvp, printGraph, spec, trace, valueAndGrad, vjp, type HostTensor, type Tree } from "adjoint";

const f64 = (fn: (...xs: Tensor[]) => Tree<Tensor>, ...args: Parameters<typeof evaluate>[1]) => evaluate(fn, args, { precision: "f64" });
const arr = (h: unknown) => Array.from((h as HostTensor).data);
const vec = (data: number[], shape = [data.length]) => ({ shape, dtype: "f32" as const, data: Float64Array.from(data) });

describe("higher order", () => {
  // f(x) = x³ sin x and its derivatives, written out by hand
  const f = (x: Tensor) => t.mul(t.mul(x, t.mul(x, x)), t.sin(x));
  const x0 = 0.7;
  const s = Math.sin(x0), c = Math.cos(x0);
  it("grad, grad of grad and a third derivative match the analytic ones", () => {
    const d1 = 3 * x0 ** 2 * s + x0 ** 3 * c;
    const d2 = -(x0 ** 3) * s + 6 * x0 ** 2 * c + 6 * x0 * s;
    const d3 = -(x0 ** 3) * c - 9 * x0 ** 2 * s + 18 * x0 * c + 6 * s;
    expect(arr(f64(grad(f), x0))[0]).toBeCloseTo(d1, 5);
    expect(arr(f64(grad(grad(f)), x0))[0]).toBeCloseTo(d2, 5);
    expect(arr(f64(grad(grad(grad(f))), x0))[0]).toBeCloseTo(d3, 5);
  });

  it("Hessian-vector product as jvp of grad equals H v", () => {
    // g(x) = Σ x⁴/4 + (Σ x)²  ⇒  H = diag(3x²) + 2·11ᵀ
    const g = (x: Tensor) => t.add(t.div(t.sum(t.pow(x, 4)), 4), t.square(t.sum(x)));
    const x = [0.5, -1, 2], v = [1, 2, -1];
    const hv = f64((a, b) => jvp(grad(g), [a], [b])[1], vec(x), vec(v));
    const sumV = v.reduce((p, q) => p + q);
    expect(arr(hv)).toEqual(x.map((xi, i) => 3 * xi * xi * v[i] + 2 * sumV).map((e) => expect.closeTo(e, 6)));
    const H = arr(f64(hessian(g), vec(x)));
    const expected = x.flatMap((xi, i) => x.map((_, j) => (i === j ? 3 * xi * xi : 0) + 2));
    expect(H).toEqual(expected.map((e) => expect.closeTo(e, 6)));
  });

  it("jacfwd equals jacrev", () => {
    const W = [0.3, -0.2, 0.5, 1.1, 0.7, -0.4];
    const fn = (x: Tensor) => t.tanh(t.matmul(t.constant(W, [2, 3]), t.mul(x, x)));
    const x = vec([0.2, -0.6, 0.9]);
    const jf = f64(jacfwd(fn), x) as HostTensor;
    const jr = f64(jacrev(fn), x) as HostTensor;
    expect(jf.shape).toEqual([2, 3]);
    expect(jr.shape).toEqual([2, 3]);
    arr(jf).forEach((v, i) => expect(v).toBeCloseTo(arr(jr)[i], 10));
  });

  it("jvp matches a finite-difference directional derivative", () => {
    const fn = (a: Tensor, b: Tensor) => t.mul(t.sin(a), t.exp(t.mul(b, 0.3)));
    const a = [0.1, 0.5, -0.7], b = [1, -2, 0.4], da = [1, 0.5, -1], db = [0.2, 0.1, 0.3];
    const [, tan] = f64((p, q, dp, dq) => jvp(fn, [p, q], [dp, dq]) as [Tensor, Tensor], vec(a), vec(b), vec(da), vec(db)) as HostTensor[];
    const eps = 1e-6;
    const at = (k: number) => arr(f64(fn, vec(a.map((v, i) => v + k * eps * da[i])), vec(b.map((v, i) => v + k * eps * db[i]))));
    const plus = at(1), minus = at(-1);
    arr(tan).forEach((v, i) => expect(v).toBeCloseTo((plus[i] - minus[i]) / (2 * eps), 6));
  });

  it("vjp gives one cotangent per primal", () => {
    const fn = (a: Tensor, b: Tensor) => t.mul(a, b);
    const out = f64((a, b, ct) => {
      const [, back] = vjp(fn, a, b);
      return back(ct);
    }, vec([1, 2]), vec([3, 4]), vec([1, 10])) as HostTensor[];
    expect(arr(out[0])).toEqual([3, 40]);
    expect(arr(out[1])).toEqual([1, 20]);
  });
});

describe("conventions at non-differentiable points (docs/autodiff.md)", () => {
  const g = (fn: (x: Tensor) => Tensor) => (x: number[]) => arr(f64(grad((y: Tensor) => t.sum(fn(y))), vec(x)));
  it("relu'(0) = 0 and abs'(0) = 0", () => {
    expect(g(t.relu)([-1, 0, 2])).toEqual([0, 0, 1]);
    expect(g(t.abs)([-1, 0, 2])).toEqual([-1, 0, 1]);
  });
  it("max/min ties split the gradient evenly", () => {
    const both = (x: Tensor) => t.concat([t.maximum(x, 1), t.minimum(x, 1)]);
    expect(g(both)([1, 2])).toEqual([0.5 + 0.5, 1 + 0]);
    expect(g((x) => t.max(x))([1, 3, 3])).toEqual([0, 0.5, 0.5]);
  });
});

describe("structure of the transforms", () => {
  it("undoes broadcasting in the backward pass", () => {
    const loss = (x: Tensor, b: Tensor) => t.sum(t.square(t.add(x, b)));
    const x = [1, 2, 3, 4, 5, 6];
    const [, gb] = f64(valueAndGrad(loss, { argnums: 1 }), vec(x, [2, 3]), vec([0.5, -1, 2])) as [HostTensor, HostTensor];
    expect(gb.shape).toEqual([3]);
    expect(arr(gb)).toEqual([2 * (1.5 + 4.5), 2 * (1 + 4), 2 * (5 + 8)]);
  });
  it("stopGradient blocks the gradient", () => {
    expect(arr(f64(grad((x: Tensor) => t.sum(t.mul(t.stopGradient(x), x))), vec([2, -3])))).toEqual([2, -3]);
  });
  it("integer arguments carry no tangent; differentiating by one is an error", () => {
    const emb = (w: Tensor, ids: Tensor) => t.sum(t.take(w, ids, 0));
    const ids = { shape: [3], dtype: "i32" as const, data: Int32Array.from([1, 1, 0]) };
    expect(arr(f64(grad(emb), vec([1, 2, 3, 4], [2, 2]), ids))).toEqual([1, 1, 2, 2]);
    expect(() => f64(grad(emb, { argnums: 1 }), vec([1, 2, 3, 4], [2, 2]), ids)).toThrow(/argument 1 .*i32\[3\].*only f32 inputs have gradients/);
  });
  it("grad of a non-scalar function says so and suggests vjp", () => {
    expect(() => trace(grad((x: Tensor) => t.mul(x, 2)), [spec([3])])).toThrow(/must return one f32 scalar.*f32\[3\].*vjp/);
  });
  it("closes over values of the enclosing trace as constants", () => {
    const outer = (w: Tensor, x: Tensor) => grad((v: Tensor) => t.sum(t.mul(v, x)))(w);
    expect(arr(f64(outer, vec([1, 1]), vec([3, 4])))).toEqual([3, 4]);
  });
  it("backward nodes point at the forward node and the user's line", () => {
    const g = trace(grad((x: Tensor) => t.sum(t.tanh(x))), [spec([2])]);
    const text = printGraph(g);
    expect(text).toMatch(/= tanh %\d+ : f32\[2\] loc\("tests\/autodiff-transforms\.test\.ts":\d+:\d+\)/);
    expect(text).toMatch(/loc\(grad of %\d+ "tests\/autodiff-transforms\.test\.ts":\d+:\d+\)/);
  });
  it("every node the backward pass adds is tagged with the forward node it differentiates", () => {
    const f = (x: Tensor, y: Tensor) => t.sum(t.mul(t.tanh(t.mul(x, y)), x)); // x is used twice: cotangents add
    const forward = trace(f, [spec([3]), spec([3])]);
    const joint = trace(grad(f), [spec([3]), spec([3])]);
    const added = joint.nodes.slice(forward.nodes.length + 1); // + the cotangent seed
    expect(added.length).toBeGreaterThan(0);
    for (const n of added) expect(n.loc.origin?.kind, `%${n.id} ${n.op}`).toBe("grad");
  });
});

describe("closures whose first operand is an outer value", () => {
  it("record into the inner trace and capture the outer value", () => {
    const outer = (w: Tensor, x: Tensor) => grad((y: Tensor) => t.sum(t.mul(w, y)))(x);
    expect(arr(f64(outer, vec([3, 4]), vec([1, 1])))).toEqual([3, 4]);
  });
});
