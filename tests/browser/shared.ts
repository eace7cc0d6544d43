// What the page and the Node test agree on: the differentiated function and its inputs.
import { spec, t, trace, type Graph, type HostTensor, type Tensor } from "@adjoint/ir";
import { runPasses, simplifyPipeline } from "@adjoint/passes";
import { valueAndGrad } from "adjoint";
import { randomTensor } from "../conformance/patterns";

const [N, D, H, C] = [8, 6, 16, 4];
const loss = (w1: Tensor, b1: Tensor, w2: Tensor, x: Tensor, y: Tensor) =>
  t.mean(t.crossEntropy(t.matmul(t.tanh(t.add(t.matmul(x, w1), b1)), w2), y));

/** The joint forward + backward graph of the MLP loss, simplified. */
export const mlpGradGraph = (): Graph =>
  runPasses(trace(valueAndGrad(loss, { argnums: [0, 1, 2] }) as never, [spec([D, H]), spec([H]), spec([H, C]), spec([N, D]), spec([N], "i32")]), simplifyPipeline).graph;

/** Its inputs: deterministic, so the page and Node see the same numbers. */
export const mlpInputs = (): HostTensor[] => [
  randomTensor([D, H], 1), randomTensor([H], 2), randomTensor([H, C], 3), randomTensor([N, D], 4), randomTensor([N], 5, "i32", C),
];
