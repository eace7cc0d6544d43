// The executable's memory: one arena allocated when lowering, values at their planned
// offsets (shared between values whose lives do not overlap), inputs copied in, outputs
// copied out; and what it says when a plan or an input is wrong.
import { describe, expect, it } from "vitest";
import { spec, t, trace } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { valueAndGrad } from "adjoint";
import { lowerCpu } from "@adjoint/backend-cpu";
import { naivePlan } from "./naive-plan";
import { expectBitwise, expectClose, idsOf, planOf, random, tensor } from "./util";

const mlp = (x: Parameters<typeof t.tanh>[0], w1: Parameters<typeof t.tanh>[0], w2: Parameters<typeof t.tanh>[0]) =>
  t.mean(t.square(t.matmul(t.tanh(t.matmul(x, w1)), w2)));
const mlpGraph = trace(valueAndGrad(mlp, { argnums: [1, 2] }) as never, [spec([8, 16]), spec([16, 32]), spec([32, 4])]);
const mlpInputs = [random([8, 16], 1), random([16, 32], 2), random([32, 4], 3)];

describe("arena", () => {
  it("keeps one arena across runs and gives the same results for the same inputs", () => {
    const exe = lowerCpu(naivePlan(mlpGraph, { reuse: true }));
    const arena = exe.arena, size = arena.byteLength;
    const first = exe.run(mlpInputs);
    exe.run([random([8, 16], 9), random([16, 32], 8), random([32, 4], 7)]);
    const again = exe.run(mlpInputs);
    expect(exe.arena).toBe(arena);
    expect(exe.arena.byteLength).toBe(size);
    first.forEach((f, i) => expectBitwise(again[i], f, `output ${i}`));
    exe.dispose();
  });

  it("is correct when values share memory, and sharing makes it smaller", () => {
    const bump = naivePlan(mlpGraph), reuse = naivePlan(mlpGraph, { reuse: true });
    expect(reuse.memory.arenaBytes).toBeLessThan(bump.memory.arenaBytes);
    const want = interpret(mlpGraph, mlpInputs);
    for (const plan of [bump, reuse]) {
      const exe = lowerCpu(plan);
      exe.run(mlpInputs).forEach((got, i) => expectClose(got, want[i], 1e-5, `output ${i}`));
      exe.dispose();
    }
  });

  it("runs an elementwise kernel in place: its store in the slot of the value it reads", () => {
    const g = trace((x) => t.sin(t.exp(x)), [spec([1000])]);
    const plan = naivePlan(g);
    const [exp, sin] = [idsOf(g, "exp")[0], idsOf(g, "sin")[0]];
    const buffers = new Map(plan.memory.buffers);
    buffers.set(sin, { ...buffers.get(sin)!, offset: buffers.get(exp)!.offset });
    const x = random([1000], 4);
    const exe = lowerCpu({ ...plan, memory: { ...plan.memory, buffers } });
    expectBitwise(exe.run([x])[0], interpret(g, [x])[0]);
    exe.dispose();
  });

  it("returns fresh copies: writing to a result changes neither the arena nor another result", () => {
    const g = trace((x) => [t.neg(x), t.neg(x)], [spec([3])]);
    const exe = lowerCpu(naivePlan(g));
    const [a, b] = exe.run([tensor("f32", [3], [1, 2, 3])]);
    expect(a.data).not.toBe(b.data);
    a.data[0] = 99;
    expect([...b.data]).toEqual([-1, -2, -3]);
    expect([...exe.run([tensor("f32", [3], [1, 2, 3])])[0].data]).toEqual([-1, -2, -3]);
    exe.dispose();
  });

  it("returns inputs and constants that are outputs", () => {
    const g = trace((x) => [x, t.add(x, 1)], [spec([2], "i32")]);
    const exe = lowerCpu(naivePlan(g));
    const out = exe.run([tensor("i32", [2], [5, -5])]);
    expect([...out[0].data]).toEqual([5, -5]);
    expect([...out[1].data]).toEqual([6, -4]);
    exe.dispose();
  });
});

describe("errors", () => {
  const g = trace((x, y) => t.add(x, y), [spec([3], "f32", "x"), spec([3], "f32", "y")]);
  const exe = lowerCpu(naivePlan(g));
  const three = tensor("f32", [3], [1, 2, 3]);

  it("name the input and both types", () => {
    expect(() => exe.run([three])).toThrow(/expects 2 inputs .*got 1/);
    expect(() => exe.run([three, tensor("f32", [4], [1, 2, 3, 4])])).toThrow(/input 1 'y': expected f32\[3\], got f32\[4\]/);
    expect(() => exe.run([tensor("i32", [3], [1, 2, 3]), three])).toThrow(/input 0 'x': expected f32\[3\], got i32\[3\]/);
    expect(() => exe.run([three, { shape: [3], dtype: "f32", data: new Float32Array(2) }])).toThrow(/holds 3 elements, but its data has 2/);
  });

  it("name the kernel and value a plan gives no place", () => {
    const plan = naivePlan(g);
    const [add] = idsOf(g, "add");
    expect(() => lowerCpu({ ...plan, memory: { ...plan.memory, buffers: new Map() } })).toThrow(new RegExp(`kernel 0.*%${add}.*no place in memory`));
    const slot = plan.memory.buffers.get(add)!;
    const moved = new Map([[add, { ...slot, offset: 2 }]]);
    expect(() => lowerCpu({ ...plan, memory: { ...plan.memory, buffers: moved } })).toThrow(/offset 2 of %\d+ is not aligned/);
    const outside = new Map([[add, { ...slot, offset: plan.memory.arenaBytes }]]);
    expect(() => lowerCpu({ ...plan, memory: { ...plan.memory, buffers: outside } })).toThrow(/does not hold it inside/);
  });

  it("refuse to run after dispose; dispose twice is fine", () => {
    const e = lowerCpu(planOf(g, naivePlan(g).kernels));
    e.dispose();
    e.dispose();
    expect(() => e.run([three, three])).toThrow(/disposed/);
  });
});
