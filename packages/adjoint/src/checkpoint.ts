import { AdjointError, Tensor, currentBuilder } from "@adjoint/ir";

/**
 * `checkpoint(f)`: the same function, but the values it computes are not kept for the
 * backward pass: the checkpoint pass recomputes them from f's inputs when the backward pass
 * needs them (JAX's `jax.checkpoint`), whatever the compile option's policy. Trades one
 * more run of f for the memory of its intermediates.
 *
 *   const block = checkpoint((h: Tensor, w: Tensor) => t.tanh(t.matmul(t.tanh(t.matmul(h, w)), w)));
 *   const loss = (x: Tensor, w: Tensor) => t.sum(block(block(x, w), w));
 */
export function checkpoint<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => R {
  const wrapped = (...args: A): R => {
    const tensor = args.find((a): a is Tensor => a instanceof Tensor);
    const builder = tensor?.emitter.main ?? currentBuilder();
    if (!builder) throw new AdjointError(`checkpoint(${f.name || "f"}): called outside a trace; call it inside a traced function (grad, compile, trace)`);
    return builder.withRegion(() => f(...args));
  };
  Object.defineProperty(wrapped, "name", { value: `checkpoint_${f.name || "f"}` });
  return wrapped;
}
