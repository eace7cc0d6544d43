/**
 * Seeded random programs for the pipeline fuzzer: a random body of steps (random-ops.ts),
 * optionally with `checkpoint(f)` regions and in-place writes, wrapped in one of the AD
 * transforms (grad, valueAndGrad, jvp, vjp, grad of grad, jvp of grad), or one of the fusion
 * fuzzer's graphs (tests/fuse/random-graph.ts) inlined as a whole program.
 */
import { inlineGraph, type HostTensor, type Spec, type Tensor } from "@adjoint/ir";
import { checkpoint, grad, jvp, spec, t, valueAndGrad, vjp, type TensorFn } from "adjoint";
import { seeded } from "../conformance/patterns";
import { randomInputs } from "../fuse/helpers";
import { randomCase } from "../fuse/random-graph";
import { int, pick, randomStep, type Rand } from "./random-ops";

/** How a program differentiates its body. */
export type ProgramKind = "forward" | "valueAndGrad" | "grad" | "jvp" | "vjp" | "gradOfGrad" | "jvpOfGrad" | "fuseCase";

/** One fuzz program: what to compile, on which inputs, and what finite differences can check. */
export interface RandomProgram {
  readonly seed: number;
  readonly kind: ProgramKind;
  readonly fn: TensorFn;
  readonly specs: readonly Spec[];
  readonly inputs: readonly HostTensor[];
  /** Smooth programs: the scalar loss whose gradient `fn` computes (for `gradcheck`). */
  readonly loss?: TensorFn;
  /** Smooth jvp programs: the function, for a finite-difference directional derivative. */
  readonly primal?: { readonly f: TensorFn; readonly tangentsFrom: number };
  readonly features: readonly string[];
}

/** Overrides for shrinking: the largest dimension size a shape may use. */
export interface ProgramSize {
  readonly maxDim?: number;
}

const KINDS: readonly ProgramKind[] = ["forward", "forward", "valueAndGrad", "valueAndGrad", "grad", "jvp", "vjp", "gradOfGrad", "jvpOfGrad", "fuseCase", "fuseCase"];

/** A random shape of rank 0–3 with dimensions in [1, maxDim]. */
function randomShape(rand: Rand, maxDim: number): number[] {
  return Array.from({ length: int(rand, 4) }, () => 1 + int(rand, maxDim));
}

/**
 * The body: a fixed sequence of steps over its arguments. It restarts its own generator on
 * every call, so each trace of it (compile, interpret, a nested grad) records the same graph.
 */
function makeBody(seed: number, steps: number, opts: { smooth: boolean; inplace: boolean; regions: boolean; labelsAt: number }): (...xs: Tensor[]) => Tensor[] {
  return (...xs: Tensor[]): Tensor[] => {
    const rand = seeded(seed);
    const labels = opts.labelsAt >= 0 ? xs[opts.labelsAt] : undefined;
    const pool = xs.filter((x) => x.dtype === "f32");
    const stepOpts = { smooth: opts.smooth, inplace: opts.inplace, labels };
    for (let i = 0; i < steps; i++) {
      if (opts.regions && rand() > 0.75) {
        // a checkpoint(f) region over 1–3 steps of its own, on two pool values
        const length = 1 + int(rand, 3);
        const region = checkpoint((a: Tensor, b: Tensor) => {
          const inner = [a, b];
          for (let j = 0; j < length; j++) inner.push(randomStep(rand, inner, stepOpts));
          return inner[inner.length - 1];
        });
        pool.push(region(pick(rand, pool), pick(rand, pool)));
      } else {
        pool.push(randomStep(rand, pool, stepOpts));
      }
    }
    return [pool[pool.length - 1], ...pool.slice(xs.length, -1).filter(() => rand() > 0.8)];
  };
}

/** A smooth scalar of the body's outputs whose second derivative is not trivially zero. */
const lossOf = (body: (...xs: Tensor[]) => Tensor[]): TensorFn => (...xs: Tensor[]) =>
  body(...xs).reduce((acc: Tensor, y) => t.add(acc, t.mean(t.mul(y, t.tanh(y)))), t.full([], 0));

function fuseCaseProgram(seed: number): RandomProgram {
  const c = randomCase(seed);
  const g = c.graph;
  return { seed, kind: "fuseCase", fn: (...xs: Tensor[]) => inlineGraph(g, xs), specs: g.inputs.map((i) => i.type), inputs: c.inputs, features: ["fuse-case"] };
}

