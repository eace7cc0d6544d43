export { planMemory, planMemoryDetailed, type PlanMemoryOptions, type PlacementMethod, type ReusingMemoryPlan } from "./plan-memory";
export { computeLiveness, type Liveness } from "./liveness";
export { memoryReport, formatMemoryReport, formatBytes, sparkline, type MemoryReport, type MemoryReportOptions, type LiveValue } from "./report";
export { valueTable, typeBytes, kernelReads, type ValueTable } from "./values";
export { kernelReuse, isIdentityAccess, type KernelReuse, type SlotReuse } from "./kernel-reuse";
export { mergeReuse, type MergedLiveness } from "./merge-reuse";
