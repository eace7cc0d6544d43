/** Diagnostics for what breaks in training: NaN/Inf, gradient flow, memory. */
export { NumericsError, NumericsChecker, interpretCheckingNumerics, pinpointNumerics, type NonFinite, type NumericsDetails, type NumericsOrigin } from "./numerics";
export {
  gradientFlowReport, formatGradientFlow,
  type GradientFlowOptions, type GradientFlowReport, type ParamFlow, type LayerFlow, type FlowProblem, type ParamValues, type TensorData,
} from "./gradient-flow";
export {
  explainMemory, formatMemoryExplanation,
  type ExplainMemoryOptions, type MemoryExplanation, type PolicyMemory, type GraphMemory, type PeakShare,
} from "./memory-explain";
export { planFunction, planGraph, type PlanOptions, type PlannedGraph } from "./plan";
