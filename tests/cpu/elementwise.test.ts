// Elementwise kernels against the interpreter, bit for bit: every elementwise op on special
// values in every dtype it accepts, as a structured loop and as an opaque kernel, and fused
// chains with broadcast loads and several stores.
import { describe, expect, it } from "vitest";
import { OP_NAMES, opDef, spec, t, trace, type DType, type HostTensor, type TensorType } from "@adjoint/ir";
import { interpret as oracle, lowerCpu } from "@adjoint/backend-cpu";
import { scalarSnippets } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { naivePlan } from "./naive-plan";
import { expectBitwise, idsOf, opGraph, planOf, random, runPlan, tensor } from "./util";

const SPECIAL: Record<DType, number[]> = {
  f32: [NaN, -Infinity, Infinity, -0, 0, 1, -1, 0.5, -2.5, 3, 1e-30, 3e38, 88.7, -88.7, 0.1, 7.25],
  i32: [0, 1, -1, 7, -7, 2147483647, -2147483648, 3, 100000, 65536, -2],
  bool: [0, 1],
};

/** Operands covering every combination of special values (an outer product for two or three operands). */
function operands(types: readonly DType[]): HostTensor[] {
  const lists = types.map((d) => SPECIAL[d]);
  const n = lists.reduce((p, l) => p * l.length, 1);
  return types.map((d, k) => {
    const inner = lists.slice(k + 1).reduce((p, l) => p * l.length, 1);
    return tensor(d, [n], Array.from({ length: n }, (_, i) => lists[k][Math.floor(i / inner) % lists[k].length]));
  });
}

/** Every (operand dtypes, attrs) an elementwise op accepts. */
function signatures(op: string): { types: DType[]; attrs: Record<string, DType> }[] {
  const out: { types: DType[]; attrs: Record<string, DType> }[] = [];
  const arity = opDef(op).arity as number;
  for (const d of ["f32", "i32", "bool"] as const) {
    const types: DType[] = op === "where" ? ["bool", d, d] : Array(arity).fill(d);
    const variants: Record<string, DType>[] = op === "cast" ? [{ dtype: "f32" }, { dtype: "i32" }, { dtype: "bool" }] : [{}];
    for (const attrs of variants) {
      try {
        opGraph(op, types.map((x): TensorType => ({ dtype: x, shape: [1] })), attrs);
        out.push({ types, attrs });
      } catch {
        // not a signature of this op
      }
    }
  }
  return out;
}

describe("elementwise ops", () => {
  it("have a snippet exactly when the op is elementwise", () => {
    const elementwise = OP_NAMES.filter((op) => opDef(op).class === "elementwise").sort();
    expect(Object.keys(scalarSnippets).sort()).toEqual(elementwise);
  });

  for (const op of Object.keys(scalarSnippets)) {
    it(`${op} matches the interpreter bit for bit in every dtype`, () => {
      const sigs = signatures(op);
      expect(sigs.length).toBeGreaterThan(0);
      for (const { types, attrs } of sigs) {
        const inputs = operands(types);
        const g = opGraph(op, inputs.map((x) => ({ dtype: x.dtype, shape: x.shape })), attrs);
        const want = oracle(g, inputs)[0];
        for (const opaque of [false, true]) {
          expectBitwise(runPlan(naivePlan(g, { opaque }), inputs)[0], want, `${op}(${types.join(",")}) ${JSON.stringify(attrs)} opaque=${opaque}`);
        }
      }
    });
  }
});

