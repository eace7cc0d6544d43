/**
 * A fuzzing campaign: random programs through every configuration on every backend; each
 * finding shrunk (smaller dimensions, then fewer nodes) and turned into a regression fixture.
 * Shared by the CI sample (fuzz.test.ts) and bench/fuzz-pipeline.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { trace, type Graph } from "@adjoint/ir";
import { checkProgram, type Finding } from "./check-program";
import { allConfigs, coveringConfigs, type PipelineConfig } from "./configs";
import { randomProgram, type RandomProgram } from "./programs";
import { formatFixture, replayGradcheck, replayPipeline, type Fixture } from "./replay";
import { shrinkGraph } from "./shrink";

/** Campaign settings. */
export interface CampaignOptions {
  readonly backends: readonly string[];
  /** "cover": 14 configurations per program (each option value at least once); "full": all 50. */
  readonly configs: "cover" | "full";
  /** Shrink findings and write fixtures into this folder. */
  readonly fixtureDir?: string;
  /** Write at most this many fixtures (shrinking takes time). Default: no limit. */
  readonly maxFixtures?: number;
  readonly log?: (line: string) => void;
}

/** What a campaign ran and found. */
export interface CampaignSummary {
  programs: number;
  compiles: number;
  nodes: number;
  illConditioned: number;
  gradchecks: number;
  byKind: Record<string, number>;
  byFeature: Record<string, number>;
  findings: { seed: number; finding: Finding; fixture?: string }[];
}

/** Same failure: same kind, and for crashes the same error text once numbers are blotted out. */
export function sameFailure(a: Finding, b: Finding | undefined): boolean {
  if (!b || a.kind !== b.kind) return false;
  const gist = (m: string) => m.replace(/-?\d+(\.\d+)?(e-?\d+)?/g, "#").slice(0, 60);
  return a.kind === "mismatch" || gist(a.message) === gist(b.message);
}

/** The program for `seed` at the smallest maxDim that still fails the same way. */
async function smallestSize(seed: number, finding: Finding, backends: readonly string[]): Promise<RandomProgram> {
  for (const maxDim of [1, 2, 3]) {
    const p = randomProgram(seed, { maxDim });
    const configs = finding.config ? [finding.config] : [];
    const r = await checkProgram(p, finding.backend ? [finding.backend] : backends.slice(0, 1), configs);
    if (r.findings.some((f) => sameFailure(finding, f))) return p;
  }
  return randomProgram(seed);
}

/** Shrinks a finding to a fixture; undefined for findings a graph cannot replay (trace errors). */
export async function shrinkFinding(seed: number, finding: Finding, backends: readonly string[]): Promise<Fixture | undefined> {
  if (finding.kind === "trace" || finding.kind === "jvpcheck") return undefined;
  const p = await smallestSize(seed, finding, backends);
  const found = `pipeline fuzzer, seed ${seed} (${p.features.join(",")}): ${finding.kind}: ${finding.message}`;
  if (finding.kind === "gradcheck") {
    const g = trace(p.loss!, p.specs);
    const small = await shrinkGraph(g, async (c) => c.outputs.length === 1 && sameFailure(finding, replayGradcheck(c, seed)));
    return { found, backend: "interpret", config: { fuse: false, checkpoint: "none", schedule: "best" }, check: "gradcheck", inputsSeed: seed, status: "open", graph: small };
  }
  const config = finding.config!, backend = finding.backend!;
  const g: Graph = trace(p.fn, p.specs);
  // replay uses inputs derived from the graph, so first confirm the traced graph fails on them
  const stillFails = async (c: Graph) => sameFailure(finding, await replayPipeline(c, seed, backend, config));
  if (!(await stillFails(g))) return undefined;
  const small = await shrinkGraph(g, stillFails);
  return { found, backend, config, check: "pipeline", inputsSeed: seed, status: "open", graph: small };
}

/** Runs `seeds` and returns the summary; fixtures are written when `fixtureDir` is set. */
export async function runCampaign(seeds: Iterable<number>, opts: CampaignOptions): Promise<CampaignSummary> {
  const s: CampaignSummary = { programs: 0, compiles: 0, nodes: 0, illConditioned: 0, gradchecks: 0, byKind: {}, byFeature: {}, findings: [] };
  const full = allConfigs();
  const shrunk = new Set<string>();
  for (const seed of seeds) {
    const p = randomProgram(seed);
    const configs: PipelineConfig[] = opts.configs === "full" ? full : coveringConfigs(seed);
    const r = await checkProgram(p, opts.backends, configs);
    s.programs++;
    s.compiles += r.compiles;
    s.nodes += r.nodes;
    s.illConditioned += r.illConditioned;
    if (p.loss || p.primal) s.gradchecks++;
    s.byKind[p.kind] = (s.byKind[p.kind] ?? 0) + 1;
    for (const f of p.features) s.byFeature[f] = (s.byFeature[f] ?? 0) + 1;
    for (const finding of r.findings) {
      opts.log?.(`seed ${seed} (${p.features.join(",")}): ${finding.kind} on ${finding.backend ?? "-"} [${finding.config ? JSON.stringify(finding.config) : "-"}]: ${finding.message}`);
      const entry: CampaignSummary["findings"][number] = { seed, finding };
      s.findings.push(entry);
      // one fixture per program and failure kind is enough
      const key = `${seed}:${finding.kind}`;
      if (!opts.fixtureDir || shrunk.has(key) || shrunk.size >= (opts.maxFixtures ?? Infinity)) continue;
      shrunk.add(key);
      const fixture = await shrinkFinding(seed, finding, opts.backends);
      if (!fixture) continue;
      mkdirSync(opts.fixtureDir, { recursive: true });
      const file = path.join(opts.fixtureDir, `fuzz-${seed}-${finding.kind}.ir`);
      writeFileSync(file, formatFixture(fixture));
      entry.fixture = file;
      opts.log?.(`  shrunk to ${fixture.graph.nodes.length} nodes: ${file}`);
    }
  }
  return s;
}
