// The simplify passes must not change what a graph computes: the reference interpreter runs each
// graph before and after, on the same inputs, and the results must agree bit for bit
// (up to the sign of zero: x + 0 → x and x * 0 → 0 may flip it).
import { describe, expect, it } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import { OP_NAMES, inferNode, numel, opDef, spec, t, trace, verifyGraph, type AttrValue, type DType, type Graph, type HostTensor, type Node, type Tensor } from "@adjoint/ir";
import { constantFold, runPasses, simplifyPipeline } from "@adjoint/passes";
import { seededRandom, valueAndGrad } from "adjoint";

const DATA = { f32: Float32Array, i32: Int32Array, bool: Uint8Array } as const;

function randomInputs(g: Graph, seed: number): HostTensor[] {
  const rand = seededRandom(seed);
  return g.inputs.map(({ type }) => {
    const data = new DATA[type.dtype](numel(type.shape));
    for (let i = 0; i < data.length; i++) {
      data[i] = type.dtype === "f32" ? rand() * 2 : type.dtype === "i32" ? Math.round(rand() * 5) : +(rand() > 0);
    }
    return { shape: type.shape, dtype: type.dtype, data };
  });
}

/** Equal element by element; NaN equals NaN; -0 equals 0. */
function expectSameResults(before: HostTensor[], after: HostTensor[], what: string): void {
  expect(after.length, what).toBe(before.length);
  before.forEach((b, k) => {
    expect(after[k].dtype, what).toBe(b.dtype);
    expect([...after[k].shape], what).toEqual([...b.shape]);
    for (let i = 0; i < b.data.length; i++) {
      const x = b.data[i], y = after[k].data[i];
      if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)))) {
        throw new Error(`${what}: output ${k} element ${i} is ${y} after simplify, ${x} before`);
      }
    }
  });
}

function checkSimplifyKeepsValues(g: Graph, what: string): Graph {
  const { graph } = runPasses(g, simplifyPipeline, { verify: true });
  for (const seed of [1, 2]) {
    const inputs = randomInputs(g, seed);
    expectSameResults(interpret(g, inputs), interpret(graph, inputs), what);
  }
  return graph;
}

describe("simplify keeps values (reference interpreter)", () => {
  const cases: [string, (...xs: Tensor[]) => unknown, ReturnType<typeof spec>[]][] = [
    ["mlp loss and gradients", valueAndGrad((w, x) => t.sum(t.tanh(t.matmul(x, w)))), [spec([4, 3]), spec([2, 4])]],
    ["softmax cross-entropy gradients", valueAndGrad((x) => t.sum(t.mul(t.logSoftmax(x), t.softmax(t.mul(x, 2))))), [spec([3, 5])]],
    ["layer norm and gelu gradients", valueAndGrad((x) => t.mean(t.gelu(t.layerNorm(x)))), [spec([2, 6])]],
    [
      "identities and literals",
      (x, n) => {
        const y = t.add(t.mul(t.neg(t.neg(x)), 1), 0);
        const z = t.transpose(t.transpose(t.reshape(t.reshape(y, [6]), [3, 2]), [1, 0]), [1, 0]);
        const k = t.mul(t.add(t.full([3, 2], 2), t.full([3, 2], 3)), t.cast(n, "f32"));
        return [t.div(t.sub(z, 0), 1), t.mul(k, 0), t.mul(t.tanh(y), 0), t.add(t.tanh(y), t.tanh(y))];
      },
      [spec([2, 3]), spec([3, 2], "i32")],
    ],
  ];
  for (const [what, fn, specs] of cases) {
    it(what, () => {
      const g = trace(fn, specs);
      const simplified = checkSimplifyKeepsValues(g, what);
      expect(simplified.nodes.length).toBeLessThan(g.nodes.length);
    });
  }
});

/** Edge values per dtype: each elementwise op is folded over every combination the passes may meet. */
const EDGES: Record<DType, number[]> = {
  f32: [0, -0, 1, -1.5, 0.1, 3.7, -2.5, 1e30, -1e-30, Infinity, -Infinity, NaN, 16777217],
  i32: [0, 1, -1, 7, -7, 2, 2147483647, -2147483648, 3],
  bool: [0, 1],
};

/** A graph applying `op` to `constant` operands that hold every combination of edge values. */
function literalGraph(op: string, dtypes: readonly DType[], resultDtype?: DType): Graph | undefined {
  const arity = dtypes.length;
  const count = dtypes.reduce((c, d) => c * EDGES[d].length, 1);
  const loc = { file: "fold.ts", line: 1, col: 1 };
  const nodes: Node[] = dtypes.map((dtype, k) => {
    const stride = dtypes.slice(k + 1).reduce((c, d) => c * EDGES[d].length, 1);
    const value = Array.from({ length: count }, (_, i) => EDGES[dtype][Math.floor(i / stride) % EDGES[dtype].length]);
    return { id: k, op: "constant", args: [], attrs: { value, shape: [count], dtype }, type: { dtype, shape: [count] }, loc };
  });
  const attrs: Record<string, AttrValue> = op === "cast" ? { dtype: resultDtype! } : {};
  let type;
  try {
    type = inferNode(op, nodes.map((n) => n.type), attrs, loc);
  } catch {
    return undefined; // an operand dtype the op does not take
  }
  nodes.push({ id: arity, op, args: nodes.map((n) => n.id), attrs, type, loc });
  return verifyGraph({ name: op, inputs: [], nodes, outputs: [arity] });
}

describe("constant-fold agrees with the interpreter on edge values", () => {
  const elementwise = OP_NAMES.filter((op) => opDef(op).class === "elementwise");
  for (const op of elementwise) {
    it(op, () => {
      const arity = opDef(op).arity as number;
      const dtypeLists: DType[][] = op === "where" ? [["bool", "f32", "f32"], ["bool", "i32", "i32"]] : (["f32", "i32", "bool"] as DType[]).map((d) => Array(arity).fill(d));
      const targets: (DType | undefined)[] = op === "cast" ? ["f32", "i32", "bool"] : [undefined];
      let folded = 0;
      for (const dtypes of dtypeLists) {
        for (const target of targets) {
          const g = literalGraph(op, dtypes, target);
          if (!g) continue;
          const { graph } = runPasses(g, [constantFold], { verify: true });
          const last = graph.nodes[graph.nodes.length - 1];
          expect(last.op, `${op}(${dtypes.join(", ")})`).toBe("constant");
          expectSameResults(interpret(g, []), interpret(graph, []), `${op}(${dtypes.join(", ")})${target ? ` → ${target}` : ""}`);
          folded++;
        }
      }
      expect(folded).toBeGreaterThan(0);
    });
  }
});