/** The program for `seed`. */
export function randomProgram(seed: number, size: ProgramSize = {}): RandomProgram {
  const rand = seeded(seed * 104729 + 7);
  const kind = pick(rand, KINDS);
  if (kind === "fuseCase") return fuseCaseProgram(seed);
  // one program in seven uses dimensions up to 24: blocked matmuls, longer reductions
  const large = rand() > 0.86;
  const maxDim = size.maxDim ?? (large ? 24 : 4);
  const shapes = Array.from({ length: 1 + int(rand, 3) }, () => randomShape(rand, maxDim));
  const withLabels = rand() > 0.7;
  const rows = shapes[0].length === 2 ? shapes[0][0] : 4;
  const specs: Spec[] = [...shapes.map((s) => spec(s)), ...(withLabels ? [spec([rows], "i32")] : [])];
  const ad = kind !== "forward";
  const opts = {
    // finite differences take two interpreter runs per input element: small programs only
    smooth: ad && !large && rand() > 0.4,
    inplace: rand() > 0.6,
    regions: ad && rand() > 0.5,
    labelsAt: withLabels ? shapes.length : -1,
  };
  const body = makeBody(seed, large ? 2 + int(rand, 5) : 2 + int(rand, 10), opts);
  const loss = lossOf(body);
  const f32 = shapes.map((_, i) => i);
  const features = [kind, ...(large ? ["large"] : []), ...(opts.smooth ? ["smooth"] : []), ...(opts.inplace ? ["inplace"] : []), ...(opts.regions ? ["regions"] : []), ...(withLabels ? ["labels"] : [])];
  const base = { seed, kind, specs, features };
  const inputs = inputsFor(specs, seed);
  const gradcheckable = opts.smooth ? { loss } : {};
  switch (kind) {
    case "forward":
      return { ...base, fn: body, inputs };
    case "valueAndGrad":
      return { ...base, fn: valueAndGrad(loss, { argnums: f32 }), inputs, ...gradcheckable };
    case "grad":
      return { ...base, fn: grad(loss), inputs, ...gradcheckable };
    case "vjp": {
      const fn = (...xs: Tensor[]) => {
        const [outs, back] = vjp((...ys: Tensor[]) => body(...ys)[0], ...xs);
        return [outs, back(t.onesLike(outs as Tensor))];
      };
      return { ...base, fn, inputs };
    }
    case "jvp": {
      // tangents are extra inputs, one per f32 argument
      const fn = (...xs: Tensor[]) => {
        const primals = xs.slice(0, specs.length);
        const tangents = primals.map((p, i) => (p.dtype === "f32" ? xs[specs.length + i] : null));
        return jvp((...ys: Tensor[]) => body(...ys)[0], primals, tangents);
      };
      const allSpecs = [...specs, ...shapes.map((s) => spec(s))];
      return { ...base, specs: allSpecs, fn, inputs: inputsFor(allSpecs, seed), ...(opts.smooth ? { primal: { f: (...ys: Tensor[]) => body(...ys)[0], tangentsFrom: specs.length } } : {}) };
    }
    case "gradOfGrad": {
      // grad of a scalar of grad: second derivatives through every rule
      const outer = (...xs: Tensor[]) => t.sum(t.mul(grad(loss)(...xs), 0.5));
      return { ...base, fn: grad(outer), inputs, ...(opts.smooth ? { loss: outer } : {}) };
    }
    case "jvpOfGrad": {
      // Hessian-vector product: forward over reverse
      const fn = (...xs: Tensor[]) => jvp(grad(loss), xs.slice(0, specs.length), xs.slice(0, specs.length).map((x) => (x.dtype === "f32" ? t.onesLike(x) : null)));
      return { ...base, fn, inputs };
    }
  }
}

/** Inputs for `specs`: f32 in [-2, 2), i32 labels in [0, 4). */
function inputsFor(specs: readonly Spec[], seed: number): HostTensor[] {
  return randomInputs({ name: "inputs", inputs: specs.map((s, i) => ({ id: i, name: `a${i}`, type: s, loc: { file: "unknown", line: 0, col: 0 } })), nodes: [], outputs: [] }, seed);
}
