// Reductions against the interpreter. The generated loop folds in doubles in the
// interpreter's order and rounds once, so even sums agree bit for bit.
import { describe, expect, it } from "vitest";
import { spec, t, trace, type DType, type HostTensor } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { lowerCpu } from "@adjoint/backend-cpu";
import { naivePlan } from "./naive-plan";
import { expectBitwise, idsOf, opGraph, planOf, random, runPlan, tensor } from "./util";

const AXES = [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2], []];

describe("reductions", () => {
  for (const op of ["reduce_sum", "reduce_max"]) {
    for (const dtype of ["f32", "i32"] as DType[]) {
      it(`${op} ${dtype} over every axis set, keepdims or not`, () => {
        const x = random([3, 4, 5], 7, dtype, 1000);
        for (const axes of AXES) {
          for (const keepdims of [false, true]) {
            const g = opGraph(op, [{ dtype, shape: x.shape }], { axes, keepdims });
            const want = interpret(g, [x])[0];
            for (const opaque of [false, true]) expectBitwise(runPlan(naivePlan(g, { opaque }), [x])[0], want, `axes [${axes}] keepdims ${keepdims} opaque ${opaque}`);
          }
        }
      });
    }
  }

  it("propagate NaN and infinities like the interpreter", () => {
    const x = tensor("f32", [3, 4], [1, NaN, 3, -Infinity, Infinity, -Infinity, 0, -0, -0, -0, -0, -0]);
    for (const op of ["reduce_sum", "reduce_max"]) {
      const g = opGraph(op, [{ dtype: "f32", shape: [3, 4] }], { axes: [1], keepdims: false });
      expectBitwise(runPlan(naivePlan(g), [x])[0], interpret(g, [x])[0], op);
    }
  });

  it("give 0 and -Infinity (0 in i32) over empty axes", () => {
    for (const dtype of ["f32", "i32"] as DType[]) {
      const x: HostTensor = tensor(dtype, [2, 0, 3], []);
      for (const op of ["reduce_sum", "reduce_max"]) {
        const g = opGraph(op, [{ dtype, shape: [2, 0, 3] }], { axes: [1], keepdims: false });
        expectBitwise(runPlan(naivePlan(g), [x])[0], interpret(g, [x])[0], `${op} ${dtype}`);
      }
    }
  });
});

describe("fused reductions", () => {
  it("softmax as three kernels: max; exp-sum with prologue, epilogue and a prologue store; divide", () => {
    const g = trace((x) => {
      const m = t.max(x, -1, { keepdims: true });
      const e = t.exp(t.sub(x, m));
      const s = t.sum(e, -1, { keepdims: true });
      return [t.div(e, s), t.log(s), e];
    }, [spec([4, 5])]);
    const [max] = idsOf(g, "reduce_max"), [sum] = idsOf(g, "reduce_sum");
    const [bm, bs] = idsOf(g, "broadcast");
    const [sub] = idsOf(g, "sub"), [exp] = idsOf(g, "exp"), [log] = idsOf(g, "log"), [div] = idsOf(g, "div");
    const loopOf = (reducer: number, prologue: number[], epilogue: number[]) =>
      ({ kind: "reduce" as const, domain: [4, 1], reduce: [5], prologue, reducer, epilogue });
    const xRows = { source: 0, strides: [5, 0, 1], offset: 0 };
    const kernels = [
      { id: 0, loop: loopOf(max, [], []), nodes: [max], loads: new Map([[0, xRows]]), stores: [max] },
      {
        id: 1, loop: loopOf(sum, [sub, exp], [log]), nodes: [sub, exp, sum, log],
        loads: new Map([[0, xRows], [bm, { source: max, strides: [1, 0, 0], offset: 0 }]]), stores: [exp, log],
      },
      {
        id: 2, loop: { kind: "elementwise" as const, domain: [4, 5] }, nodes: [div],
        loads: new Map([[exp, { source: exp, strides: [5, 1], offset: 0 }], [bs, { source: sum, strides: [1, 0], offset: 0 }]]), stores: [div],
      },
    ];
    // kernel 1 stores the sum too: the last kernel reads it
    kernels[1].stores.push(sum);
    const x = random([4, 5], 3);
    const got = runPlan(planOf(g, kernels), [x]);
    interpret(g, [x]).forEach((want, i) => expectBitwise(got[i], want, `output ${i}`));
  });

  it("reduces a middle axis of a prologue and stores the prologue in its own layout", () => {
    const g = trace((x) => {
      const e = t.exp(x);
      return [t.sum(e, 1), e];
    }, [spec([3, 4, 5])]);
    const [exp] = idsOf(g, "exp"), [sum] = idsOf(g, "reduce_sum");
    const kernel = {
      id: 0,
      loop: { kind: "reduce" as const, domain: [3, 5], reduce: [4], prologue: [exp], reducer: sum, epilogue: [] },
      nodes: [exp, sum],
      loads: new Map([[0, { source: 0, strides: [20, 1, 5], offset: 0 }]]),
      stores: [sum, exp],
    };
    const x = random([3, 4, 5], 4);
    const got = runPlan(planOf(g, [kernel]), [x]);
    interpret(g, [x]).forEach((want, i) => expectBitwise(got[i], want, `output ${i}`));
  });

  it("sums columns with one double accumulator per column, rows in order, bit for bit on 1 or 2 threads", () => {
    const g = trace((x) => t.mul(t.sum(t.exp(x), 0), 2), [spec([600, 500])]);
    const x = random([600, 500], 5);
    const want = interpret(g, [x])[0];
    for (const threads of [1, 2]) {
      const exe = lowerCpu(planKernels(fuseKernels(g)), { threads });
      expect(exe.sources.some((src) => src.includes("D["))).toBe(true); // the column form, with its accumulators in scratch
      expectBitwise(exe.run([x])[0], want, `threads ${threads}`);
      exe.dispose();
    }
  });
});
