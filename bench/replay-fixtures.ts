/**
 * Replays every regression fixture (tests/fixtures/regressions) on one backend and prints one
 * line per fixture: the check the test suite runs, for a machine where the test suite cannot run
 * (the device run: a GPU-only fixture such as fuzz-297 only reproduces on a hardware GPU).
 *
 *   npx tsx bench/replay-fixtures.ts [--backend=webgpu] [--dir=tests/fixtures/regressions]
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getBackend } from "adjoint";
import { shareWebGpuDevice } from "../tests/reliability/backends";
import { describeConfig } from "../tests/reliability/configs";
import { parseFixture, replayFixture } from "../tests/reliability/replay";

const args = process.argv.slice(2);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const backend = value("backend") ?? "webgpu";
const dir = value("dir") ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "../tests/fixtures/regressions");

if (backend === "webgpu") {
  const gpu = await shareWebGpuDevice();
  if (gpu instanceof Error) throw gpu;
  console.log(`webgpu adapter: ${gpu.adapterInfo}`);
} else await getBackend(backend);

let failed = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith(".ir")).sort()) {
  const fixture = parseFixture(readFileSync(path.join(dir, file), "utf8"), file);
  const finding = await replayFixture(fixture, backend);
  if (finding) failed++;
  console.log(`${finding ? "FAIL" : "pass"} ${file} on ${backend} (${describeConfig(fixture.config)}; STATUS ${fixture.status})${finding ? `: ${finding.kind}: ${finding.message}` : ""}`);
}
console.log(`${failed} of the fixtures fail on ${backend}`);
process.exit(failed ? 1 : 0);
