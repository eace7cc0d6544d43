// Matmul against the interpreter: odd sizes (edge tiles in every direction), each register
// block size, transposed operands (strides only), batches, K = 1 and i32; in every loop
// style — "tiled" (workgroup memory, what GPUs run), "direct" (register blocks, vec4 loads)
// and "cpu" (SwiftShader's default: scalar loads, k unrolled by 4 with a tail).
import { describe, it } from "vitest";
import { spec, t, trace, type Tensor } from "@adjoint/ir";
import { randomTensor } from "../conformance/patterns";
import { checkPlan, RTOL } from "./compare";
import { testBackend } from "./gpu";
import { simplePlan } from "./plans";

type Case = { name: string; fn: (a: Tensor, b: Tensor) => Tensor; a: number[]; b: number[]; dtype?: "i32" };
const mT = (x: Tensor) => t.transpose(x, [...Array(x.ndim - 2).keys(), x.ndim - 1, x.ndim - 2]);

const CASES: Case[] = [
  { name: "1x1 @ 1x1", fn: t.matmul, a: [1, 1], b: [1, 1] },
  { name: "3x5 @ 5x7", fn: t.matmul, a: [3, 5], b: [5, 7] },
  { name: "17x33 @ 33x65 (2x2 blocks, edge tiles)", fn: t.matmul, a: [17, 33], b: [33, 65] },
  { name: "64x64 @ 64x64 (4x4 blocks, exact tiles)", fn: t.matmul, a: [64, 64], b: [64, 64] },
  { name: "100x37 @ 37x129 (4x4 blocks, edge tiles)", fn: t.matmul, a: [100, 37], b: [37, 129] },
  { name: "K = 1 outer product", fn: t.matmul, a: [50, 1], b: [1, 60] },
  { name: "aᵀ @ b (A read column-wise)", fn: (a, b) => t.matmul(mT(a), b), a: [37, 50], b: [37, 70] },
  { name: "a @ bᵀ (B read row-wise)", fn: (a, b) => t.matmul(a, mT(b)), a: [50, 37], b: [70, 37] },
  { name: "aᵀ @ bᵀ", fn: (a, b) => t.matmul(mT(a), mT(b)), a: [9, 13], b: [11, 9] },
  { name: "batched [3,2] with transposed B", fn: (a, b) => t.matmul(a, mT(b)), a: [3, 2, 20, 30], b: [3, 2, 25, 30] },
  { name: "batch broadcast (stride-0 batch of B)", fn: t.matmul, a: [4, 19, 23], b: [23, 21] },
  { name: "i32", fn: t.matmul, a: [7, 9], b: [9, 5], dtype: "i32" },
  // four-wide loads in the direct loop: both operands, B only (Aᵀ), and k not a multiple of 4
  { name: "96x36 @ 36x100 (vec4 A and B)", fn: t.matmul, a: [96, 36], b: [36, 100] },
  { name: "aᵀ @ b, 52x64 (vec4 B only)", fn: (a, b) => t.matmul(mT(a), b), a: [52, 64], b: [52, 64] },
  { name: "64x37 @ 37x64 (vec4 B, scalar k loop)", fn: t.matmul, a: [64, 37], b: [37, 64] },
  { name: "batched 2x 48x16 @ 16x48 (vec4)", fn: t.matmul, a: [2, 48, 16], b: [2, 16, 48] },
  { name: "i32 48x8 @ 8x48 (vec4)", fn: t.matmul, a: [48, 8], b: [8, 48], dtype: "i32" },
  // the cpu loop's thin blocks (1 or 2 rows/columns per thread) and k tails of 1, 2 and 3
  { name: "1x66 @ 66x200 (one row, k tail 2)", fn: t.matmul, a: [1, 66], b: [66, 200] },
  { name: "2x7 @ 7x3 (2x2 blocks, k tail 3)", fn: t.matmul, a: [2, 7], b: [7, 3] },
  { name: "130x3 @ 3x1 (one column, k below 4)", fn: t.matmul, a: [130, 3], b: [3, 1] },
];

for (const style of ["cpu", "direct", "tiled"] as const) {
  describe(`matmul, ${style} loop`, () => {
    for (const c of CASES) {
      // the tiled shaders take seconds to compile on SwiftShader: run the cases that reach each block size
      if (style === "tiled" && !/3x5|17x33|100x37|aᵀ @ b |batched|i32/.test(c.name)) continue;
      it(c.name, async () => {
        const dtype = c.dtype ?? "f32";
        const graph = trace(c.fn as never, [spec(c.a, dtype), spec(c.b, dtype)]);
        const inputs = [randomTensor(c.a, c.a.length + c.a[0], dtype, 5), randomTensor(c.b, 7 + c.b[0], dtype, 5)];
        await checkPlan(await testBackend(), graph, simplePlan(graph), inputs, RTOL, c.name, { matmul: style });
      });
    }
  });
}
