import { AdjointError } from "@adjoint/ir";
import type { Backend, BackendFactory } from "@adjoint/passes";
import { cpuBackend, interpret } from "@adjoint/backend-cpu";
import { createWebGpuBackend } from "@adjoint/backend-webgpu";
import { interpretCheckingNumerics } from "./diagnostics/numerics";

/** The reference interpreter as a backend: it ignores kernels and runs the graph node by node. */
const interpretBackend = (): Backend => ({
  name: "interpret",
  capabilities: { fusion: false, maxBuffersPerKernel: Infinity, maxBindingBytes: Infinity, alignment: 16, dtypes: ["f32", "i32", "bool"] },
  lower: (plan, opts) => ({
    kernels: plan.graph.nodes.length,
    run: async (inputs) => (opts.checkNumerics ? interpretCheckingNumerics(plan.graph, inputs) : interpret(plan.graph, inputs)),
    dispose: () => {},
  }),
});

// Built-ins are listed here, registered the same way a plugin registers, not as an import side effect.
const registry = new Map<string, BackendFactory>([
  ["interpret", interpretBackend],
  ["cpu", () => cpuBackend()],
  ["webgpu", () => createWebGpuBackend()],
]);

/** Adds (or replaces) a backend under `name`; in-tree backends register exactly like plugins. */
export function registerBackend(name: string, factory: BackendFactory): void {
  registry.set(name, factory);
}

/** The backend registered under `name`, or an error listing the registered ones. */
export async function getBackend(name: string): Promise<Backend> {
  const factory = registry.get(name);
  if (!factory) {
    throw new AdjointError(`unknown backend '${name}'; registered backends: ${[...registry.keys()].join(", ")}`);
  }
  return factory();
}

/** Names of the registered backends. */
export const backendNames = (): string[] => [...registry.keys()];

export type { Backend, BackendFactory };
