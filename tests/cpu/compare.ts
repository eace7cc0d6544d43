// Comparing a backend's result with the interpreter's, usable outside vitest (bench/cpu-fuzz.ts).
import type { HostTensor } from "@adjoint/ir";

/**
 * Why `got` is not within `rtol` of `want` (undefined when it is). The tolerance is relative
 * to the largest magnitude of the result, or 1 if that is smaller: an f32 sum's rounding error
 * scales with its terms, not with a result that cancels to near zero (a layer-normed row's sum).
 * Non-finite values must match exactly; integers and booleans are compared like floats.
 */
export function mismatch(got: HostTensor, want: HostTensor, rtol: number): string | undefined {
  if (got.dtype !== want.dtype) return `dtype ${got.dtype}, interpreter gives ${want.dtype}`;
  if (got.shape.join(",") !== want.shape.join(",")) return `shape [${got.shape}], interpreter gives [${want.shape}]`;
  let scale = 0;
  for (const v of want.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i], e = want.data[i];
    const ok = Number.isFinite(e) ? Math.abs(a - e) <= rtol * Math.max(scale, 1) : Object.is(a, e);
    if (!ok) return `element ${i}: got ${a}, interpreter gives ${e} (scale ${scale}, rtol ${rtol})`;
  }
  return undefined;
}
