export {
  placeCheckpoints, placeCheckpointsWithReport, checkpointPass, type CheckpointPolicy, type BudgetPolicy, type CheckpointOptions, type CheckpointReport,
} from "./place";
export { liveBytesPeak, liveBytesTimeline, type LiveBytes, type LiveBytesOptions } from "./live-bytes";
export { plannedPeak, residualValues, type PlannedPeakOptions } from "./planned-peak";
export { binomialBeta, revolveSteps } from "./revolve";
export { recomputeWithSaved } from "./saved-set";
