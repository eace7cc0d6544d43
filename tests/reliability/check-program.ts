/**
 * Runs one program through the pipeline under each configuration on each backend and compares
 * every output with the reference interpreter on the traced (unoptimised) graph; smooth
 * programs' derivatives are also compared with finite differences in f64. Usable outside
 * vitest (bench/fuzz-pipeline.ts): it returns findings instead of asserting.
 */
import { interpret } from "@adjoint/backend-cpu";
import { trace, type Graph, type HostTensor, type Spec } from "@adjoint/ir";
import { AdjointError, compile, getBackend, gradcheck, type TensorFn } from "adjoint";
import { mismatch } from "../cpu/compare";
import { compileOptions, describeConfig, type PipelineConfig } from "./configs";
import { flattenTree } from "./flatten";
import { jvpcheck } from "./jvpcheck";
import type { RandomProgram } from "./programs";

/** Relative tolerance (to the output's largest magnitude, or 1) of a backend result. */
export const RTOL = 1e-4;
/**
 * WebGPU's: WGSL allows sin/cos an absolute error of 2^-11 (SwiftShader measures 1.9e-4 on
 * [-4, 4]) and exp/log a few ulp, which a chain of ops can amplify.
 */
export const WEBGPU_RTOL = 1e-3;
const rtolFor = (backend: string) => (backend === "webgpu" ? WEBGPU_RTOL : RTOL);

/** Something that went wrong: a crash, a wrong value, or a derivative finite differences refute. */
export interface Finding {
  readonly kind: "trace" | "crash" | "mismatch" | "budget" | "gradcheck" | "jvpcheck";
  readonly backend?: string;
  readonly config?: PipelineConfig;
  readonly message: string;
}

/** What `checkProgram` did. */
export interface ProgramResult {
  readonly findings: Finding[];
  readonly compiles: number;
  /** Mismatches the f32 interpreter shares with f64 (ill-conditioned outputs, not bugs). */
  readonly illConditioned: number;
  readonly nodes: number;
}

const fusionOf = new Map<string, Promise<boolean>>();
/** Whether the backend fuses (without fusion, `fuse: false` compiles the same thing). */
export function backendFuses(name: string): Promise<boolean> {
  if (!fusionOf.has(name)) fusionOf.set(name, getBackend(name).then((b) => b.capabilities.fusion));
  return fusionOf.get(name)!;
}

const BUDGET_HINT = /the smallest budget that can be met is (\d+) bytes/;

/** Compiles under `config`; a refused 0-byte budget is retried with the budget the error names. */
async function compileFor(fn: TensorFn, specs: readonly Spec[], backend: string, config: PipelineConfig) {
  const opts = { ...compileOptions(config), backend };
  try {
    return await compile(fn, specs, opts);
  } catch (e) {
    const hint = config.checkpoint === "tight-budget" && e instanceof AdjointError ? BUDGET_HINT.exec(e.message) : null;
    if (!hint) throw e;
    try {
      return await compile(fn, specs, { ...opts, checkpoint: { budgetBytes: Number(hint[1]) } });
    } catch (again) {
      throw new BudgetError(`the budget error named ${hint[1]} bytes as the smallest that can be met, but compiling with it failed: ${(again as Error).message}`);
    }
  }
}

class BudgetError extends Error {}

/**
 * One configuration on one backend: undefined when it matches `expected`; a mismatch the f32
 * interpreter shares with f64 (`reference64`) is "ill-conditioned", not a finding.
 */
export async function runConfig(
  fn: TensorFn, specs: readonly Spec[], inputs: readonly HostTensor[], expected: readonly HostTensor[],
  reference64: () => readonly HostTensor[], backend: string, config: PipelineConfig,
): Promise<Finding | "ill-conditioned" | undefined> {
  const where = { backend, config };
  let got: HostTensor[];
  try {
    const exe = await compileFor(fn, specs, backend, config);
    try {
      got = flattenTree(await exe.run(...inputs));
    } finally {
      exe.dispose();
    }
  } catch (e) {
    const err = e as Error;
    return { kind: e instanceof BudgetError ? "budget" : "crash", ...where, message: `${err.name}: ${err.message.split("\n")[0]}` };
  }
  if (got.length !== expected.length) return { kind: "mismatch", ...where, message: `${got.length} outputs, interpreter gives ${expected.length}` };
  for (let k = 0; k < expected.length; k++) {
    const rtol = rtolFor(backend);
    const bad = mismatch(got[k], expected[k], rtol);
    if (!bad) continue;
    // the f32 oracle itself is off from f64 by more than the tolerance: rounding decides
    if (expected[k].dtype === "f32" && mismatch(expected[k], reference64()[k], rtol)) return "ill-conditioned";
    return { kind: "mismatch", ...where, message: `output ${k}: ${bad}` };
  }
  return undefined;
}

/** Every (backend, configuration) pair worth compiling: `fuse: false` once per non-fusing backend. */
export async function configsFor(backends: readonly string[], configs: readonly PipelineConfig[]): Promise<[string, PipelineConfig][]> {
  const out: [string, PipelineConfig][] = [];
  for (const backend of backends) {
    const fuses = await backendFuses(backend);
    const seen = new Set<string>();
    for (const c of configs) {
      const key = describeConfig({ ...c, fuse: c.fuse && fuses });
      if (!seen.has(key)) (seen.add(key), out.push([backend, c]));
    }
  }
  return out;
}

/** Checks a function everywhere against the interpreter on its traced graph; no derivative checks. */
export async function checkFunction(
  fn: TensorFn, specs: readonly Spec[], inputs: readonly HostTensor[], backends: readonly string[], configs: readonly PipelineConfig[],
): Promise<ProgramResult> {
  const findings: Finding[] = [];
  let g: Graph;
  let expected: HostTensor[];
  try {
    g = trace(fn, specs);
    expected = interpret(g, inputs);
  } catch (e) {
    return { findings: [{ kind: "trace", message: `${(e as Error).name}: ${(e as Error).message.split("\n")[0]}` }], compiles: 0, illConditioned: 0, nodes: 0 };
  }
  let f64: HostTensor[] | undefined;
  const reference64 = () => (f64 ??= interpret(g, inputs, { precision: "f64" }));
  let compiles = 0, illConditioned = 0;
  for (const [backend, config] of await configsFor(backends, configs)) {
    compiles++;
    const r = await runConfig(fn, specs, inputs, expected, reference64, backend, config);
    if (r === "ill-conditioned") illConditioned++;
    else if (r) findings.push(r);
  }
  return { findings, compiles, illConditioned, nodes: g.nodes.length };
}

/** `checkFunction` on a random program, plus gradcheck / jvpcheck on smooth ones. */
export async function checkProgram(p: RandomProgram, backends: readonly string[], configs: readonly PipelineConfig[]): Promise<ProgramResult> {
  const result = await checkFunction(p.fn, p.specs, p.inputs, backends, configs);
  if (result.findings.some((f) => f.kind === "trace")) return result;
  const f32Args = p.inputs.flatMap((x, i) => (x.dtype === "f32" ? [i] : []));
  if (p.loss) {
    const gc = gradcheck(p.loss, p.inputs, { argnums: f32Args });
    if (!gc.ok) result.findings.push({ kind: "gradcheck", message: gc.message });
  }
  if (p.primal) {
    const jc = jvpcheck(p.fn, p.primal.f, p.inputs, p.primal.tangentsFrom);
    if (jc) result.findings.push({ kind: "jvpcheck", message: jc });
  }
  return result;
}
