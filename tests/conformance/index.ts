/**
 * The backend conformance suite. Any backend — in-tree or a plugin package — runs it against
 * itself: every op, every fused pattern, gradients, checkpointed graphs, all compared with the
 * reference interpreter. Usage, in a plugin's test file:
 *
 *   import { describeConformance } from "@adjoint/tests/conformance";
 *   describeConformance("mybackend", { rtol: 1e-5 });
 */
import { describe, expect, it } from "vitest";
import { interpret } from "@adjoint/backend-cpu";
import { OP_NAMES, type HostTensor, type Spec } from "@adjoint/ir";
import { compile, trace, valueAndGrad, type CompileOptions, type Tree } from "adjoint";
import { opCases } from "./op-cases";
import { gradientCases, patternCases, type PatternCase } from "./patterns";

export interface ConformanceOptions {
  /** Relative tolerance for f32 results (plus the same absolute tolerance near 0). Default 1e-5. */
  readonly rtol?: number;
  /** Extra compile options (e.g. checkNumerics). */
  readonly compile?: Omit<CompileOptions, "backend">;
}

const specsOf = (inputs: readonly HostTensor[]): Spec[] => inputs.map((x) => ({ shape: x.shape, dtype: x.dtype }));

function flatten(tree: Tree<HostTensor>): HostTensor[] {
  if (tree && typeof tree === "object" && "data" in tree && "shape" in tree) return [tree as HostTensor];
  return Object.values(tree as object).flatMap((v) => flatten(v as Tree<HostTensor>));
}

/** Asserts `actual` matches the interpreter's `expected`: exact for integers and booleans. */
export function expectClose(actual: HostTensor, expected: HostTensor, rtol: number, what: string): void {
  expect(actual.dtype, what).toBe(expected.dtype);
  expect([...actual.shape], what).toEqual([...expected.shape]);
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i], e = expected.data[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : expected.dtype !== "f32" || !Number.isFinite(e) ? a === e : Math.abs(a - e) <= rtol * (1 + Math.abs(e));
    if (!ok) expect.fail(`${what}: element ${i}: got ${a}, interpreter gives ${e} (rtol ${rtol})`);
  }
}

async function checkAgainstInterpreter(backend: string, c: PatternCase, opts: ConformanceOptions, extra: CompileOptions = {}): Promise<void> {
  const specs = specsOf(c.inputs);
  const expected = interpret(trace(c.fn as never, specs), c.inputs);
  const exe = await compile(c.fn as never, specs, { ...opts.compile, ...extra, backend });
  try {
    const got = flatten(await exe.run(...c.inputs));
    expect(got.length).toBe(expected.length);
    got.forEach((g, i) => expectClose(g, expected[i], opts.rtol ?? 1e-5, `${c.name} output ${i}`));
  } finally {
    exe.dispose();
  }
}

/** Defines the conformance tests for the backend registered under `backend`. */
export function describeConformance(backend: string, opts: ConformanceOptions = {}): void {
  describe(`conformance: ${backend}`, () => {
    describe("every op", () => {
      for (const op of OP_NAMES) {
        for (const c of opCases[op]) {
          it(`${op}: ${c.name}`, () => checkAgainstInterpreter(backend, c, opts));
        }
      }
    });
    describe("fused patterns", () => {
      for (const c of patternCases) it(c.name, () => checkAgainstInterpreter(backend, c, opts));
    });
    describe("gradients", () => {
      for (const c of gradientCases) {
        const f32Args = c.inputs.flatMap((x, i) => (x.dtype === "f32" ? [i] : []));
        const vg = valueAndGrad(c.fn as never, { argnums: f32Args });
        it(c.name, () => checkAgainstInterpreter(backend, { ...c, fn: vg }, opts));
        for (const checkpoint of ["sqrt", "all"] as const) {
          it(`${c.name}, checkpoint "${checkpoint}"`, () => checkAgainstInterpreter(backend, { ...c, fn: vg }, opts, { checkpoint }));
        }
      }
    });
  });
}

export { opCases, patternCases, gradientCases, type PatternCase };
export { expectTensor, f32, i32, bool, type OpCase } from "./op-cases";