describe("fused elementwise kernels", () => {
  const g = trace((x, b) => {
    const y = t.mul(x, b); // b broadcast along rows
    const z = t.tanh(y);
    return [z, t.relu(t.sub(z, x)), t.gt(z, 0)];
  }, [spec([4, 5]), spec([5])]);
  const inputs = [tensor("f32", [4, 5], Array.from({ length: 20 }, (_, i) => Math.sin(i) * 3)), tensor("f32", [5], [0.5, -1, 2, 0, -0])];

  it("computes a chain with a broadcast load and three stores in one loop", () => {
    const [bcast] = idsOf(g, "broadcast");
    const b = g.nodes.find((n) => n.id === bcast)!.args[0];
    const members = g.nodes.filter((n) => n.op !== "broadcast").map((n) => n.id);
    const kernel = {
      id: 0,
      loop: { kind: "elementwise" as const, domain: [4, 5] },
      nodes: members,
      loads: new Map([[0, { source: 0, strides: [5, 1], offset: 0 }], [bcast, { source: b, strides: [0, 1], offset: 0 }]]),
      stores: g.outputs,
    };
    const got = runPlan(planOf(g, [kernel]), inputs);
    oracle(g, inputs).forEach((want, i) => expectBitwise(got[i], want, `output ${i}`));
  });

  it("reads a transposed view and a sliced view through strides and offsets", () => {
    const h = trace((x) => t.add(t.transpose(x), t.slice(t.reshape(x, [5, 4]), [0, 0], [5, 4])), [spec([4, 5])]);
    const [tr] = idsOf(h, "transpose"), [sl] = idsOf(h, "slice"), [add] = idsOf(h, "add");
    const kernel = {
      id: 0,
      loop: { kind: "elementwise" as const, domain: [5, 4] },
      nodes: [add],
      loads: new Map([[tr, { source: 0, strides: [1, 5], offset: 0 }], [sl, { source: 0, strides: [4, 1], offset: 0 }]]),
      stores: [add],
    };
    expectBitwise(runPlan(planOf(h, [kernel]), [inputs[0]])[0], oracle(h, [inputs[0]])[0]);
  });

  it("evaluates full and iota members from the loop index", () => {
    const h = trace((x) => t.where(t.ge(t.iota([3, 4], 1), 2), t.mul(x, 2), x), [spec([3, 4])]);
    const x = tensor("f32", [3, 4], Array.from({ length: 12 }, (_, i) => i - 5.5));
    const members = h.nodes.filter((n) => n.op !== "broadcast").map((n) => n.id);
    const loads = new Map([[0, { source: 0, strides: [4, 1], offset: 0 }]]);
    for (const id of idsOf(h, "broadcast")) loads.set(id, { source: h.nodes.find((n) => n.id === id)!.args[0], strides: [0, 0], offset: 0 });
    const kernel = { id: 0, loop: { kind: "elementwise" as const, domain: [3, 4] }, nodes: members, loads, stores: h.outputs };
    expectBitwise(runPlan(planOf(h, [kernel]), [x])[0], oracle(h, [x])[0]);
  });

  it("leaves out the rounding of f32 ops that return an operand (neg, abs, max, ...), still bit for bit", () => {
    // products of f32 values are doubles until rounded: a skipped rounding after them would show
    const h = trace((x, y) => {
      const p = t.mul(x, y);
      return t.add(t.where(t.gt(x, 0), t.neg(t.abs(p)), t.relu(t.maximum(p, t.mul(y, 3)))), t.mul(t.sign(x), 1e-3));
    }, [spec([16]), spec([16])]);
    const xs = [tensor("f32", [16], [0.1, -0.3, 1e-30, -0, 0, 3e38, -3e38, NaN, 1, 7.25, -2.5, 0.7, 1 / 3, -1 / 3, 1e-40, 88.7]), random([16], 9)];
    const plan = planKernels(fuseKernels(h));
    expect(plan.kernels.length).toBe(1);
    const exe = lowerCpu(plan);
    try {
      const src = exe.sources.join("\n");
      expect(src).toMatch(/const v\d+ = \(-v\d+\);/); // the neg, unrounded
      expect(src).toMatch(/const v\d+ = Math\.fround\(\(l\d+ \* l\d+\)\);/); // the product, rounded
      exe.run(xs).forEach((got, i) => expectBitwise(got, oracle(h, xs)[i], `output ${i}`));
    } finally {
      exe.dispose();
    }
  });

  it("computes a commuted repeat (y·x after x·y) once, still bit for bit; max(x, y) and max(y, x) stay apart", () => {
    const xs = [tensor("f32", [6], [0, -0, 1.5, NaN, 1e-30, 3e38]), tensor("f32", [6], [-0, 0, 1 / 3, 2, 7, 3e38])];
    const products = trace((x, y) => t.add(t.mul(t.mul(x, y), 3), t.mul(y, x)), [spec([6]), spec([6])]);
    const maxima = trace((x, y) => t.sub(t.maximum(x, y), t.maximum(y, x)), [spec([6]), spec([6])]);
    // max(+0, -0) is its second operand, so merging the two maxima would turn the first -0 into 0
    expect(Array.from(oracle(maxima, xs)[0].data)).toEqual([-0, 0, 0, NaN, 0, 0]);
    for (const [h, pattern, count] of [[products, /\* l\d+\)\)/g, 1], [maxima, / > l\d+ \?/g, 2]] as const) {
      const plan = planKernels(fuseKernels(h));
      expect(plan.kernels.length).toBe(1);
      const exe = lowerCpu(plan);
      try {
        expect(exe.sources[0].match(pattern)).toHaveLength(count);
        expectBitwise(exe.run(xs)[0], oracle(h, xs)[0]);
      } finally {
        exe.dispose();
      }
    }
  });
});
