export { interpret, type InterpretOptions } from "./interpret";
export type { Precision } from "./storage";
export { evaluateKernels, type EvaluateKernelsOptions } from "./kernel-eval";
export { lowerCpu, cpuBackend, gemmUsesFma, scalarSnippets, type CpuExecutable, type CpuOptions, type KernelTime, type ElementwiseOpName } from "./fast";
