/**
 * The pipeline fuzzer at scale (tests/reliability): N seeded random programs — every op,
 * broadcasting, movement, matmul, reductions, grad / jvp / vjp / grad of grad / jvp of grad,
 * checkpoint(f) regions, in-place writes — each compiled under every pipeline configuration
 * on every backend and compared with the reference interpreter; smooth programs' derivatives
 * are checked against finite differences. Findings are shrunk into tests/fixtures/regressions.
 *
 *   npx tsx bench/fuzz-pipeline.ts [count=10000] [firstSeed=1] [--full] [--webgpu] [--no-save] [--backends=interpret,cpu]
 *                                  [--fixtures=DIR] [--max-fixtures=N] [--seconds=S]
 *
 * --full compiles all 50 configurations per program instead of the covering 14; --fixtures
 * writes shrunk findings somewhere else than tests/fixtures/regressions; --seconds stops
 * starting programs after S seconds (a device run with a fixed budget).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getBackend } from "adjoint";
import { fuzzBackends } from "../tests/reliability/backends";
import { runCampaign } from "../tests/reliability/campaign";

const args = process.argv.slice(2);
const positional = args.filter((a) => !a.startsWith("--"));
const flag = (name: string) => args.includes(`--${name}`);
const count = Number(positional[0] ?? 10_000);
const first = Number(positional[1] ?? 1);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = value("backends")?.split(",");
const seconds = Number(value("seconds") ?? Infinity);

const available = await fuzzBackends({ webgpu: flag("webgpu") });
const backends = only ? only.filter((b) => available.includes(b)) : available;
const fixtureDir = flag("no-save") ? undefined : (value("fixtures") ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "../tests/fixtures/regressions"));
const gpu = backends.includes("webgpu") ? ((await getBackend("webgpu")) as { adapterInfo?: string }).adapterInfo : undefined;
console.log(`backends: ${backends.join(", ")}${gpu ? ` (webgpu adapter: ${gpu})` : ""}; programs ${first}..${first + count - 1}; ${flag("full") ? "all 50" : "14 covering"} configurations each`);

const t0 = performance.now();
const seeds = function* () {
  for (let seed = first; seed < first + count; seed++) {
    if (performance.now() - t0 > seconds * 1000) return;
    if ((seed - first) % 500 === 0 && seed !== first) console.log(`  ... ${seed - first} programs, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    yield seed;
  }
};
const maxFixtures = Number(value("max-fixtures") ?? Infinity);
const s = await runCampaign(seeds(), { backends, configs: flag("full") ? "full" : "cover", fixtureDir, maxFixtures, log: console.log });
const secs = (performance.now() - t0) / 1000;
const kinds = Object.entries(s.byKind).map(([k, n]) => `${k} ${n}`).join(", ");
const features = Object.entries(s.byFeature).filter(([k]) => !(k in s.byKind)).map(([k, n]) => `${k} ${n}`).join(", ");
const byFinding = s.findings.reduce<Record<string, number>>((acc, f) => ((acc[`${f.finding.kind}@${f.finding.backend ?? "-"}`] = (acc[`${f.finding.kind}@${f.finding.backend ?? "-"}`] ?? 0) + 1), acc), {});
console.log(`${s.programs} programs (${s.nodes} traced nodes), ${s.compiles} compile+run checks on ${backends.join(", ")}, ${s.gradchecks} finite-difference checks, ${secs.toFixed(0)} s`);
console.log(`  kinds: ${kinds}`);
console.log(`  features: ${features}`);
console.log(`  ill-conditioned (f32 oracle off from f64; skipped): ${s.illConditioned}`);
console.log(`  findings: ${s.findings.length} ${JSON.stringify(byFinding)} in ${new Set(s.findings.map((f) => f.seed)).size} programs`);
for (const f of s.findings.filter((x) => x.fixture)) console.log(`  fixture: ${f.fixture}`);
process.exitCode = s.findings.length ? 1 : 0;
