export { interpret, type InterpretOptions } from "./interpret";
export type { Precision } from "./storage";
export { evaluateKernels, type EvaluateKernelsOptions } from "./kernel-eval";
export { lowerCpu, scalarSnippets, type CpuExecutable, type CpuOptions, type KernelTime, type ElementwiseOpName } from "./fast";
export { cpuBackend, type CpuBackend, type CpuBackendOptions } from "./fast/backend";
export { enableFma, gemmUsesFma, withGemmFma } from "./fast/wasm/gemm-runtime";
export { buildNativeGemm, nativeCacheDir, nativeGemmStatus, type NativeGemm, type NativeGemmInfo, type NativeGemmStatus } from "./fast/native/build";
