export { placeCheckpoints, placeCheckpointsWithReport, checkpointPass, type CheckpointPolicy, type CheckpointOptions, type CheckpointReport } from "./place";
export { liveBytesPeak, liveBytesTimeline, type LiveBytes, type LiveBytesOptions } from "./live-bytes";
export { binomialBeta, revolveSteps } from "./revolve";
export { recomputeWithSaved } from "./saved-set";
