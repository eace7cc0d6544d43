/**
 * Pipeline configurations the fuzzer compiles each program under: fusion on/off, every
 * checkpoint policy, every schedule strategy. `"tight-budget"` asks for a budget of 0 bytes,
 * which must either be met or refused with the smallest budget that can be met; that budget
 * is then compiled and must work.
 */
import type { CheckpointPolicy, CompileOptions } from "adjoint";

/** The schedule strategies of `compile`'s `schedule` option. */
export const SCHEDULES = ["naive", "greedy", "lazy", "lazy-all", "best"] as const;
/** The checkpoint policies tried: the four of the DESIGN contract plus Revolve with 2 slots. */
export const POLICIES = ["none", "sqrt", "all", "tight-budget", "revolve-2"] as const;

/** One pipeline configuration. */
export interface PipelineConfig {
  readonly fuse: boolean;
  readonly checkpoint: (typeof POLICIES)[number];
  readonly schedule: (typeof SCHEDULES)[number];
}

/** The compile options of a configuration (budget 0 for "tight-budget"). */
export function compileOptions(c: PipelineConfig): CompileOptions {
  const checkpoint: CheckpointPolicy =
    c.checkpoint === "tight-budget" ? { budgetBytes: 0 } : c.checkpoint === "revolve-2" ? { revolveSlots: 2 } : c.checkpoint;
  return { fuse: c.fuse, checkpoint, schedule: c.schedule, inplace: "copy", verify: true };
}

/** Short text for reports and fixture headers, e.g. `fuse sqrt lazy`. */
export const describeConfig = (c: PipelineConfig): string => `${c.fuse ? "fuse" : "nofuse"} ${c.checkpoint} ${c.schedule}`;

/** Every combination: 2 × 5 × 5 = 50 configurations. */
export function allConfigs(): PipelineConfig[] {
  return [true, false].flatMap((fuse) => POLICIES.flatMap((checkpoint) => SCHEDULES.map((schedule) => ({ fuse, checkpoint, schedule }))));
}

/**
 * A covering set of 14 configurations: every policy with fusion on and off (the schedule
 * rotating with `seed`), plus every schedule with fusion on and no checkpointing. Each
 * value of each option appears; over seeds, every combination does.
 */
export function coveringConfigs(seed: number): PipelineConfig[] {
  const out: PipelineConfig[] = [];
  POLICIES.forEach((checkpoint, i) => {
    for (const fuse of [true, false]) out.push({ fuse, checkpoint, schedule: SCHEDULES[(seed + i + (fuse ? 0 : 2)) % SCHEDULES.length] });
  });
  for (const schedule of SCHEDULES) if (!out.some((c) => c.fuse && c.checkpoint === "none" && c.schedule === schedule)) out.push({ fuse: true, checkpoint: "none", schedule });
  return out;
}
