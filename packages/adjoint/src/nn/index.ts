/** Neural-network building blocks: functions over tensors, parameters passed explicitly as records. */
export { zeros, ones, uniform, normal, xavierUniform, xavierNormal, heNormal, seeds, type InitOptions } from "./init";
export { flattenParams, unflattenParams, countParams, type ParamTree, type WithLeaf, type LeafOf, type NamedLeaf } from "./params";
export { linear, linearInit, embedding, layerNorm, layerNormInit, mlp, type LinearParams, type LayerNormParams, type MlpParams } from "./layers";
export { causalSelfAttention, causalMask, type AttentionParams } from "./attention";
export { gptInit, gptBlock, gptLogits, gptLoss, type GptConfig, type GptParams, type GptBlockParams } from "./gpt";
