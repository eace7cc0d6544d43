import { describe, expect, it } from "vitest";
import { OP_NAMES, ParseError, VerifyError, parseGraph } from "./index";

/** The error `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

/** Parses `text` expecting a ParseError at `line:col` with exactly `message` after the position. */
function expectParseError(text: string, line: number, col: number, message: string): void {
  const e = thrown(() => parseGraph(text));
  expect(e).toBeInstanceOf(ParseError);
  const pe = e as ParseError;
  expect([pe.line, pe.col]).toEqual([line, col]);
  expect(pe.message).toBe(`${line}:${col}: ${message}`);
}

/** A valid graph whose line 2 (the node) the cases below replace. */
const wrap = (node: string, ret = "  return %1") =>
  ['graph @f(%0: f32[2] "x" loc("a.ts":1:1)) {', node, ret, "}"].join("\n");
const LOC = 'loc("a.ts":2:5)';

describe("parse errors: line:col and what was expected", () => {
  it("the base text parses", () => {
    expect(parseGraph(wrap(`  %1 = tanh %0 : f32[2] ${LOC}`)).nodes).toHaveLength(1);
  });

  it("missing '='", () => {
    expectParseError(wrap(`  %1 tanh %0 : f32[2] ${LOC}`), 2, 6, "expected '=', got 'tanh'");
  });

  it("missing type", () => {
    expectParseError(wrap(`  %1 = tanh %0 ${LOC}`), 2, 16, "expected ':', got 'loc'");
    expectParseError(wrap(`  %1 = tanh %0 : ${LOC}`), 2, 18, "expected a dtype (f32, i32, bool), got 'loc'");
    expectParseError('graph @f(%0: "x" loc(unknown)) {\n  return %0\n}', 1, 14, "expected a type like f32[2,3], got 'x'");
  });

  it("bad dtype", () => {
    expectParseError(wrap(`  %1 = tanh %0 : f64[2] ${LOC}`), 2, 18, "expected a dtype (f32, i32, bool), got 'f64'");
    expectParseError(wrap(`  %1 = cast %0 {dtype = f16} : f32[2] ${LOC}`), 2, 25,
      'expected an attribute value (number, [list], "string", true/false or f32/i32/bool), got \'f16\'');
  });

  it("unterminated string", () => {
    expectParseError('graph @f(%0: f32[2] "x loc(unknown)) {\n  return %0\n}', 1, 21, "unterminated string");
    expectParseError(wrap('  %1 = tanh %0 : f32[2] loc("a.ts:2:5)'), 2, 29, "unterminated string");
    // a string cannot run across lines
    expectParseError('graph @"f\n"() {\n  return %0\n}', 1, 8, "unterminated string");
  });

  it("unknown op lists the known ops", () => {
    const e = thrown(() => parseGraph(wrap(`  %1 = tanhh %0 : f32[2] ${LOC}`))) as ParseError;
    expect(e).toBeInstanceOf(ParseError);
    expect(e.message).toBe(`2:8: unknown op 'tanhh'; known ops: ${OP_NAMES.join(", ")}`);
    expect(e.message).toContain("add, ");
    expect(e.message).toContain("custom_vjp");
  });

  it("missing return", () => {
    expectParseError(wrap(`  %1 = tanh %0 : f32[2] ${LOC}`, ""), 4, 1, "expected a node like '%3 = op ...' or 'return', got '}'");
    expectParseError(wrap(`  %1 = tanh %0 : f32[2] ${LOC}`, "  retrun %1"), 3, 3, "expected a node like '%3 = op ...' or 'return', got 'retrun'");
    expectParseError(wrap(`  %1 = tanh %0 : f32[2] ${LOC}`, "  return"), 4, 1, "expected a value like %3, got '}'");
  });

  it("trailing garbage after '}'", () => {
    expectParseError(wrap(`  %1 = tanh %0 : f32[2] ${LOC}`) + " extra", 4, 3, "expected end of input after '}', got 'extra'");
    const twice = wrap(`  %1 = tanh %0 : f32[2] ${LOC}`);
    expectParseError(`${twice}\n${twice}`, 5, 1, "expected end of input after '}', got 'graph'");
    // a trailing comment is not garbage
    expect(() => parseGraph(`${twice} # done`)).not.toThrow();
  });

  it("bad character", () => {
    expectParseError(wrap(`  %1 = tanh %0 : f32[2] ${LOC};`), 2, 40, 'unexpected character ";"');
    expectParseError(wrap(`  %1 = tanh $0 : f32[2] ${LOC}`), 2, 13, 'unexpected character "$"');
    expectParseError(wrap(`  %x = tanh %0 : f32[2] ${LOC}`), 2, 3, 'unexpected character "%"');
    expectParseError("graph @", 1, 7, "expected a graph name after '@'");
  });

  it("bad number in a shape", () => {
    const dim = "expected a dimension (non-negative integer)";
    expectParseError(wrap(`  %1 = tanh %0 : f32[2.5] ${LOC}`), 2, 22, `${dim}, got '2.5'`);
    expectParseError(wrap(`  %1 = tanh %0 : f32[-1] ${LOC}`), 2, 22, `${dim}, got '-1'`);
    expectParseError(wrap(`  %1 = tanh %0 : f32[inf] ${LOC}`), 2, 22, `${dim}, got 'inf'`);
    expectParseError(wrap(`  %1 = tanh %0 : f32[n] ${LOC}`), 2, 22, `${dim}, got 'n'`);
    expectParseError(wrap(`  %1 = tanh %0 : f32[2 3] ${LOC}`), 2, 24, "expected ',', got '3'");
    expectParseError(wrap(`  %1 = tanh %0 : f32[2,] ${LOC}`), 2, 24, `${dim}, got ']'`);
  });

  it("bad numbers elsewhere", () => {
    expectParseError(wrap('  %1 = tanh %0 : f32[2] loc("a.ts":2.5:5)'), 2, 36, "expected a line number, got '2.5'");
    expectParseError(wrap(`  %1 = reduce_sum %0 {axes = [0, x]} : f32[] ${LOC}`), 2, 34, "expected a number, got 'x'");
    expectParseError(wrap(`  %1 = reduce_sum %0 {axes = [0 1]} : f32[] ${LOC}`), 2, 33, "expected ',', got '1'");
  });

  it("duplicate attribute", () => {
    expectParseError(
      wrap(`  %1 = reduce_sum %0 {axes = [0], axes = [0]} : f32[] ${LOC}`),
      2, 35, "attribute 'axes' given twice",
    );
  });

  it("missing loc", () => {
    const expected = `expected a location like loc("file.ts":3:7)`;
    expectParseError(wrap("  %1 = tanh %0 : f32[2]"), 3, 3, `${expected}, got 'return'`);
    expectParseError('graph @f(%0: f32[2] "x") {\n  return %0\n}', 1, 24, `${expected}, got ')'`);
    expectParseError(wrap("  %1 = tanh %0 : f32[2] loc()"), 2, 29, "expected a quoted file name, got ')'");
    expectParseError(wrap('  %1 = tanh %0 : f32[2] loc(grad %0 "a.ts":2:5)'), 2, 34, "expected 'of', got '%0'");
  });

  it("end of input and empty text", () => {
    expectParseError("", 1, 1, "expected 'graph', got end of input");
    expectParseError("# only a comment\n", 2, 1, "expected 'graph', got end of input");
    expectParseError(wrap(`  %1 = tanh %0 : f32[2] ${LOC}`).slice(0, -2), 3, 12, "expected '}', got end of input");
  });
});

