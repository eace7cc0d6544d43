/** Scheduling then memory planning: a KernelGraph becomes the Plan a backend lowers. */
import type { KernelGraph, Plan } from "../plan/types";
import { planMemory, type PlanMemoryOptions } from "../memory/plan-memory";
import { scheduleKernels, type ScheduleOptions } from "./schedule-kernels";

/** Schedules `kg` for a low peak, then plans its arena. */
export function planKernels(kg: KernelGraph, options: ScheduleOptions & PlanMemoryOptions = {}): Plan {
  const { kernels } = scheduleKernels(kg, options);
  return { graph: kg.graph, kernels, memory: planMemory(kg.graph, kernels, options) };
}
