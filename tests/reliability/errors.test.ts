// The bad-input catalogue (docs/errors.md): every entry's example raises its documented error
// class and message, and every entry is in the document with that message.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AdjointError, compile, spec, t, valueAndGrad, type Tensor } from "adjoint";
import type { ErrorCase } from "./error-cases";
import { compileCases, irCases, runCases } from "./errors-compile";
import { adCases, shapeCases, traceCases } from "./errors-tracing";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const doc = readFileSync(path.join(root, "docs/errors.md"), "utf8");
// locations in messages are relative to the working directory (the repository root in CI)
const LOC = /tests\/reliability\/errors-(tracing|compile)\.ts:\d+/g;

async function caught(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, but the example ran");
}

const sections: [string, ErrorCase[]][] = [
  ["shapes, dtypes and axes", shapeCases], ["the traced function", traceCases], ["differentiation", adCases],
  ["compile", compileCases], ["run", runCases], ["IR text", irCases],
];

describe("error catalogue", () => {
  for (const [name, cases] of sections) {
    describe(name, () => {
      for (const c of cases) {
        it(`${c.id}: ${c.title}`, async () => {
          const e = await caught(c.run);
          expect(e.name, e.message).toBe(c.error);
          expect(e).toBeInstanceOf(AdjointError);
          const text = e.message.replace(LOC, "<loc>");
          if (typeof c.message === "string") expect(text).toBe(c.message);
          else expect(text).toMatch(c.message);
          // a message that quotes a location quotes the example's own line
          if (String(c.message).includes("<loc>")) expect(e.message).toMatch(LOC);
        });
      }
    });
  }

  it("ids are unique, and every entry is in docs/errors.md with its message", () => {
    const all = sections.flatMap(([, cases]) => cases);
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    for (const c of all) {
      expect(doc, c.id).toContain(`### ${c.id} `);
      if (typeof c.message === "string") expect(doc, c.id).toContain(c.message.split("\n")[0]);
    }
  });
});

describe("what the errors promise", () => {
  it("E402: the smallest budget the error names can be met", async () => {
    const f = valueAndGrad((x: Tensor) => t.sum(t.tanh(t.exp(t.sin(x)))));
    const e = await caught(() => compile(f, [spec([16])], { backend: "interpret", checkpoint: { budgetBytes: 0 } }));
    const smallest = Number(/the smallest budget that can be met is (\d+) bytes/.exec(e.message)![1]);
    const exe = await compile(f, [spec([16])], { backend: "interpret", checkpoint: { budgetBytes: smallest } });
    expect(exe.report.memory).toBeDefined();
    exe.dispose();
    await expect(compile(f, [spec([16])], { backend: "interpret", checkpoint: { budgetBytes: smallest - 1 } })).rejects.toThrow(/no plan fits/);
  });

  it("NaN and Inf inputs are not errors: they flow through to the results", async () => {
    const exe = await compile((x: Tensor) => [t.exp(x), t.log(x)], [spec([3])], { backend: "interpret" });
    const [e, l] = (await exe.run([NaN, Infinity, -1])) as unknown as { data: Float32Array }[];
    expect(Number.isNaN(e.data[0]) && e.data[1] === Infinity).toBe(true);
    expect(e.data[2]).toBeCloseTo(Math.exp(-1), 6);
    expect(Number.isNaN(l.data[0]) && l.data[1] === Infinity && Number.isNaN(l.data[2])).toBe(true);
    exe.dispose();
  });

  it("checkNumerics turns the first non-finite value into a NumericsError naming the op and its line", async () => {
    const exe = await compile((x: Tensor) => t.neg(t.log(x)), [spec([3])], { backend: "interpret", checkNumerics: true });
    const e = await caught(() => exe.run([1, 0, 2]));
    expect(e.name).toBe("NumericsError");
    expect(e.message.replace(/tests\/reliability\/errors\.test\.ts:\d+/, "<loc>")).toMatch(/^checkNumerics: -Inf produced by %\d+ log at <loc> /);
    exe.dispose();
  });

  it("dispose twice is harmless, and a failed run does not poison the queue", async () => {
    const exe = await compile((x: Tensor) => t.neg(x), [spec([2])], { backend: "interpret" });
    await expect(exe.run([1])).rejects.toThrow(/expected 2 values/);
    expect([...((await exe.run([1, 2])) as { data: Float32Array }).data]).toEqual([-1, -2]);
    exe.dispose();
    exe.dispose();
    await expect(exe.run([1, 2])).rejects.toThrow(/was disposed/);
  });
});
