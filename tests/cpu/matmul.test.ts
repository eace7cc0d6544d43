// Matmul kernels against the interpreter (which sums in doubles): the wasm GEMM sums in f32,
// so results agree within 1e-5 of the result's magnitude. Operands are read through the
// kernel's strides, so transposed operands are transposes folded into the access.
import { describe, expect, it } from "vitest";
import { spec, t, trace } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import type { Kernel } from "@adjoint/passes";
import { naiveMemory, naivePlan } from "./naive-plan";
import { expectBitwise, expectClose, idsOf, planOf, random, runPlan, transposedMatmulCase } from "./util";

/** C = op(A) @ op(B), each operand stored transposed when asked: one matmul kernel reading the inputs directly. */
const transposedCase = (m: number, n: number, k: number, ta: boolean, tb: boolean) => transposedMatmulCase(m, n, k, ta, tb, [m * 7 + k, n * 13 + k]);

const SHAPES = [[1, 1, 1], [7, 33, 257], [257, 7, 33], [33, 257, 7], [1, 257, 7], [257, 1, 33], [33, 33, 33], [257, 257, 257], [5, 9, 1]];

describe("matmul", () => {
  for (const [m, n, k] of SHAPES) {
    it(`${m}×${k} @ ${k}×${n} in every transpose combination`, () => {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const { g, kernel, inputs } = transposedCase(m, n, k, ta, tb);
          expectClose(runPlan(planOf(g, [kernel]), inputs)[0], interpret(g, inputs)[0], 1e-5, `ta ${ta} tb ${tb}`);
        }
      }
    });
  }

  it("batched, with a broadcast batch operand read through a 0 stride", () => {
    const g = trace((a, b) => t.matmul(a, b), [spec([2, 3, 5, 4]), spec([3, 4, 6])]);
    const [mm] = idsOf(g, "matmul");
    const kernel: Kernel = {
      id: 0,
      loop: {
        kind: "matmul", batch: [2, 3], m: 5, n: 6, k: 4, node: mm, epilogue: [],
        a: { source: 0, offset: 0, strides: [60, 20, 4, 0, 1] },
        b: { source: 1, offset: 0, strides: [0, 24, 0, 1, 6] },
      },
      nodes: [mm], loads: new Map(), stores: [mm],
    };
    const inputs = [random([2, 3, 5, 4], 1), random([3, 4, 6], 2)];
    expectClose(runPlan(planOf(g, [kernel]), inputs)[0], interpret(g, inputs)[0]);
  });

  it("runs a bias + relu epilogue on the product, storing the product too", () => {
    const g = trace((x, w, b) => {
      const y = t.matmul(x, w);
      return [t.relu(t.add(y, b)), y];
    }, [spec([33, 17]), spec([17, 9]), spec([9])]);
    const [mm] = idsOf(g, "matmul"), [bias] = idsOf(g, "broadcast"), [add] = idsOf(g, "add"), [relu] = idsOf(g, "relu");
    const inputs = [random([33, 17], 3), random([17, 9], 4), random([9], 5)];
    for (const stores of [[relu], [relu, mm]]) {
      const kernel: Kernel = {
        id: 0,
        loop: { kind: "matmul", batch: [], m: 33, n: 9, k: 17, node: mm, epilogue: [add, relu], a: { source: 0, offset: 0, strides: [17, 0, 1] }, b: { source: 1, offset: 0, strides: [0, 1, 9] } },
        nodes: [mm, add, relu],
        loads: new Map([[bias, { source: 2, offset: 0, strides: [0, 1, 0] }]]),
        stores,
      };
      const h = { ...g, outputs: stores };
      const want = interpret(h, inputs);
      runPlan(planOf(h, [kernel]), inputs).forEach((got, i) => expectClose(got, want[i], 1e-5, `output ${i}`));
    }
  });

  it("writes through scratch when the memory plan puts the product over an operand", () => {
    // big enough that C's first rows are written before A's later column blocks are packed
    const g = trace((x, w) => t.matmul(t.exp(x), w), [spec([300, 300]), spec([300, 8])]);
    const plan = naivePlan(g);
    const [exp] = idsOf(g, "exp"), [mm] = idsOf(g, "matmul");
    const memory = plan.memory;
    const buffers = new Map(memory.buffers);
    buffers.set(mm, { ...buffers.get(mm)!, offset: buffers.get(exp)!.offset });
    const inputs = [random([300, 300], 6), random([300, 8], 7)];
    expectClose(runPlan({ ...plan, memory: { ...memory, buffers } }, inputs)[0], interpret(g, inputs)[0]);
  });

  it("i32 matmul is exact; k = 0 gives zeros", () => {
    const g = trace((a, b) => t.matmul(a, b), [spec([3, 5], "i32"), spec([5, 4], "i32")]);
    const inputs = [random([3, 5], 8, "i32", 1000), random([5, 4], 9, "i32", 1000)];
    expectBitwise(runPlan(naivePlan(g), inputs)[0], interpret(g, inputs)[0]);
    const z = trace((a, b) => t.matmul(a, b), [spec([3, 0]), spec([0, 4])]);
    const empty = [random([3, 0], 1), random([0, 4], 2)];
    const got = runPlan(naivePlan(z), empty)[0];
    expect([...got.data]).toEqual(new Array(12).fill(0));
    expectBitwise(got, interpret(z, empty)[0]);
  });

  it("lowers an opaque matmul of transposed operands", () => {
    const g = trace((a, b) => t.matmul(t.transpose(a), b), [spec([6, 4]), spec([6, 3])]);
    const inputs = [random([6, 4], 10), random([6, 3], 11)];
    const kernels = naivePlan(g, { opaque: true }).kernels;
    expectClose(runPlan({ graph: g, kernels, memory: naiveMemory(g, kernels, true) }, inputs)[0], interpret(g, inputs)[0]);
  });
});
