// Replays every regression fixture in tests/fixtures/regressions (failing cases the pipeline
// fuzzer found, shrunk and saved as IR text): parsed, compiled with the real `compile` under the
// recorded configuration on the recorded backend, and compared with `interpret` on the graph.
// STATUS: open marks a bug not fixed yet: its replay is `it.fails` until the fix lands, then
// the fixture's STATUS becomes fixed and it must pass forever. Every other registered backend
// must already get the fixture right.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { backendNames } from "adjoint";
import { shareWebGpuDevice } from "./backends";
import { describeConfig } from "./configs";
import { parseFixture, replayFixture } from "./replay";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/regressions");
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".ir")).sort().map((file) => ({ file, fixture: parseFixture(readFileSync(path.join(dir, file), "utf8"), file) }));
const needsGpu = fixtures.some(({ fixture }) => fixture.backend === "webgpu");
// one WebGPU device for the file, made when the tests are collected (so a GPU-only fixture's test
// can be skipped up front) and destroyed after them (DESIGN.md, "Running WebGPU without a GPU")
const gpu = needsGpu ? await shareWebGpuDevice() : undefined;
const onHardwareGpu = () => gpu !== undefined && !(gpu instanceof Error) && !/swiftshader|llvmpipe|lavapipe|warp/i.test(gpu.adapterInfo);

afterAll(() => {
  if (gpu && !(gpu instanceof Error)) gpu.dispose();
});

describe("regression fixtures", () => {
  it("there are fixtures, and each names a registered backend", () => {
    expect(fixtures.length).toBeGreaterThan(0);
    for (const { file, fixture } of fixtures) expect(backendNames(), file).toContain(fixture.backend);
  });

  for (const { file, fixture } of fixtures) {
    const where = `${fixture.backend}, ${describeConfig(fixture.config)}`;
    const replay = async (backend: string) => {
      if (backend === "webgpu" && gpu instanceof Error) throw gpu;
      const finding = await replayFixture(fixture, backend);
      expect(finding, finding && `${file} on ${backend}: ${finding.kind}: ${finding.message}`).toBeUndefined();
    };
    if (fixture.status === "fixed") {
      it(`${file} (${where})`, () => replay(fixture.backend));
    } else if (fixture.device === "gpu" && !onHardwareGpu()) {
      // an open bug seen only on a hardware GPU (DEVICE: gpu) does not reproduce on a software
      // adapter, so there is nothing to replay here; on a hardware GPU it runs as the `it.fails`
      // below. bench/replay-fixtures.ts replays the fixtures on a device run (bench/device-webgpu.sh),
      // which is how fuzz-297 was shown fixed (its fixed replay runs above, on SwiftShader here).
      it.skip(`${file} (${where}) [open bug, hardware GPU only]`, () => {});
    } else {
      // an open bug: the body throws only while the replay fails the way FOUND records, so this
      // `it.fails` turns red once the bug is fixed (then set STATUS: fixed) or changes shape
      it.fails(`${file} (${where}) [open bug]`, async () => {
        if (fixture.backend === "webgpu" && gpu instanceof Error) return;
        const finding = await replayFixture(fixture, fixture.backend);
        const recorded = /\): (\w+): /.exec(fixture.found)?.[1];
        if (finding && finding.kind === recorded) throw new Error(`still fails as recorded: ${finding.message}`);
      });
    }
    if (fixture.check === "pipeline") {
      it(`${file} on the other backends`, async () => {
        for (const backend of backendNames().filter((b) => b !== fixture.backend && (b !== "webgpu" || needsGpu))) await replay(backend);
      });
    }
  }
});
