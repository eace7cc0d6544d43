/** In-place writes: the safety pass (`inplace`) and the buffer-reuse analysis the memory planner uses. */
export {
  inplaceSafety, checkInplace, analyzeInplace, withoutWrite,
  type InplaceMode, type InplaceOptions, type InplaceHazard, type HazardKind, type InplaceAnalysis, type InplaceSafetyResult,
} from "./safety";
export { inplaceReuse, type BufferReuse, type InplaceReuse } from "./reuse";
export { formatHazard, inPlaceMethod } from "./message";
export { viewTable, viewedOperand, writeTargets, VIEW_OPS, type ViewTable } from "./views";
