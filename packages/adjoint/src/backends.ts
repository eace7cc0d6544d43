import { AdjointError, type Graph, type HostTensor } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";

/** A graph lowered by a backend, ready to run. */
export interface LoweredProgram {
  run(inputs: readonly HostTensor[]): Promise<HostTensor[]>;
  /** Dispatches (kernels) per run. */
  readonly kernels: number;
  dispose(): void;
}

/**
 * A backend turns an optimised graph into something that runs. This is the minimal
 * form; the backend issue extends it with capabilities, memory plans and buffers.
 */
export interface Backend {
  readonly name: string;
  lower(graph: Graph): LoweredProgram | Promise<LoweredProgram>;
}

/** The reference interpreter as a backend: one "kernel" per node, f32 throughout. */
const interpretBackend = (): Backend => ({
  name: "interpret",
  lower: (graph) => ({
    kernels: graph.nodes.length,
    run: async (inputs) => interpret(graph, inputs),
    dispose: () => {},
  }),
});

// Built-ins are listed here rather than registered as an import side effect.
const registry = new Map<string, () => Backend>([["interpret", interpretBackend]]);

/** Adds a backend under `name`; in-tree backends register exactly like plugins. */
export function registerBackend(name: string, factory: () => Backend): void {
  registry.set(name, factory);
}

export function getBackend(name: string): Backend {
  const factory = registry.get(name);
  if (!factory) {
    throw new AdjointError(`unknown backend '${name}'; registered backends: ${[...registry.keys()].join(", ")}`);
  }
  return factory();
}

export const backendNames = (): string[] => [...registry.keys()];
