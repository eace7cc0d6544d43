import type { OpName } from "@adjoint/ir";
import { customKernels } from "./custom";
import { elementwiseKernels } from "./elementwise";
import { indexKernels } from "./indexing";
import { matmulKernels } from "./matmul";
import { movementKernels } from "./movement";
import { reduceKernels } from "./reduce";
import { sourceKernels } from "./source";
import type { Kernel } from "./kernel";

/** One reference kernel per op; typed over every `OpName`, so adding an op without a kernel fails to compile. */
export const kernels: { readonly [K in OpName]: Kernel<K> } = {
  ...sourceKernels,
  ...elementwiseKernels,
  ...reduceKernels,
  ...movementKernels,
  ...matmulKernels,
  ...indexKernels,
  ...customKernels,
};
