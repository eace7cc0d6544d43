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

// One WebGPU backend (one device) per process, shared by every compile: a device per compile
// was never destroyed when its executables were disposed.
let webgpu: Promise<Backend> | undefined;
function sharedWebGpu(): Promise<Backend> {
  webgpu ??= createWebGpuBackend().then(
    (backend) => {
      // a lost device (driver reset, destroy()) is replaced on the next compile
      void backend.device.lost.then(() => (webgpu = undefined));
      return backend;
    },
    (e: unknown) => {
      webgpu = undefined; // no adapter now: let a later compile try again
      throw e;
    },
  );
  return webgpu;
}

// Built-ins are listed here, registered the same way a plugin registers, not as an import side effect.
const registry = new Map<string, BackendFactory>([
  ["interpret", interpretBackend],
  ["cpu", () => cpuBackend()],
  ["webgpu", sharedWebGpu],
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