describe("parse, then verify", () => {
  const mismatch = wrap(`  %1 = tanh %0 : f32[3] ${LOC}`);

  it("a declared type that differs from inference is rejected by the verifier", () => {
    const e = thrown(() => parseGraph(mismatch));
    expect(e).toBeInstanceOf(VerifyError);
    expect(e).not.toBeInstanceOf(ParseError);
    expect(e.message).toBe(`node %1 (tanh): declared type f32[3] but the op infers f32[2]\n> %1 = tanh %0 : f32[3] ${LOC}`);
  });

  it("a dtype mismatch and a bad attribute are rejected too", () => {
    expect(thrown(() => parseGraph(wrap(`  %1 = tanh %0 : i32[2] ${LOC}`))).message).toMatch(
      /^node %1 \(tanh\): declared type i32\[2\] but the op infers f32\[2\]/,
    );
    expect(thrown(() => parseGraph(wrap(`  %1 = reduce_sum %0 {axes = [0.5], keepdims = false} : f32[] ${LOC}`))).message).toMatch(
      /^node %1 \(reduce_sum\): attribute 'axes': expected a list of integers, got \[0\.5\]/,
    );
  });

  it("verify: false skips the verifier but still checks syntax", () => {
    const g = parseGraph(mismatch, { verify: false });
    expect(g.nodes[0].type).toEqual({ dtype: "f32", shape: [3] });
    expect(() => parseGraph(wrap(`  %1 = tanh %0 : f64[3] ${LOC}`), { verify: false })).toThrow(ParseError);
  });
});
