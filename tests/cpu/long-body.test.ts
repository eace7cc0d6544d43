// Kernels whose generated body is longer than MAX_LOCALS lines share locals by liveness
// (codegen/registers.ts), so a huge fused chain fits V8's stack frame. Checked against the
// interpreter on traced graphs (elementwise, a reduction prologue, many values live at once)
// and on the renaming itself.
import { describe, expect, it } from "vitest";
import { trace, spec, t, type Tensor } from "@adjoint/ir";
import { interpret, lowerCpu } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { MAX_LOCALS, reuseLocals, stmtText, type Stmt } from "../../packages/backend-cpu/src/fast/codegen/registers";
import { expectClose, random } from "./util";

const N = MAX_LOCALS + 500;

/** Lowers the fused graph, checks it is one kernel of the expected loop, and compares every output with the interpreter. */
function check(fn: (x: Tensor) => Tensor, shape: number[], kind: string) {
  const g = trace(fn, [spec(shape)]);
  const plan = planKernels(fuseKernels(g));
  expect(plan.kernels.map((k) => k.loop.kind)).toEqual([kind]);
  const x = random(shape, 7);
  const exe = lowerCpu(plan);
  try {
    expect(exe.sources[0]).toMatch(/^let p?t0/m); // the long-body path is the one under test
    const got = exe.run([x]);
    interpret(g, [x]).forEach((w, i) => expectClose(got[i], w, 0, `output ${i}`));
  } finally {
    exe.dispose();
  }
}

describe("long generated bodies", () => {
  it(`an elementwise chain of ${2 * N} ops`, () => {
    check((x) => {
      let y = x;
      for (let i = 0; i < N; i++) y = t.mul(t.sin(y), 1 + i * 1e-4);
      return y;
    }, [3, 5], "elementwise");
  });

  it(`a reduction whose prologue has ${2 * N} ops (the folded value is read outside the body)`, () => {
    check((x) => {
      let y = x;
      for (let i = 0; i < N; i++) y = t.add(t.tanh(y), 0.01 * (i % 7));
      return t.sum(y, [1]);
    }, [4, 6], "reduce");
  });

  it("many values live at once: each of 400 values is read again at the end", () => {
    check((x) => {
      const keep: Tensor[] = [];
      let y = x;
      for (let i = 0; i < MAX_LOCALS / 2; i++) {
        y = t.cos(t.mul(y, 1.5));
        keep.push(y);
      }
      for (let i = 0; i < 400; i++) y = t.add(y, t.mul(keep[keep.length - 1 - i], 0.5));
      return y;
    }, [8], "elementwise");
  });
});

describe("reuseLocals", () => {
  const op = (def: string | undefined, uses: string[], f: (u: readonly string[]) => string): Stmt => ({ def, uses, expr: f });
  const chain: Stmt[] = [
    op("a", ["x"], ([x]) => `${x} + 1`),
    op("b", ["a"], ([a]) => `${a} * 2`),
    op("c", ["b", "a"], ([b, a]) => `${b} - ${a}`),
    op(undefined, ["c"], ([c]) => `out.push(${c})`),
    op("d", ["c", "c"], ([c, c2]) => `${c} * ${c2}`),
    op("e", ["d", "(-0.5)"], ([d, k]) => `${d} + ${k}`),
  ];
  const run = (lines: readonly string[]) => new Function("x", "out", lines.join("\n") + "\nout.push(e);\nreturn out;")(3, []) as number[];

  it("renames onto as few locals as are live at once, with the same results", () => {
    const renamed = reuseLocals(chain, new Set(["e"]), "t");
    // a and b are live together, then both die into c, c into d; e is kept as written
    expect(renamed[0]).toBe("let t0, t1;");
    expect(renamed.at(-1)).toBe("const e = t0 + (-0.5);");
    expect(run(renamed)).toEqual(run(chain.map(stmtText)));
    expect(run(renamed)).toEqual([4, 15.5]); // a = 3 + 1, c = 2a − a = 4, e = c² − 0.5
  });

  it("keeps a kept name's const even when nothing in the statements reads it", () => {
    const renamed = reuseLocals([op("a", ["x"], ([x]) => `${x} + 1`), op("b", ["x"], ([x]) => `${x} * 2`)], new Set(["b"]), "t");
    expect(renamed).toEqual(["let t0;", "t0 = x + 1;", "const b = x * 2;"]);
  });
});
