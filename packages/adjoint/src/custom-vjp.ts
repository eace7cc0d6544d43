import { AdjointError, emit, registerCustomVjp, type CustomBwd, type Tensor } from "@adjoint/ir";

/**
 * `customVjp(f, fwd, bwd)`: a function computing `f` (through `fwd`, which must give the same
 * value) whose reverse-mode
 * derivative is the user's rule. `fwd(...args)` returns `[output, residuals]` (values saved
 * for the backward pass); `bwd(residuals, ct)` returns one cotangent per argument (null for
 * none). Forward mode (jvp) differentiates `fwd`'s code directly.
 *
 *   const lse = customVjp(
 *     (x) => t.logSumExp(x),
 *     (x) => { const y = t.logSumExp(x); return [y, [x, y]]; },
 *     ([x, y], ct) => [t.mul(t.exp(t.sub(x, y)), ct)],   // d lse = softmax(x)
 *   );
 */
export function customVjp<A extends Tensor[]>(
  f: (...args: A) => Tensor,
  fwd: (...args: A) => readonly [Tensor, readonly Tensor[]],
  bwd: CustomBwd,
): (...args: A) => Tensor {
  const rule = registerCustomVjp(f.name || "custom", bwd);
  const wrapped = (...args: A): Tensor => {
    const [out, residuals] = fwd(...args);
    if (!out || typeof out !== "object" || !("emitter" in out)) {
      throw new AdjointError(`customVjp(${f.name || "f"}): fwd must return [output, residuals] with one output tensor`);
    }
    return emit("custom_vjp", [...args, ...residuals, out], { rule, primals: args.length });
  };
  Object.defineProperty(wrapped, "name", { value: f.name || "custom" });
  return wrapped;
}
