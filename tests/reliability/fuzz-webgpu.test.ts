// The pipeline fuzzer's CI sample on WebGPU (SwiftShader without a GPU): seeded programs through
// 14 pipeline configurations, compared with the reference interpreter (tolerance in
// check-program.ts). One device for the file, destroyed after it.
import { afterAll, describe, expect, it } from "vitest";
import { shareWebGpuDevice } from "./backends";
import { checkProgram } from "./check-program";
import { coveringConfigs } from "./configs";
import { randomProgram } from "./programs";

const SEEDS = 12;
const gpu = await shareWebGpuDevice();
afterAll(() => {
  if (!(gpu instanceof Error)) gpu.dispose();
});

describe("pipeline fuzz sample on webgpu", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, async () => {
      if (gpu instanceof Error) throw gpu;
      const p = randomProgram(seed);
      const r = await checkProgram(p, ["webgpu"], coveringConfigs(seed));
      const report = r.findings.map((f) => `${f.kind} on ${f.backend ?? "-"} ${JSON.stringify(f.config ?? {})}: ${f.message}`).join("\n");
      expect(r.findings, `seed ${seed} (${p.features.join(",")}):\n${report}`).toEqual([]);
    });
  }
});
