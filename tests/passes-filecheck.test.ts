import { describe, expect, it } from "vitest";
import { fileCheck, parseChecks } from "./filecheck";

const output = ["graph @f() {", "  %1 = add %0, %0", "  %2 = mul %1, %1", "  return %2", "}"].join("\n");

describe("fileCheck", () => {
  it("matches CHECK lines in order and CHECK-NEXT on the following line", () => {
    fileCheck(output, "// CHECK: add\n// CHECK-NEXT: mul\n# CHECK: return %2");
  });

  it("fails out of order, naming the directive and showing the output", () => {
    expect(() => fileCheck(output, "// CHECK: mul\n// CHECK: add", "t.ir")).toThrow(/t\.ir:2: CHECK: add\n.*not found[\s\S]*2 \|   %1 = add/);
  });

  it("fails a CHECK-NEXT that is further down", () => {
    expect(() => fileCheck(output, "// CHECK: graph\n// CHECK-NEXT: mul")).toThrow(/CHECK-NEXT: mul/);
  });

  it("checks CHECK-NOT between matches and up to the end", () => {
    fileCheck(output, "// CHECK: add\n// CHECK-NOT: sub\n// CHECK: return");
    expect(() => fileCheck(output, "// CHECK: graph\n// CHECK-NOT: mul\n// CHECK: return")).toThrow(/found on output line 3/);
    expect(() => fileCheck(output, "// CHECK: add\n// CHECK-NOT: return")).toThrow(/CHECK-NOT: return/);
    fileCheck(output, "// CHECK: return\n// CHECK-NOT: mul");
  });

  it("rejects a check file with no CHECK lines", () => {
    expect(() => fileCheck(output, "// nothing")).toThrow(/no CHECK lines/);
    expect(parseChecks("// CHECK-NOT: x\n// CHECK-NEXT: y")).toEqual([
      { kind: "CHECK-NOT", pattern: "x", line: 1 },
      { kind: "CHECK-NEXT", pattern: "y", line: 2 },
    ]);
  });
});
