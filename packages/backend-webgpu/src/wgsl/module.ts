/** Assembling a compute shader: prelude, bindings, workgroup memory and the entry point. */
import { AdjointError } from "@adjoint/ir";
import type { WebGpuLimits } from "../limits";
import type { MemoryAccess } from "./memory";
import { preludeFor, type HelperName } from "./prelude";

/** A dispatch grid: workgroup counts, and the x extent the shader folds a 2-D id with. */
export interface Grid {
  readonly workgroups: readonly [number, number, number];
  readonly nx: number;
  readonly total: number;
}

/**
 * Lays `total` workgroups out in at most two dimensions: x up to the per-dimension limit,
 * then y. The shader recovers the linear id as `wid.x + wid.y * nx`.
 */
export function gridFor(total: number, limits: WebGpuLimits, what: string): Grid {
  const max = limits.maxComputeWorkgroupsPerDimension;
  if (total <= max) return { workgroups: [total, 1, 1], nx: total, total };
  const ny = Math.ceil(total / max);
  if (ny > max) throw new AdjointError(`WebGPU: ${what} needs ${total} workgroups, more than ${max}² (maxComputeWorkgroupsPerDimension squared)`);
  return { workgroups: [max, ny, 1], nx: max, total };
}

/** WGSL statements that define `wg` (the linear workgroup id) and leave excess workgroups. */
export function workgroupIndex(grid: Grid): string {
  if (grid.workgroups[1] === 1) return `  let wg = wid.x;`;
  return `  let wg = wid.x + wid.y * ${grid.nx}u;\n  if (wg >= ${grid.total}u) { return; }`;
}

/** The parts of a shader a kernel routine produces. */
export interface ShaderParts {
  readonly title: string;
  readonly memory: MemoryAccess;
  readonly helpers: ReadonlySet<HelperName>;
  /** Module-scope `var<workgroup>` declarations. */
  readonly shared?: string;
  readonly workgroupSize: number;
  readonly grid: Grid;
  /** The body of `main` after `wg` is defined; `lid` is the local invocation index. */
  readonly body: string;
}

/** What a kernel routine produces: one shader's parts, and optionally a second dispatch after it. */
export type KernelShader = Omit<ShaderParts, "title" | "memory" | "helpers"> & {
  readonly next?: Omit<ShaderParts, "title" | "memory" | "helpers">;
};

/** The complete WGSL module of one kernel. */
export function assembleShader(p: ShaderParts): string {
  return [
    `// ${p.title}`,
    preludeFor(p.helpers),
    p.memory.declarations(),
    p.shared ?? "",
    `@compute @workgroup_size(${p.workgroupSize})`,
    `fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {`,
    workgroupIndex(p.grid),
    p.body,
    `}`,
    "",
  ]
    .filter((s) => s !== "")
    .join("\n");
}
