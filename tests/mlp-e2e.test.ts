// End to end: a 2-layer MLP's cross-entropy gradient against finite differences, and training.
import { describe, expect, it } from "vitest";
import { t, type Tensor } from "@adjoint/ir";
import { compile, gradcheck, seededRandom, spec, valueAndGrad, type HostTensor } from "adjoint";

const mlpLoss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, x: Tensor, y: Tensor) => {
  const h = t.tanh(t.add(t.matmul(x, w1), b1));
  return t.mean(t.crossEntropy(t.add(t.matmul(h, w2), b2), y));
};

const rand = seededRandom(42);
const randn = (n: number, scale: number) => Float32Array.from({ length: n }, () => rand() * scale);
const [N, D, H, C] = [8, 4, 6, 3];
const x = randn(N * D, 1);
const y = Int32Array.from({ length: N }, (_, i) => i % C);

describe("2-layer MLP", () => {
  it("cross-entropy gradient matches finite differences", () => {
    const r = gradcheck(mlpLoss, [
      { shape: [D, H], data: randn(D * H, 0.5) }, { shape: [H], data: randn(H, 0.1) },
      { shape: [H, C], data: randn(H * C, 0.5) }, { shape: [C], data: randn(C, 0.1) },
      { shape: [N, D], data: x }, { shape: [N], dtype: "i32", data: y },
    ], { argnums: [0, 1, 2, 3] });
    expect(r.ok, r.message).toBe(true);
    expect(r.checked).toBe(D * H + H + H * C + C);
  });

  it("gradient descent lowers the loss", async () => {
    const specs = [spec([D, H]), spec([H]), spec([H, C]), spec([C]), spec([N, D]), spec([N], "i32")];
    const step = await compile(valueAndGrad(mlpLoss, { argnums: [0, 1, 2, 3] }), specs, { verify: true });
    const params = [randn(D * H, 0.5), randn(H, 0.1), randn(H * C, 0.5), randn(C, 0.1)];
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const [loss, grads] = (await step.run(...params, x, y)) as [HostTensor, HostTensor[]];
      losses.push(loss.data[0]);
      params.forEach((p, k) => p.forEach((_, j) => (p[j] -= 0.5 * grads[k].data[j])));
    }
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.7);
    step.dispose();
  });
});
