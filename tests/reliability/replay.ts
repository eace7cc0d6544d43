/**
 * Regression fixtures: a failing graph as IR text, with a header saying how to replay it.
 *
 *   // FOUND: pipeline fuzzer, seed 123 (grad,regions): output 0: element 3: got ..., interpreter gives ...
 *   // REPLAY: backend=cpu fuse=true checkpoint=sqrt schedule=lazy
 *   // CHECK: pipeline        (or: gradcheck, for a wrong derivative rule)
 *   // INPUTS: seed 7
 *   // STATUS: open           (open: the bug is not fixed yet, the replay test expects failure)
 *   // DEVICE: gpu ...        (optional: it reproduces on a hardware GPU only, not on SwiftShader)
 *   graph @f(...) { ... }
 *
 * Replaying compiles the parsed graph with the real `compile` (the graph inlined into a traced
 * function) under the recorded configuration and compares with `interpret` on the graph.
 */
import { interpret } from "@adjoint/backend-cpu";
import { inlineGraph, parseGraph, printGraph, type Graph, type HostTensor } from "@adjoint/ir";
import { gradcheck, type Tensor, type TensorFn } from "adjoint";
import { randomInputs } from "../fuse/helpers";
import { runConfig, type Finding } from "./check-program";
import { POLICIES, SCHEDULES, type PipelineConfig } from "./configs";

/** One regression fixture. */
export interface Fixture {
  readonly found: string;
  readonly backend: string;
  readonly config: PipelineConfig;
  readonly check: "pipeline" | "gradcheck";
  readonly inputsSeed: number;
  readonly status: "open" | "fixed";
  /** "gpu": reproduces on a hardware GPU only (the DEVICE line). */
  readonly device?: "gpu";
  readonly deviceNote?: string;
  readonly graph: Graph;
}

const header = (text: string, key: string): string | undefined => new RegExp(`^//\\s*${key}:\\s*(.*)$`, "m").exec(text)?.[1].trim();

/** Parses a fixture file; throws naming the missing header line. */
export function parseFixture(text: string, file: string): Fixture {
  const need = (key: string) => header(text, key) ?? (() => { throw new Error(`${file}: no '// ${key}:' line`); })();
  const replay = Object.fromEntries(need("REPLAY").split(/\s+/).map((kv) => kv.split("=") as [string, string]));
  const checkpoint = replay.checkpoint as PipelineConfig["checkpoint"], schedule = replay.schedule as PipelineConfig["schedule"];
  if (!POLICIES.includes(checkpoint) || !SCHEDULES.includes(schedule)) throw new Error(`${file}: bad REPLAY line`);
  const check = need("CHECK");
  if (check !== "pipeline" && check !== "gradcheck") throw new Error(`${file}: CHECK must be pipeline or gradcheck`);
  const status = need("STATUS");
  if (status !== "open" && status !== "fixed") throw new Error(`${file}: STATUS must be open or fixed`);
  return {
    found: need("FOUND"),
    backend: replay.backend,
    config: { fuse: replay.fuse === "true", checkpoint, schedule },
    check,
    inputsSeed: Number(/seed (\d+)/.exec(need("INPUTS"))?.[1] ?? NaN),
    status,
    ...(header(text, "DEVICE")?.startsWith("gpu") ? { device: "gpu" as const, deviceNote: header(text, "DEVICE") } : {}),
    graph: parseGraph(text),
  };
}

/** The text of a fixture (header lines, then the graph). */
export function formatFixture(f: Fixture): string {
  const c = f.config;
  return [
    `// FOUND: ${f.found.replace(/\n/g, " ")}`,
    `// REPLAY: backend=${f.backend} fuse=${c.fuse} checkpoint=${c.checkpoint} schedule=${c.schedule}`,
    `// CHECK: ${f.check}`,
    `// INPUTS: seed ${f.inputsSeed}`,
    `// STATUS: ${f.status}`,
    ...(f.deviceNote ? [`// DEVICE: ${f.deviceNote}`] : []),
    printGraph(f.graph),
  ].join("\n");
}

/** A traced function that records exactly `g` (its nodes, tags and locations). */
export const functionOf = (g: Graph): TensorFn => (...xs: Tensor[]) => inlineGraph(g, xs);

/** Deterministic inputs of a fixture graph. */
export const fixtureInputs = (g: Graph, seed: number): HostTensor[] => randomInputs(g, seed);

/** Replays `g` through the pipeline: a finding, or undefined when it matches the interpreter. */
export async function replayPipeline(g: Graph, inputsSeed: number, backend: string, config: PipelineConfig): Promise<Finding | undefined> {
  const inputs = fixtureInputs(g, inputsSeed);
  let expected: HostTensor[];
  try {
    expected = interpret(g, inputs);
  } catch (e) {
    return { kind: "trace", message: (e as Error).message };
  }
  const r = await runConfig(functionOf(g), g.inputs.map((i) => i.type), inputs, expected, () => interpret(g, inputs, { precision: "f64" }), backend, config);
  return r === "ill-conditioned" ? undefined : r;
}

/** Replays a scalar loss graph's gradient against finite differences. */
export function replayGradcheck(g: Graph, inputsSeed: number): Finding | undefined {
  const loss: TensorFn = (...xs: Tensor[]) => inlineGraph(g, xs)[0];
  const r = gradcheck(loss, fixtureInputs(g, inputsSeed));
  return r.ok ? undefined : { kind: "gradcheck", message: r.message };
}

/** Replays a fixture as recorded. */
export function replayFixture(f: Fixture, backend = f.backend): Promise<Finding | undefined> {
  return f.check === "gradcheck" ? Promise.resolve(replayGradcheck(f.graph, f.inputsSeed)) : replayPipeline(f.graph, f.inputsSeed, backend, f.config);
}
