export type { Access, ArenaSlot, Kernel, KernelGraph, KernelLoop, MemoryPlan, Plan } from "./types";
