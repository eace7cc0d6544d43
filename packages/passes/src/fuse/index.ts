export { fuseKernels, type FuseOptions } from "./fuse";
export { printKernels } from "./print";
export { printKernelDot } from "./dot";
export { checkKernelGraph, kernelSources, kernelBufferCount, type CheckKernelOptions } from "./check";
export { MAX_CONE, FLOPS_PER_BYTE } from "./recompute";
export { literalValue } from "./views";
