// The in-place tensor methods: what they record (a new SSA version tagged `writes`), how the
// Tensor object follows its versions, clone's copy-on-write, and their errors.
import { describe, expect, it } from "vitest";
import { ShapeError, grad, parseGraph, printGraph, spec, t, trace, verifyGraph, type Graph, type Tensor } from "adjoint";
import { f32, lineOf, run } from "./helpers";

const here = import.meta.url;
const nodeOf = (g: Graph, id: number) => g.nodes.find((n) => n.id === id)!;

describe("recording", () => {
  it("each method records its op as a new version tagged writes = the old one, and x names the new version", () => {
    const seen: { op: string; before: number; after: number; same: boolean }[] = [];
    const g = trace((x: Tensor, y: Tensor) => {
      const h = t.add(x, 1);
      const step = (op: string, f: (h: Tensor) => Tensor) => {
        const before = h.id;
        const returned = f(h);
        seen.push({ op, before, after: h.id, same: returned === h });
      };
      step("add", (h) => h.addInPlace(y));
      step("sub", (h) => h.subInPlace(y));
      step("mul", (h) => h.mulInPlace(y));
      step("div", (h) => h.divInPlace(y));
      step("cast", (h) => h.assign(y));
      step("full", (h) => h.assign(7));
      return h;
    }, [spec([3]), spec([3])]);
    let prev: number | undefined;
    for (const s of seen) {
      expect(s.same).toBe(true);
      expect(s.after).not.toBe(s.before);
      if (prev !== undefined) expect(s.before).toBe(prev); // each write starts from the last version
      const n = nodeOf(g, s.after);
      expect(n.op).toBe(s.op);
      expect(n.tags?.writes).toBe(s.before);
      prev = s.after;
    }
    // the operand order is x first: the write reads the old version
    expect(nodeOf(g, seen[1].after).args[0]).toBe(seen[0].after);
    expect(g.outputs).toEqual([prev]);
  });

  it("printGraph shows tags(writes = %N), and the text parses back to the same graph", () => {
    let oldId = -1, newId = -1;
    const g = trace((x: Tensor) => {
      const y = t.sigmoid(x);
      oldId = y.id;
      y.mulInPlace(2);
      newId = y.id;
      return t.sum(y);
    }, [spec([3])]);
    const text = printGraph(g);
    expect(text).toMatch(new RegExp(`%${newId} = mul %${oldId}, %\\d+ : f32\\[3\\] tags\\(writes = %${oldId}\\)`));
    const back = parseGraph(text);
    expect(printGraph(back)).toBe(text);
    expect(() => verifyGraph(back)).not.toThrow();
  });

  it("numbers become a full of x's type, smaller operands are broadcast and integer ones cast", () => {
    const g = trace((x: Tensor, row: Tensor, k: Tensor) => {
      const y = t.mul(x, 1);
      y.addInPlace(row); // f32[3] broadcast to f32[2,3]
      y.mulInPlace(k); // i32[2,3] cast to f32
      y.subInPlace(0.5);
      return y;
    }, [spec([2, 3]), spec([3]), spec([2, 3], "i32")]);
    const [add, mul, sub] = g.nodes.filter((n) => n.tags?.writes !== undefined);
    expect(nodeOf(g, add.args[1]).op).toBe("broadcast");
    expect(nodeOf(g, mul.args[1]).op).toBe("cast");
    expect(nodeOf(g, sub.args[1]).attrs).toEqual({ value: 0.5, shape: [2, 3], dtype: "f32" });
    const x = [1, 2, 3, 4, 5, 6], row = [10, 20, 30], k = [1, 2, 3, 1, 2, 3];
    const expected = x.map((v, i) => (v + row[i % 3]) * k[i] - 0.5);
    expect(run(g, [f32(x, [2, 3]), f32(row), { shape: [2, 3], dtype: "i32", data: Int32Array.from(k) }])[0]).toEqual(expected);
  });

  it("assign broadcasts and casts the value, and the old value no longer flows", () => {
    const g = trace((x: Tensor, v: Tensor) => {
      const y = t.add(x, 1);
      y.assign(v);
      return t.mul(y, 2);
    }, [spec([2, 2]), spec([2], "i32")]);
    const out = run(g, [f32([1, 2, 3, 4], [2, 2]), { shape: [2], dtype: "i32", data: Int32Array.from([5, -6]) }]);
    expect(out[0]).toEqual([10, -12, 10, -12]);
  });

  it("writes chain: the second write overwrites the first's version", () => {
    const ids: number[] = [];
    const g = trace((x: Tensor) => {
      const y = t.exp(x);
      ids.push(y.id);
      y.mulInPlace(3).addInPlace(1);
      ids.push(y.id);
      return y;
    }, [spec([2])]);
    const last = nodeOf(g, ids[1]);
    const first = nodeOf(g, last.tags!.writes!);
    expect(first.tags?.writes).toBe(ids[0]);
    expect(run(g, [f32([0, 1])])[0]).toEqual([3 * Math.exp(0) + 1, 3 * Math.exp(1) + 1]);
  });
});

