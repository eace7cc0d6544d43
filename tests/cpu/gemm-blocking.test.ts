// The GEMM's cache blocking against the interpreter: k past one KC block (later blocks add
// into C), n past one NC block, m past one MC block, with edge tiles, every transpose
// combination, fused multiply-add on and off. The sizes derive from the blocking constants,
// so a change of them keeps these paths covered.
import { describe, expect, it } from "vitest";
import { interpret, lowerCpu, nativeGemmStatus, withGemmFma } from "@adjoint/backend-cpu";
import { KC, MC, MR, NC, NR } from "../../packages/backend-cpu/src/fast/wasm/gemm-runtime";
import { expectClose, planOf, transposedMatmulCase } from "./util";

/** C = op(A) @ op(B), each operand stored transposed when asked and read through the kernel's strides. */
const transposedCase = (m: number, n: number, k: number, ta: boolean, tb: boolean) => transposedMatmulCase(m, n, k, ta, tb, [m + 3 * k, n + 5 * k]);

interface Blocking { readonly mr: number; readonly nr: number; readonly kc: number; readonly mc: number; readonly nc: number }
const shapes = ({ mr, nr, kc, mc, nc }: Blocking): [string, number, number, number][] => [
  ["three k blocks, the last partial; two n blocks", mr + 1, nc + nr + 3, 2 * kc + 37],
  ["two m blocks with an edge tile; k past one block", mc + mr + 1, 2 * nr + 1, kc + 1],
];
const native = nativeGemmStatus();
// the native GEMM always fuses multiply and add (fma: false lowers to the wasm one)
const GEMMS = [
  { name: "wasm", nativeGemm: false, blocking: { mr: MR, nr: NR, kc: KC, mc: MC, nc: NC }, fmas: [true, false] },
  ...(native.available ? [{ name: "native", nativeGemm: true, blocking: native.gemm.info, fmas: [true] }] : []),
];

describe.each(GEMMS)("$name GEMM cache blocking", ({ nativeGemm, blocking, fmas }) => {
  for (const [what, m, n, k] of shapes(blocking)) {
    it(`${what}: ${m}×${k} @ ${k}×${n}`, () => {
      for (const fma of fmas) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            const { g, kernel, inputs } = transposedCase(m, n, k, ta, tb);
            const exe = withGemmFma(fma, () => lowerCpu(planOf(g, [kernel]), { nativeGemm }));
            expect(exe.gemm.startsWith(nativeGemm ? "native" : "wasm")).toBe(true);
            expectClose(exe.run(inputs)[0], interpret(g, inputs)[0], 1e-5, `fma ${fma} ta ${ta} tb ${tb}`);
            exe.dispose();
          }
        }
      }
    });
  }
});
