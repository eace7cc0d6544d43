import { AdjointError, t, type Tensor } from "@adjoint/ir";

/** Global L2 norm of a list of tensors: √(Σ‖g‖²). */
export function globalNorm(grads: readonly Tensor[]): Tensor {
  if (grads.length === 0) throw new AdjointError("globalNorm: no tensors");
  return t.sqrt(grads.map((g) => t.sum(t.square(g))).reduce((a, b) => t.add(a, b)));
}

/**
 * Scales every gradient by min(1, maxNorm / (norm + 1e-6)) (PyTorch's clip_grad_norm_), so the
 * global norm is at most `maxNorm`; returns the scaled gradients and the norm before clipping.
 */
export function clipByGlobalNorm(grads: readonly Tensor[], maxNorm: number): { grads: Tensor[]; norm: Tensor } {
  if (!(maxNorm > 0)) throw new AdjointError(`clipByGlobalNorm: maxNorm must be > 0, got ${maxNorm}`);
  const norm = globalNorm(grads);
  const scale = t.minimum(t.div(maxNorm, t.add(norm, 1e-6)), 1);
  return { grads: grads.map((g) => t.mul(g, scale)), norm };
}
