export { planMemory, planMemoryDetailed, type PlanMemoryOptions, type PlacementMethod } from "./plan-memory";
export { computeLiveness, type Liveness } from "./liveness";
export { memoryReport, formatMemoryReport, formatBytes, sparkline, type MemoryReport, type MemoryReportOptions, type LiveValue } from "./report";
export { valueTable, typeBytes, kernelReads, type ValueTable } from "./values";
