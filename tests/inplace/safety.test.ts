// The in-place safety pass on joint forward+backward graphs: which writes it rejects, what the
// error says (ops, this file's own lines, the fix), and what mode "copy" does instead.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AdjointError, customVjp, parseGraph, printGraph, spec, t, trace, valueAndGrad, verifyGraph, type Graph, type Tensor } from "adjoint";
import { checkInplace, inplaceSafety, runPasses, withOptions } from "@adjoint/passes";
import { f32, lineOf, run } from "./helpers";
import { randomProgram } from "./programs";
import { byWritesTags, simulate } from "./simulate";

const here = import.meta.url;
// node locations hold the file relative to the working directory
const at = (name: string) => `${path.relative(process.cwd(), fileURLToPath(here))}:${lineOf(here, name)}`;
const sigmoidOf = (g: Graph) => g.nodes.find((n) => n.op === "sigmoid")!.id;

/** The error `checkInplace(g, "error")` throws. */
function errorOf(g: Graph): AdjointError {
  try {
    checkInplace(g, "error");
  } catch (e) {
    expect(e).toBeInstanceOf(AdjointError);
    return e as AdjointError;
  }
  throw new Error("expected the in-place check to fail");
}

// The example: sigmoid's backward reads its output, which the write destroys.
const sigmoidThenScale = (x: Tensor) => {
  const y = t.sigmoid(x); // @L:sigmoid
  y.mulInPlace(2); // @L:scale
  return t.sum(y);
};

