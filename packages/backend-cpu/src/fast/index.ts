export { lowerCpu, type CpuExecutable, type CpuOptions, type KernelTime } from "./lower";
export { cpuBackend } from "./backend";
export { scalarSnippets, type ElementwiseOpName } from "./codegen/scalar-ops";
export { gemmUsesFma } from "./wasm/gemm-runtime";
