/**
 * Adjoint's public API: trace a function over tensors, differentiate it as a graph
 * transform, optimise it, and run it. See DESIGN.md for the contract.
 */
export {
  t, spec, trace, traceWithTree, printGraph, parseGraph, verifyGraph, Tensor,
  AdjointError, ShapeError, TraceError, ParseError, VerifyError,
  type Graph, type Spec, type HostTensor, type DType, type Shape, type TensorLike,
} from "@adjoint/ir";
export { interpret, cpuBackend } from "@adjoint/backend-cpu";
export { grad, valueAndGrad, vjp, jvp, jacfwd, jacrev, hessian, type GradOptions } from "./transforms";
export { customVjp } from "./custom-vjp";
export { gradcheck, seededRandom, type GradcheckOptions, type GradcheckResult, type GradcheckWorst } from "./gradcheck";
export { compile, type CompileOptions, type CompileReport, type Executable } from "./compile";
export { registerBackend, getBackend, backendNames } from "./backends";
export type { Backend, BackendCapabilities, BackendFactory, LowerOptions, LoweredProgram, Plan, Kernel, MemoryReport, CheckpointPolicy } from "@adjoint/passes";
export { evaluate, type TensorFn, type Tree } from "./eager";
export type { ArgLike } from "./host";
export { checkpoint } from "./checkpoint";
export {
  NumericsError, NumericsChecker, interpretCheckingNumerics, pinpointNumerics, gradientFlowReport, formatGradientFlow,
  explainMemory, formatMemoryExplanation, planFunction, planGraph,
  type NumericsDetails, type NumericsOrigin, type NonFinite, type GradientFlowOptions, type GradientFlowReport,
  type ParamFlow, type LayerFlow, type FlowProblem, type ExplainMemoryOptions, type MemoryExplanation,
  type PolicyMemory, type PeakShare, type PlanOptions, type PlannedGraph,
} from "./diagnostics";
export { writeHtmlReport, htmlReport, htmlReportForGraph, type HtmlReportOptions } from "./report-html";
export * as nn from "./nn";
export * as optim from "./optim";
export { trainStep, compileTrainer, type Trainer, type TrainStep, type TrainStepOptions, type LossFn } from "./optim";
