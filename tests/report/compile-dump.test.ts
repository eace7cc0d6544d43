// compile(..., { dump }) writes report.html next to the per-pass dumps (compile.ts calls
// writeHtmlReport when dumping), for the policy it compiled with.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { t, type Tensor } from "@adjoint/ir";
import { compile, spec, valueAndGrad } from "adjoint";

const loss = (w: Tensor, x: Tensor) => t.mean(t.tanh(t.matmul(x, w)));

describe("compile with dump", () => {
  it("writes report.html for the compiled function and policy", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "adjoint-dump-report-"));
    const exe = await compile(valueAndGrad(loss), [spec([8, 8], "f32", "w"), spec([4, 8], "f32", "x")], { backend: "interpret", checkpoint: "sqrt", dump: dir });
    const html = readFileSync(path.join(dir, "report.html"), "utf8");
    expect(html).toContain("checkpoint policy sqrt");
    for (const policy of ["none", "sqrt", "all"]) expect(html).toContain(`<path class="series" data-policy="${policy}"`);
    // the interpret backend does not fuse: one cluster per kernel it runs
    expect(html.match(/<g class="cluster"/g)).toHaveLength(exe.report.kernels);
    exe.dispose();
  });
});
