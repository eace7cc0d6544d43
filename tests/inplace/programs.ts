// Random training steps with in-place writes mixed in, for the property tests.
import { seededRandom, spec, t, trace, valueAndGrad, type Graph, type Tensor } from "adjoint";

/** A random `valueAndGrad` joint graph over two f32[2,3] inputs: views, clones, writes to inputs. */
export function randomProgram(seed: number): Graph {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(((r() + 1) / 2) * xs.length)];
  return trace(valueAndGrad((a: Tensor, b: Tensor) => {
    const pool: Tensor[] = [a, b];
    for (let i = 0; i < 14; i++) {
      const x = pick(pool), y = pick(pool);
      const steps: (() => Tensor | void)[] = [
        () => t.sigmoid(x), () => t.tanh(x), () => t.mul(x, y), () => t.sin(t.add(x, y)), () => t.exp(t.mul(x, 0.3)),
        () => t.transpose(t.reshape(x, [3, 2])).reshape([2, 3]),
        () => void x.mulInPlace(y), () => void x.addInPlace(0.5), () => void x.assign(t.cos(y)),
        () => void x.clone().mulInPlace(y).divInPlace(2), () => void x.reshape([3, 2]).subInPlace(1),
      ];
      const made = pick(steps)();
      if (made) pool.push(made);
    }
    return t.sum(t.mul(pool[pool.length - 1], pick(pool)));
  }, { argnums: [0, 1] }), [spec([2, 3]), spec([2, 3])]);
}

