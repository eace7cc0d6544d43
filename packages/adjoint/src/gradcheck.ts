import { AdjointError, t, trace, type HostTensor, type Tensor } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { evaluateHost, type TensorFn } from "./eager";
import { toHost, typeOfArg, type ArgLike } from "./host";
import { valueAndGrad } from "./transforms";

export interface GradcheckOptions {
  /** Finite-difference step (central differences, in f64). Default 1e-6. */
  readonly eps?: number;
  readonly atol?: number;
  readonly rtol?: number;
  /** Arguments to check. Default: every f32 argument. */
  readonly argnums?: readonly number[];
  /** Seed of the random projection used for non-scalar outputs. */
  readonly seed?: number;
}

/** The element where the transform's gradient and finite differences disagree most. */
export interface GradcheckWorst {
  readonly argnum: number;
  readonly index: number[];
  readonly analytic: number;
  readonly numeric: number;
  readonly absError: number;
}

export interface GradcheckResult {
  readonly ok: boolean;
  /** Elements compared. */
  readonly checked: number;
  readonly worst: GradcheckWorst | null;
  /** A one-line report, e.g. for a test failure message. */
  readonly message: string;
}

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return (((r ^ (r >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

const multiIndex = (flat: number, shape: readonly number[]) => {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) ((idx[i] = flat % shape[i]), (flat = Math.floor(flat / shape[i])));
  return idx;
};

/**
 * Compares the reverse-mode gradient of `f` with central finite differences, both evaluated
 * in f64 on the reference interpreter. A non-scalar `f` is projected onto a fixed random
 * direction first, so every output element takes part.
 */
export function gradcheck(f: TensorFn, inputs: readonly ArgLike[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-5, rtol = opts.rtol ?? 1e-4;
  const hosts = inputs.map((x, i) => toHost(x, typeOfArg(x), `gradcheck: input ${i}`));
  const argnums = opts.argnums ?? hosts.flatMap((h, i) => (h.dtype === "f32" ? [i] : []));
  if (argnums.length === 0) throw new AdjointError("gradcheck: no f32 inputs to check");
  const rand = seededRandom(opts.seed ?? 1234);
  let projection: number[] | null = null;
  const scalar = (...xs: Tensor[]): Tensor => {
    const out = f(...xs);
    if (!(out && typeof out === "object" && "emitter" in out)) throw new AdjointError("gradcheck: f must return one tensor");
    const y = out as Tensor;
    if (y.ndim === 0) return y;
    projection ??= Array.from({ length: y.size }, rand);
    return t.sum(t.mul(y, t.constant(projection, y.shape)));
  };
  const [, grads] = evaluateHost(valueAndGrad(scalar, { argnums }), hosts, "f64") as [HostTensor, HostTensor[]];
  // traced once, interpreted twice per element
  const graph = trace(scalar, hosts.map((h) => ({ shape: h.shape, dtype: h.dtype })), "gradcheck");
  const value = (xs: HostTensor[]) => interpret(graph, xs, { precision: "f64" })[0].data[0];

  let worst: GradcheckWorst | null = null;
  let worstRatio = -1;
  let checked = 0;
  argnums.forEach((argnum, k) => {
    const x = hosts[argnum];
    for (let j = 0; j < x.data.length; j++) {
      const shifted = (delta: number) => {
        const data = Float64Array.from(x.data);
        data[j] += delta;
        return hosts.map((h, i) => (i === argnum ? { ...h, data } : h));
      };
      const numeric = (value(shifted(eps)) - value(shifted(-eps))) / (2 * eps);
      const analytic = grads[k].data[j];
      const absError = Math.abs(analytic - numeric);
      const ratio = Number.isNaN(absError) ? Infinity : absError / (atol + rtol * Math.abs(numeric));
      checked++;
      if (ratio > worstRatio) ((worstRatio = ratio), (worst = { argnum, index: multiIndex(j, x.shape), analytic, numeric, absError }));
    }
  });
  const ok = worstRatio <= 1;
  const w = worst as GradcheckWorst | null;
  const message = w
    ? `gradcheck ${ok ? "passed" : "FAILED"}: worst element argument ${w.argnum} [${w.index.join(",")}]: analytic ${w.analytic}, numeric ${w.numeric}, |error| ${w.absError.toExponential(2)} (atol ${atol}, rtol ${rtol}, ${checked} elements)`
    : "gradcheck: nothing to check";
  return { ok, checked, worst: w, message };
}