describe("aliasing", () => {
  it("follows the object: another variable holding it sees the write, a derived value does not", () => {
    const g = trace((x: Tensor) => {
      const y = t.add(x, 1);
      const same = y;
      const derived = y.reshape([2, 1]);
      y.mulInPlace(10);
      return [same, derived];
    }, [spec([2])]);
    expect(run(g, [f32([1, 2])])).toEqual([[20, 30], [2, 3]]);
  });

  it("stops at function boundaries: a write to an argument inside grad's function leaves the caller's tensor", () => {
    let before = -1, after = -1;
    const g = trace((x: Tensor) => {
      const y = t.exp(x);
      before = y.id;
      const dy = grad((a: Tensor) => t.sum(t.mul(a.mulInPlace(3), a)))(y); // d/da Σ (3a)(3a) = 18a
      after = y.id;
      return [y, dy];
    }, [spec([2])]);
    expect(after).toBe(before);
    expect(run(g, [f32([0, 1])])).toEqual([[1, Math.E], [18, 18 * Math.E]]);
  });
});

describe("clone", () => {
  it("is copy-on-write: the first write through a shared value takes a fresh buffer, the last name writes in place", () => {
    let cloneWrite = -1, ownWrite = -1;
    const g = trace((x: Tensor) => {
      const y = t.add(x, 1);
      const c = y.clone();
      c.mulInPlace(2);
      cloneWrite = c.id;
      y.addInPlace(10); // c has moved on: y is the only name of its value again
      ownWrite = y.id;
      return [y, c];
    }, [spec([2])]);
    expect(nodeOf(g, cloneWrite).tags).toBeUndefined();
    expect(nodeOf(g, ownWrite).tags?.writes).toBe(nodeOf(g, ownWrite).args[0]);
    expect(run(g, [f32([1, 2])])).toEqual([[12, 13], [4, 6]]);
  });

  it("keeps the old value when the original is written first", () => {
    const g = trace((x: Tensor) => {
      const y = t.add(x, 1);
      const c = y.clone();
      y.mulInPlace(5);
      c.addInPlace(1);
      return [y, c];
    }, [spec([2])]);
    const writes = g.nodes.filter((n) => n.op === "mul" || (n.op === "add" && n.args[0] !== g.inputs[0].id));
    expect(writes.map((n) => n.tags?.writes !== undefined)).toEqual([false, true]);
    expect(run(g, [f32([1, 2])])).toEqual([[10, 15], [3, 4]]);
  });
});

describe("errors", () => {
  const fails = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(ShapeError);
      return (e as Error).message;
    }
    throw new Error("expected an error");
  };

  it("a result of another shape names the method, both shapes and the line", () => {
    const msg = fails(() =>
      trace((x: Tensor) => {
        const y = t.add(x, 1);
        y.mulInPlace(t.ones([2, 3])); // @L:grow
        return y;
      }, [spec([3])]),
    );
    expect(msg).toContain("mulInPlace");
    expect(msg).toContain("f32[2,3]");
    expect(msg).toContain("f32[3]");
    expect(msg).toContain(`methods.test.ts:${lineOf(here, "grow")}`);
  });

  it("a result of a wider dtype is refused, for tensors and fractions", () => {
    const tensor = fails(() =>
      trace((x: Tensor, f: Tensor) => {
        x.addInPlace(f); // @L:widen
        return x;
      }, [spec([3], "i32"), spec([3])]),
    );
    expect(tensor).toMatch(/addInPlace: .*f32\[3\].*does not fit.*i32\[3\]/);
    expect(tensor).toContain(`methods.test.ts:${lineOf(here, "widen")}`);
    const fraction = fails(() => trace((x: Tensor) => x.divInPlace(0.5), [spec([3], "i32")]));
    expect(fraction).toMatch(/divInPlace: .*0\.5.*i32\[3\]/);
    expect(fails(() => trace((x: Tensor) => x.assign(2), [spec([3], "bool")]))).toMatch(/assign: the value 2 does not fit .*bool\[3\]/);
  });

  it("shapes that do not broadcast say so", () => {
    const msg = fails(() => trace((x: Tensor, y: Tensor) => x.subInPlace(y), [spec([3]), spec([4])]));
    expect(msg).toMatch(/subInPlace: .*f32\[4\].*do not broadcast.*f32\[3\]/);
  });

  it("a traced function cannot write to a value it captured from an enclosing trace", () => {
    const msg = fails(() =>
      trace((w: Tensor, x: Tensor) =>
        grad((z: Tensor) => {
          w.mulInPlace(2); // @L:captured
          return t.sum(z);
        })(x),
      [spec([3]), spec([3])]),
    );
    expect(msg).toMatch(/mulInPlace: .*enclosing function's trace/);
    expect(msg).toContain(`methods.test.ts:${lineOf(here, "captured")}`);
  });

  it("a tensor leaked out of a finished trace cannot be written", () => {
    let leaked: Tensor | undefined;
    trace((x: Tensor) => (leaked = t.add(x, 1)), [spec([2])]);
    expect(fails(() => leaked!.addInPlace(1))).toMatch(/finished/);
  });
});
