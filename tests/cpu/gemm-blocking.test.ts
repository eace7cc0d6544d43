// The GEMM's cache blocking against the interpreter: k past one KC block (later blocks add
// into C), n past one NC block, m past one MC block, with edge tiles, every transpose
// combination, fused multiply-add on and off. The sizes derive from the blocking constants,
// so a change of them keeps these paths covered.
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Graph, type HostTensor } from "@adjoint/ir";
import { interpret, lowerCpu, nativeGemmStatus, withGemmFma } from "@adjoint/backend-cpu";
import type { Kernel } from "@adjoint/passes";
import { KC, MC, MR, NC, NR } from "../../packages/backend-cpu/src/fast/wasm/gemm-runtime";
import { expectClose, idsOf, planOf, random } from "./util";

/** C = op(A) @ op(B), each operand stored transposed when asked and read through the kernel's strides. */
function transposedCase(m: number, n: number, k: number, ta: boolean, tb: boolean): { g: Graph; kernel: Kernel; inputs: HostTensor[] } {
  const g = trace((a, b) => t.matmul(ta ? t.transpose(a) : a, tb ? t.transpose(b) : b), [spec(ta ? [k, m] : [m, k]), spec(tb ? [n, k] : [k, n])]);
  const [mm] = idsOf(g, "matmul");
  const a = { source: 0, offset: 0, strides: ta ? [1, 0, m] : [k, 0, 1] };
  const b = { source: 1, offset: 0, strides: tb ? [0, k, 1] : [0, 1, n] };
  const kernel: Kernel = { id: 0, loop: { kind: "matmul", batch: [], m, n, k, node: mm, a, b, epilogue: [] }, nodes: [mm], loads: new Map(), stores: [mm] };
  return { g, kernel, inputs: [random(ta ? [k, m] : [m, k], m + 3 * k), random(tb ? [n, k] : [k, n], n + 5 * k)] };
}

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
