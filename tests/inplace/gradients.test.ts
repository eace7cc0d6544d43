// Gradients through in-place code equal those of the same code written functionally: every
// write is a new SSA version, so autodiff sees ordinary values. The reference interpreter (f64)
// runs both joint graphs; one case is also checked against its derivative worked by hand.
import { describe, expect, it } from "vitest";
import { hessian, jvp, spec, t, trace, valueAndGrad, vjp, type Spec, type Tensor } from "adjoint";
import { f32, run } from "./helpers";

type Fn = (x: Tensor, w: Tensor) => Tensor;

interface Case {
  readonly name: string;
  readonly inPlace: Fn;
  readonly functional: Fn;
  readonly specs?: readonly Spec[];
}

const cases: Case[] = [
  {
    name: "every arithmetic method, with tensors and numbers",
    inPlace: (x, w) => {
      const y = t.mul(x, x);
      y.addInPlace(x).mulInPlace(w).subInPlace(1).divInPlace(t.add(w, 3));
      return t.sum(t.mul(y, y));
    },
    functional: (x, w) => {
      const y = t.div(t.sub(t.mul(t.add(t.mul(x, x), x), w), 1), t.add(w, 3));
      return t.sum(t.mul(y, y));
    },
  },
  {
    name: "an accumulator built by repeated addInPlace",
    inPlace: (x, w) => {
      const acc = t.zeros([3]);
      for (let k = 1; k <= 3; k++) acc.addInPlace(t.mul(t.sin(t.mul(x, k)), w));
      return t.sum(t.tanh(acc));
    },
    functional: (x, w) => {
      let acc = t.zeros([3]);
      for (let k = 1; k <= 3; k++) acc = t.add(acc, t.mul(t.sin(t.mul(x, k)), w));
      return t.sum(t.tanh(acc));
    },
  },
  {
    name: "assign replaces the value: no gradient flows to the old one",
    inPlace: (x, w) => {
      const y = t.tanh(x);
      y.assign(t.mul(x, w));
      return t.sum(t.mul(y, t.exp(x)));
    },
    functional: (x, w) => t.sum(t.mul(t.mul(x, w), t.exp(x))),
  },
  {
    name: "a broadcast operand receives the summed gradient",
    inPlace: (x, w) => {
      const y = t.exp(x);
      y.mulInPlace(w); // w: f32[3] broadcast over x's rows
      return t.sum(t.square(y));
    },
    functional: (x, w) => t.sum(t.square(t.mul(t.exp(x), w))),
    specs: [spec([2, 3]), spec([3])],
  },
  {
    name: "a clone keeps the old value while the original is written",
    inPlace: (x, w) => {
      const y = t.sin(x);
      const c = y.clone();
      y.mulInPlace(w);
      return t.sum(t.mul(y, c));
    },
    functional: (x, w) => t.sum(t.mul(t.mul(t.sin(x), w), t.sin(x))),
  },
  {
    name: "writing a parameter in place",
    inPlace: (x, w) => {
      w.mulInPlace(2);
      w.addInPlace(x);
      return t.sum(t.mul(w, w));
    },
    functional: (x, w) => {
      const w2 = t.add(t.mul(w, 2), x);
      return t.sum(t.mul(w2, w2));
    },
  },
];

const inputsFor = (specs: readonly Spec[]) =>
  specs.map((s, k) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return f32(Array.from({ length: n }, (_, i) => 0.3 * (i + 1) * (k === 0 ? 1 : -0.7) + 0.1 * k), s.shape);
  });

describe("gradients through in-place code", () => {
  for (const c of cases) {
    it(`equal the functional version: ${c.name}`, () => {
      const specs = c.specs ?? [spec([3]), spec([3])];
      const inputs = inputsFor(specs);
      const a = run(trace(valueAndGrad(c.inPlace, { argnums: [0, 1] }), specs), inputs);
      const b = run(trace(valueAndGrad(c.functional, { argnums: [0, 1] }), specs), inputs);
      expect(a).toEqual(b);
      expect(a.flat().every(Number.isFinite)).toBe(true);
    });
  }

  it("match the derivative worked by hand: d/dx Σ 3(x² + x) = 3(2x + 1)", () => {
    const f = (x: Tensor) => {
      const y = t.mul(x, x);
      y.addInPlace(x);
      y.mulInPlace(3);
      return t.sum(y);
    };
    const x = [0.5, -2, 1.25];
    const [value, dx] = run(trace(valueAndGrad(f), [spec([3])]), [f32(x)]);
    expect(value[0]).toBeCloseTo(x.reduce((s, v) => s + 3 * (v * v + v), 0), 12);
    expect(dx).toEqual(x.map((v) => 3 * (2 * v + 1)));
  });

  it("forward mode and second derivatives agree too (jvp and hessian keep the tags' versions apart)", () => {
    const inPlace = (x: Tensor) => {
      const y = t.exp(x);
      y.mulInPlace(x).addInPlace(t.sin(x));
      return t.sum(t.mul(y, y));
    };
    const functional = (x: Tensor) => {
      const y = t.add(t.mul(t.exp(x), x), t.sin(x));
      return t.sum(t.mul(y, y));
    };
    const inputs = [f32([0.2, -0.4, 0.9])];
    const h = (f: (x: Tensor) => Tensor) => run(trace(hessian(f), [spec([3])]), inputs);
    expect(h(inPlace)).toEqual(h(functional));
    const tangent = (f: (x: Tensor) => Tensor) =>
      run(trace((x: Tensor, v: Tensor) => jvp(f, [x], [v])[1] as Tensor, [spec([3]), spec([3])]), [...inputs, f32([1, -1, 0.5])]);
    expect(tangent(inPlace)).toEqual(tangent(functional));
  });
});

describe("vjp keeps the primals of its call", () => {
  // Fails until transforms.ts's vjp clones the primals (and captures) when called and inlines
  // the backward pass on those clones (the patch is in the in-place helper's report): today
  // vjpFn reads whatever version the primal object names when vjpFn is called.
  it("a primal written in place between vjp and vjpFn does not change the cotangent", () => {
    const g = trace((x: Tensor) => {
      const [, back] = vjp((a: Tensor) => t.sin(a), x);
      x.mulInPlace(2);
      return back(t.onesLike(x))[0];
    }, [spec([2])]);
    expect(run(g, [f32([0.5, -1])])[0]).toEqual([Math.cos(0.5), Math.cos(-1)]);
  });
});
