import type { Backend } from "@adjoint/passes";
import { lowerCpu, type CpuOptions } from "./lower";

/**
 * The fast CPU executor as a `Backend` (the contract in @adjoint/passes): fused plans, any
 * number of buffers per kernel, 64-byte arena alignment (a cache line), f32/i32/bool, and
 * in-place slot reuse (generated loops read every load of a point before storing it).
 */
export function cpuBackend(opts: CpuOptions = {}): Backend {
  return {
    name: "cpu",
    capabilities: { fusion: true, maxBuffersPerKernel: Infinity, maxBindingBytes: 2 ** 31 - 1, alignment: 64, dtypes: ["f32", "i32", "bool"], inplace: true },
    lower(plan, lowerOpts) {
      const exe = lowerCpu(plan, { ...opts, checkNumerics: lowerOpts.checkNumerics ?? opts.checkNumerics });
      return { kernels: exe.kernels, run: async (inputs) => exe.run(inputs), dispose: () => exe.dispose() };
    },
  };
}
