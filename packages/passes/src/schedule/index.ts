export { scheduleKernels, type Schedule, type ScheduleOptions, type ScheduleStrategy } from "./schedule-kernels";
export { planKernels } from "./plan-kernels";
export { kernelDependencies, type KernelDeps } from "./dependencies";
