export { evaluateKernels, type EvaluateKernelsOptions } from "./evaluate";
