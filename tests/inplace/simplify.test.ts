// In-place writes through the simplify pipeline: identities, CSE and DCE must neither leave a
// `writes` tag naming a removed value nor merge a write's target with another value (which
// would let the write clobber that value's readers: a hazard the user never wrote).
import { describe, expect, it } from "vitest";
import { AdjointError, spec, t, trace, valueAndGrad, type Graph, type Tensor } from "adjoint";
import { checkInplace, runPasses, simplifyPipeline } from "@adjoint/passes";
import { f32, run } from "./helpers";
import { randomProgram } from "./programs";
import { byWritesTags, simulate } from "./simulate";

// Until rewrite.ts pins the values in-place writes take over (`writeTargets`) and dce.ts drops
// the tag of a write whose target it removed (the patch is in docs/inplace.md's note for pass
// authors), simplify leaves dangling `writes` tags: those cases are expected to fail.
// Once patched, make `pending` plain `it`.
const pending = it;

const simplify = (g: Graph) => runPasses(g, simplifyPipeline, { verify: true }).graph;
const inputs = [f32([0.3, -1.2, 0.8, 2, -0.1, 0.5], [2, 3]), f32([1.5, 0.2, -0.7, 0.9, -2, 0.4], [2, 3])];
const safe = (g: Graph) => {
  try {
    checkInplace(g, "error");
    return true;
  } catch (e) {
    if (e instanceof AdjointError) return false;
    throw e;
  }
};

describe("simplify keeps in-place writes well-formed", () => {
  const cases: [string, (x: Tensor, v: Tensor) => Tensor, boolean?][] = [
    ["a write to an assigned value (assign is a cast, an identity to algebraic)", (x, v) => {
      const y = t.exp(x);
      y.assign(v);
      y.addInPlace(1);
      return t.sum(t.mul(y, x));
    }],
    ["a write to a neutral write (x *= 1)", (x) => {
      const y = t.exp(x);
      y.mulInPlace(1);
      y.addInPlace(1);
      return t.sum(t.tanh(y));
    }],
    ["two accumulators that CSE would merge", (x, v) => {
      const a = t.zeros([2, 3]), b = t.zeros([2, 3]);
      a.addInPlace(t.sin(x));
      b.addInPlace(t.cos(v));
      a.mulInPlace(x);
      b.mulInPlace(v);
      return t.sum(t.mul(a, b));
    }],
    ["a number assigned to a value nobody read (dce removes the target, the write stays)", (x) => {
      const y = t.exp(x);
      y.assign(3);
      return t.sum(t.mul(y, x));
    }],
    ["an assign to a value nobody read", (x, v) => {
      const y = t.exp(x);
      y.assign(v);
      return t.sum(t.mul(y, y));
    }, true],
  ];
  for (const [name, f, worksToday] of cases) {
    (worksToday ? it : pending)(name, () => {
      const g = trace(valueAndGrad(f, { argnums: [0, 1] }), [spec([2, 3]), spec([2, 3])]);
      const s = simplify(g); // verified after every pass: no dangling `writes`
      expect(safe(s)).toBe(safe(g));
      expect(simulate(checkInplace(s, "copy").graph, inputs, byWritesTags)).toEqual(run(g, inputs));
    });
  }

  pending("on random programs: no new hazards, and the kept writes stay safe", () => {
    let checked = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const g = randomProgram(seed);
      const s = simplify(g);
      if (safe(g)) {
        expect(safe(s)).toBe(true);
        checked++;
      }
      expect(simulate(checkInplace(s, "copy").graph, inputs, byWritesTags)).toEqual(run(g, inputs));
    }
    expect(checked).toBeGreaterThan(0);
  });
});