describe("unsafe writes are compile errors", () => {
  it("names the write and its line, the value it clobbers, the backward op that needs it, and the fix", () => {
    const g = trace(valueAndGrad(sigmoidThenScale), [spec([3])]);
    const sigmoidId = sigmoidOf(g);
    const e = errorOf(g);
    const [head, reader, write, fix] = e.message.split("\n");
    expect(head).toContain(`inplace: mulInPlace at ${at("scale")} overwrites %${sigmoidId} = sigmoid (${at("sigmoid")})`);
    expect(head).toContain("the backward pass still needs its old value");
    // sigmoid's backward computes y (1 - y): the `sub` reads the old y first
    expect(reader).toMatch(new RegExp(`%\\d+ = sub \\(.*${at("sigmoid")}\\), in the backward pass of %${sigmoidId} = sigmoid`));
    expect(write).toMatch(new RegExp(`mul %${sigmoidId}, %\\d+ : f32\\[3\\] tags\\(writes = %${sigmoidId}\\)`));
    expect(fix).toContain("x.clone().mulInPlace(...)");
    expect(fix).toContain('{ inplace: "copy" }');
    expect(e.op).toBe("mul");
    expect(e.loc?.line).toBe(lineOf(here, "scale"));
  });

  it("runs as the `inplace` pass, error mode by default", () => {
    const g = trace(valueAndGrad(sigmoidThenScale), [spec([3])]);
    expect(inplaceSafety.name).toBe("inplace");
    expect(() => runPasses(g, [inplaceSafety])).toThrow(/mulInPlace at .* overwrites/);
    expect(() => runPasses(g, [withOptions(inplaceSafety, { mode: "error" })])).toThrow(AdjointError);
  });

  it("passes a write whose old value nobody reads later, returning the very same graph", () => {
    const g = trace(valueAndGrad((x: Tensor) => {
      const h = t.add(x, 1);
      h.mulInPlace(2); // add's backward reads nothing, mul's reads only the 2
      return t.sum(t.tanh(h));
    }), [spec([3])]);
    expect(printGraph(g)).toContain("tags(writes = ");
    for (const mode of ["error", "copy"] as const) {
      const r = checkInplace(g, mode);
      expect(r.graph).toBe(g);
      expect(r.copies).toBe(0);
      expect(r.hazards).toEqual([]);
    }
  });

  it("counts the other unsafe writes", () => {
    const g = trace(valueAndGrad((x: Tensor) => {
      const a = t.exp(x);
      a.mulInPlace(3);
      const b = t.sigmoid(a);
      b.addInPlace(1);
      return t.sum(b);
    }), [spec([2])]);
    expect(errorOf(g).message).toMatch(/\(1 more unsafe in-place write in @/);
  });
});

describe('mode "copy"', () => {
  it("drops the tag of each unsafe write (it then gets a fresh buffer) and reports the copies", () => {
    const g = trace(valueAndGrad(sigmoidThenScale), [spec([3])]);
    const r = checkInplace(g, "copy");
    const sigmoidId = sigmoidOf(g);
    expect(r.copies).toBe(1);
    expect(r.hazards.map((h) => [h.kind, h.target, h.reader?.op, h.reader?.loc.origin?.kind])).toEqual([["read", sigmoidId, "sub", "grad"]]);
    expect(printGraph(r.graph)).not.toContain("writes");
    expect(() => verifyGraph(r.graph)).not.toThrow();
    expect(printGraph(r.graph).replace(/ tags\(writes = %\d+\)/g, "")).toBe(printGraph(g).replace(/ tags\(writes = %\d+\)/g, ""));
    expect(checkInplace(r.graph, "error").graph).toBe(r.graph); // now safe
  });

  it("the hazard is real: honouring the unsafe write corrupts the gradient; after the copy it is right", () => {
    const g = trace(valueAndGrad(sigmoidThenScale), [spec([3])]);
    const x = [f32([0.1, -0.5, 2])];
    const exact = run(g, x);
    const corrupted = simulate(g, x, byWritesTags);
    expect(corrupted[0]).toEqual(exact[0]); // the forward value is fine...
    expect(corrupted[1]).not.toEqual(exact[1]); // ...the backward read 2σ(x) instead of σ(x)
    expect(simulate(checkInplace(g, "copy").graph, x, byWritesTags)).toEqual(exact);
    // and a safe write, honoured, changes nothing
    const safe = trace(valueAndGrad((v: Tensor) => t.sum(t.tanh(t.add(v, 1).mulInPlace(2)))), [spec([3])]);
    expect(checkInplace(safe, "error").graph).toBe(safe);
    expect(simulate(safe, x, byWritesTags)).toEqual(run(safe, x));
  });

  it("through the pass manager: one node rewritten, the result verified", () => {
    const g = trace(valueAndGrad(sigmoidThenScale), [spec([3])]);
    const { graph, records } = runPasses(g, [withOptions(inplaceSafety, { mode: "copy" })], { verify: true });
    expect(records[0].summary).toEqual({ added: 0, removed: 0, rewritten: 1 });
    expect(run(graph, [f32([0.1, 0.2, 0.3])])).toEqual(run(g, [f32([0.1, 0.2, 0.3])]));
  });
});

describe("writing a function input (a parameter)", () => {
  const scaleParam = (w: Tensor, x: Tensor) => {
    const h = t.mul(w, x); // @L:uses-w
    w.mulInPlace(2); // @L:param
    return t.sum(t.add(h, w));
  };

  it("is allowed in a forward-only graph", () => {
    const g = trace(scaleParam, [spec([3]), spec([3])]);
    const r = checkInplace(g, "error");
    expect(r.graph).toBe(g);
    expect(g.nodes.some((n) => n.tags?.writes === g.inputs[0].id)).toBe(true);
  });

  it("is allowed when the backward pass does not read the old value (d(w x)/dw = x)", () => {
    const g = trace(valueAndGrad(scaleParam, { argnums: 0 }), [spec([3]), spec([3])]);
    expect(checkInplace(g, "error").graph).toBe(g);
  });

  it("is caught when the backward pass reads it (d(w x)/dx = w)", () => {
    const g = trace(valueAndGrad(scaleParam, { argnums: 1 }), [spec([3]), spec([3])]);
    const msg = errorOf(g).message;
    expect(msg).toContain(`mulInPlace at ${at("param")} overwrites input %0 'arg0'`);
    expect(msg).toMatch(new RegExp(`%\\d+ = mul \\(.*${at("uses-w")}\\), in the backward pass of %\\d+ = mul`));
  });
});

describe("views share their operand's memory", () => {
  it("returning a view of the old value is caught", () => {
    const g = trace((x: Tensor) => {
      const y = t.exp(x);
      const v = y.reshape([3, 1]); // a view of y's memory once fused
      y.mulInPlace(2); // @L:view-write
      return [y, v];
    }, [spec([3])]);
    const msg = errorOf(g).message;
    expect(msg).toContain(`mulInPlace at ${at("view-write")} overwrites`);
    expect(msg).toContain("but the function returns the old value (output 1)");
  });

  it("writing a view clobbers the value it views", () => {
    const g = trace(valueAndGrad((x: Tensor) => {
      const y = t.exp(x); // @L:base
      const v = y.reshape([2, 2]);
      v.addInPlace(1);
      return t.sum(v);
    }), [spec([4])]);
    expect(errorOf(g).message).toMatch(new RegExp(`overwrites %\\d+ = reshape \\(.*\\), a view of %\\d+ = exp \\(${at("base")}\\)`));
  });

  it("a customVjp result is its forward output's memory: writing it clobbers the saved residual", () => {
    const sigmoid = customVjp(
      (x: Tensor) => t.sigmoid(x),
      (x: Tensor) => {
        const y = t.sigmoid(x); // @L:residual
        return [y, [y]] as const;
      },
      ([y], ct) => [t.mul(ct, t.mul(y, t.sub(1, y)))],
    );
    const g = trace(valueAndGrad((x: Tensor) => {
      const y = sigmoid(x);
      y.mulInPlace(2);
      return t.sum(y);
    }), [spec([3])]);
    expect(errorOf(g).message).toMatch(new RegExp(`overwrites %\\d+ = custom_vjp \\(.*\\), a view of %\\d+ = sigmoid \\(${at("residual")}\\), but the backward pass`));
    const x = [f32([0.1, -0.5, 2])];
    expect(simulate(g, x, byWritesTags)[1]).not.toEqual(run(g, x)[1]);
    expect(simulate(checkInplace(g, "copy").graph, x, byWritesTags)).toEqual(run(g, x));
  });

  it("a write that reads a transposed view of its own memory is caught", () => {
    const g = trace((x: Tensor) => {
      const y = t.exp(x);
      y.addInPlace(y.transpose());
      return y;
    }, [spec([2, 2])]);
    const r = checkInplace(g, "copy");
    expect(r.hazards.map((h) => h.kind)).toEqual(["self-view"]);
    expect(errorOf(g).message).toMatch(/while reading %\d+ = transpose .*a reordered view of that same memory/);
  });
});

describe("hand-written graphs", () => {
  const header = 'graph @f(%0: f32[2,2] "x" loc("a.ts":1:1)) {';
  const full = (id: number) => `  %${id} = full {value = 2, shape = [2,2], dtype = f32} : f32[2,2] loc("a.ts":2:1)`;

  it("a recompute node that reads an overwritten value is named as such", () => {
    const g = parseGraph([header,
      '  %1 = exp %0 : f32[2,2] loc("a.ts":3:1)',
      full(2),
      '  %3 = mul %1, %2 : f32[2,2] tags(writes = %1) loc("a.ts":4:1)',
      '  %4 = exp %0 : f32[2,2] loc(recompute of %1 "a.ts":3:1)',
      '  %5 = add %4, %1 : f32[2,2] loc(grad of %3 "a.ts":4:1)',
      "  return %3, %5", "}"].join("\n"));
    expect(errorOf(g).message).toMatch(/%5 = add \(a\.ts:4\), in the backward pass of %3 = mul/);
  });

  it("a second write of the same memory makes the first unsafe", () => {
    const g = parseGraph([header,
      '  %1 = exp %0 : f32[2,2] loc("a.ts":3:1)',
      full(2),
      '  %3 = mul %1, %2 : f32[2,2] tags(writes = %1) loc("a.ts":4:1)',
      '  %4 = cast %0 {dtype = f32} : f32[2,2] tags(writes = %1) loc("a.ts":5:1)',
      "  return %3, %4", "}"].join("\n"));
    const r = checkInplace(g, "copy");
    expect(r.hazards.map((h) => [h.write.id, h.reader?.id])).toEqual([[3, 4]]);
    expect(r.graph.nodes.map((n) => n.tags?.writes)).toEqual([undefined, undefined, undefined, 1]);
  });

  it("a write that cannot take the memory over does not make an earlier one unsafe", () => {
    const g = parseGraph([header,
      '  %1 = exp %0 : f32[2,2] loc("a.ts":3:1)',
      full(2),
      '  %3 = mul %1, %2 : f32[2,2] tags(writes = %1) loc("a.ts":4:1)',
      '  %4 = reduce_sum %0 {axes = [1], keepdims = true} : f32[2,1] loc("a.ts":5:1)',
      '  %5 = broadcast %4 {shape = [2, 2]} : f32[2,2] tags(writes = %1) loc("a.ts":6:1)', // not elementwise: a fresh buffer
      "  return %3, %5", "}"].join("\n"));
    const r = checkInplace(g, "error");
    expect(r.copies).toBe(1);
    expect(r.graph.nodes.map((n) => n.tags?.writes)).toEqual([undefined, undefined, 1, undefined, undefined]);
  });

  it("writes that cannot reuse their target's memory lose the tag in both modes, without an error", () => {
    const g = parseGraph([header,
      '  %1 = exp %0 : f32[2,2] loc("a.ts":3:1)',
      '  %2 = transpose %1 {perm = [1, 0]} : f32[2,2] loc("a.ts":4:1)',
      '  %3 = neg %2 : f32[2,2] tags(writes = %2) loc("a.ts":5:1)', // target is a reordered view
      '  %4 = constant {value = [1, 2, 3, 4], shape = [2,2], dtype = f32} : f32[2,2] loc("a.ts":6:1)',
      '  %5 = add %4, %3 : f32[2,2] tags(writes = %4) loc("a.ts":7:1)', // target is embedded data
      '  %6 = reduce_sum %5 {axes = [1], keepdims = true} : f32[2,1] loc("a.ts":8:1)',
      '  %7 = exp %0 : f32[2,2] loc("a.ts":9:1)',
      '  %8 = matmul %7, %7 : f32[2,2] tags(writes = %7) loc("a.ts":10:1)', // not elementwise
      "  return %6, %8", "}"].join("\n"));
    for (const mode of ["error", "copy"] as const) {
      const r = checkInplace(g, mode);
      expect(r.copies).toBe(3);
      expect(r.hazards).toEqual([]);
      expect(printGraph(r.graph)).not.toContain("writes");
    }
  });
});

describe("random programs", () => {
  const inputs = [f32([0.3, -1.2, 0.8, 2, -0.1, 0.5], [2, 3]), f32([1.5, 0.2, -0.7, 0.9, -2, 0.4], [2, 3])];

  it("every write the pass keeps is safe: honouring them gives the interpreter's values and gradients", () => {
    let kept = 0, copied = 0, rejected = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const g = randomProgram(seed);
      const exact = run(g, inputs);
      const { graph, copies, hazards } = checkInplace(g, "copy");
      copied += copies;
      kept += graph.nodes.filter((n) => n.tags?.writes !== undefined).length;
      expect(simulate(graph, inputs, byWritesTags)).toEqual(exact);
      let threw = false;
      try {
        expect(simulate(checkInplace(g, "error").graph, inputs, byWritesTags)).toEqual(exact);
      } catch (e) {
        if (!(e instanceof AdjointError)) throw e;
        threw = true;
      }
      expect(threw).toBe(hazards.length > 0); // error mode rejects exactly what copy mode copies as hazards
      if (threw) rejected++;
    }
    // not vacuous: writes are kept, copied and rejected across the programs
    expect(kept).toBeGreaterThan(10);
    expect(copied).toBeGreaterThan(5);
    expect(rejected).toBeGreaterThan(3);
  });
});
