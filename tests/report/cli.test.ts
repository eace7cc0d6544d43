// The `adjoint` command, spawned as a user runs it (node + the bin script, which registers tsx)
// on a fixture module: help, report, dump, memory, and the errors of bad modules and options.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = path.join(ROOT, "packages/adjoint/src/cli/adjoint.mjs");
const MODEL = "tests/report/fixtures/mlp.ts";
const dir = mkdtempSync(path.join(tmpdir(), "adjoint-cli-"));

/** Runs the CLI from the repository root; resolves to its exit status and output. */
function adjoint(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("adjoint CLI", () => {
  it("--help documents every command and option", async () => {
    const { code, stdout } = await adjoint("--help");
    expect(code).toBe(0);
    for (const command of ["adjoint report <module>", "adjoint dump <module> --out <dir>", "adjoint memory <module>", "adjoint help [command]"]) expect(stdout).toContain(command);
    for (const flag of ["--out", "--export", "--train", "--checkpoint", "--no-fuse", "--max-nodes", "--passes", "--backend", "--params", "--budget"]) expect(stdout).toContain(flag);
    expect(stdout).toContain("export function fn(");
  }, 60_000);

  it("report writes a self-contained HTML report of the training step", async () => {
    const out = path.join(dir, "mlp.html");
    const { code, stdout, stderr } = await adjoint("report", MODEL, "--train", "--checkpoint", "sqrt", "--out", out);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`wrote ${out}`);
    const html = readFileSync(out, "utf8");
    expect(html).toContain("<title>Adjoint report: mlp.ts</title>");
    for (const policy of ["none", "sqrt", "all"]) expect(html).toContain(`<path class="series" data-policy="${policy}"`);
    expect(html).toContain(`class="node grad"`);
  }, 60_000);

  it("dump writes the per-pass IR, filtered by --passes", async () => {
    const out = path.join(dir, "dump");
    const { code, stdout } = await adjoint("dump", MODEL, "--train", "--backend", "interpret", "--passes", "^cse$", "--out", out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^wrote dumps of mlp\.ts to .* \(\d+ kernels, peak [\d.]+ \S+\)\n$/);
    const files = readdirSync(out);
    expect(files.filter((f) => f.endsWith(".ir")).sort()).toEqual(["00-input.ir", "03-cse.ir", "kernels.ir"]);
    expect(files).toEqual(expect.arrayContaining(["summary.txt", "graph.dot", "kernels.dot"]));
    expect(readFileSync(path.join(out, "03-cse.ir"), "utf8")).toMatch(/^# pass: cse\n# summary: .*\n# change: added \d+, removed \d+, rewritten \d+\n/);
  }, 60_000);

  it("memory explains training vs inference for the module's parameters", async () => {
    const { code, stdout } = await adjoint("memory", MODEL);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^training @fn uses \d+\.\d× the memory of inference/);
    expect(stdout).toContain("tanh f32[32,16]  tests/report/fixtures/mlp.ts:9");
  }, 60_000);

  it("--export picks a named { fn, specs } export", async () => {
    const out = path.join(dir, "single.html");
    const { code } = await adjoint("report", MODEL, "--export", "single", "--out", out);
    expect(code).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("<title>Adjoint report: mlp.ts#single</title>");
  }, 60_000);

  it("explains bad modules (status 1) and bad usage (status 2)", async () => {
    const noFn = await adjoint("report", "tests/report/fixtures/no-fn.ts", "--out", path.join(dir, "x.html"));
    expect(noFn.code).toBe(1);
    expect(noFn.stderr.trim()).toBe("adjoint: AdjointError: no-fn.ts must export 'fn' and 'specs' or a default { fn, specs } (its exports: notAFunction); or name one with --export");
    expect(existsSync(path.join(dir, "x.html"))).toBe(false);
    const missing = await adjoint("report", MODEL, "--export", "nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("mlp.ts has no export 'nope' (its exports: fn, params, single, specs)");
    const bad = await adjoint("report", MODEL, "--checkpoint", "most");
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("adjoint: --checkpoint must be none, sqrt, all or a number of bytes, got 'most'");
    const unknown = await adjoint("frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("adjoint: unknown command 'frobnicate'; commands: report, dump, memory, help");
  }, 60_000);
});
