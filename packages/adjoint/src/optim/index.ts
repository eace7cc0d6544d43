/** Optimisers compiled into the training step, gradient clipping, and the trainer built on them. */
export { sgd, adam, adamw, warmupCosine, type Optimiser, type SgdOptions, type AdamOptions, type LearningRate, type DecayFilter } from "./optimisers";
export { globalNorm, clipByGlobalNorm } from "./clip";
export { trainStep, compileTrainer, type TrainStep, type TrainStepOptions, type Trainer, type LossFn } from "./train-step";
