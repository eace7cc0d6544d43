import { AdjointError, numel, type HostTensor, type Shape } from "@adjoint/ir";
import { seededRandom } from "../gradcheck";

/** Explicit randomness: every initialiser takes a seed, so a run is reproducible. */
export interface InitOptions {
  readonly seed: number;
}

function host(shape: Shape, data: Float32Array): HostTensor {
  return { shape: [...shape], dtype: "f32", data };
}

function checkShape(shape: Shape, what: string): number {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new AdjointError(`${what}: bad shape [${shape.join(", ")}]`);
  return numel(shape);
}

/** A tensor of zeros (biases, optimiser state). */
export function zeros(shape: Shape): HostTensor {
  return host(shape, new Float32Array(checkShape(shape, "zeros")));
}

/** A tensor of ones (layer-norm gains). */
export function ones(shape: Shape): HostTensor {
  return host(shape, new Float32Array(checkShape(shape, "ones")).fill(1));
}

/** Uniform in [low, high) from a seeded generator. */
export function uniform(shape: Shape, opts: InitOptions & { readonly low?: number; readonly high?: number }): HostTensor {
  const low = opts.low ?? 0, high = opts.high ?? 1;
  const rand = seededRandom(opts.seed);
  // seededRandom gives [-1, 1); map it onto [low, high)
  const data = Float32Array.from({ length: checkShape(shape, "uniform") }, () => low + ((rand() + 1) / 2) * (high - low));
  return host(shape, data);
}

/** Normal with mean `mean` and standard deviation `std` (Box–Muller on a seeded generator). */
export function normal(shape: Shape, opts: InitOptions & { readonly mean?: number; readonly std?: number }): HostTensor {
  const mean = opts.mean ?? 0, std = opts.std ?? 1;
  const rand = seededRandom(opts.seed);
  const n = checkShape(shape, "normal");
  const data = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    // u1 in (0, 1] so the log is finite
    const u1 = 1 - (rand() + 1) / 2, u2 = (rand() + 1) / 2;
    const r = Math.sqrt(-2 * Math.log(u1));
    data[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) data[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
  }
  return host(shape, data);
}

/** Fan-in and fan-out of a weight: [in, out] for a matrix (Adjoint's `linear` computes x @ w). */
function fans(shape: Shape, what: string): [number, number] {
  if (shape.length < 2) throw new AdjointError(`${what}: needs a weight of rank >= 2, got [${shape.join(", ")}]`);
  const receptive = numel(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Glorot/Xavier uniform: U(±√(6 / (fanIn + fanOut))), keeps activation variance through tanh layers. */
export function xavierUniform(shape: Shape, opts: InitOptions & { readonly gain?: number }): HostTensor {
  const [fanIn, fanOut] = fans(shape, "xavierUniform");
  const bound = (opts.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, { seed: opts.seed, low: -bound, high: bound });
}

/** Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)). */
export function xavierNormal(shape: Shape, opts: InitOptions & { readonly gain?: number }): HostTensor {
  const [fanIn, fanOut] = fans(shape, "xavierNormal");
  return normal(shape, { seed: opts.seed, std: (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)) });
}

/** He/Kaiming normal for ReLU-like layers: N(0, 2 / fanIn). */
export function heNormal(shape: Shape, opts: InitOptions): HostTensor {
  const [fanIn] = fans(shape, "heNormal");
  return normal(shape, { seed: opts.seed, std: Math.sqrt(2 / fanIn) });
}

/**
 * Derives independent seeds for the parameters of a model from one seed, so adding a layer
 * does not shift every other layer's initial values: `const seed = seeds(42); seed("wte")`.
 */
export function seeds(base: number): (name: string) => number {
  return (name) => {
    // FNV-1a over the name, mixed with the base seed
    let h = 0x811c9dc5 ^ (base >>> 0);
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    return h >>> 0;
  };
}
