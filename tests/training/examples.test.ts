// The two training examples at test sizes: the demo's GPT loop lowers its loss on the shipped
// corpus, and the digits MLP reaches a stated accuracy on held-out real digits.
import { describe, expect, it } from "vitest";
import { batchSampler, compareCheckpointPolicies, generate, loadCorpus, trainGpt } from "../../examples/gpt";
import { accuracy, loadDigits, trainDigits } from "../../examples/digits";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("GPT demo at a tiny size", () => {
  const corpus = loadCorpus();
  const model = { context: 16, dim: 16, heads: 2, layers: 2 };

  it("ships a corpus under 200 KB and batches targets shifted by one", () => {
    expect(corpus.text.length).toBeLessThan(200_000);
    expect(corpus.decode(corpus.encode("One morning, "))).toBe("One morning, ");
    const tokens = corpus.encode(corpus.text.slice(0, 500));
    const [x, y] = batchSampler(tokens, 2, 8, 3)();
    expect(Array.from(x.slice(1, 8))).toEqual(Array.from(y.slice(0, 7)));
    expect(corpus.decode(x.slice(0, 8))).not.toBe(corpus.decode(x.slice(8, 16)));
  });

  it("its training loop lowers the loss", async () => {
    const run = await trainGpt(corpus, { steps: 40, batch: 8, model, lr: 1e-2 });
    const first = mean(run.losses.slice(0, 5)), last = mean(run.losses.slice(-5));
    // starts near a uniform guess over the characters, then learns their frequencies at least
    expect(Math.abs(first - Math.log(corpus.chars.length))).toBeLessThan(0.5);
    expect(last).toBeLessThan(first - 0.6);
    const text = await generate(run.trainer.params(), run.cfg, corpus, "One", 20, { temperature: 0.8 });
    expect(text.startsWith("One")).toBe(true);
    expect(text.length).toBe(23);
    run.trainer.dispose();
  });

  it("sqrt checkpointing holds fewer activation bytes than none and pays in recompute", async () => {
    const [none, sqrt] = await compareCheckpointPolicies({ ...model, vocab: corpus.chars.length }, 4, ["none", "sqrt"]);
    expect(none.recomputeOverhead).toBe(0);
    expect(sqrt.activationBytes).toBeLessThan(none.activationBytes);
    expect(sqrt.recomputeOverhead).toBeGreaterThan(0);
  });
});

describe("digits example at a test size", () => {
  it("reaches 80% accuracy on held-out digits", async () => {
    const { train, test } = loadDigits({ perClass: 100, trainFraction: 0.8 });
    expect([train.count, test.count]).toEqual([800, 200]);
    const run = await trainDigits(train, { epochs: 4, batch: 50, hidden: 64, lr: 3e-3 });
    expect(run.losses[run.losses.length - 1]).toBeLessThan(run.losses[0]);
    expect(await accuracy(run.params, test, 100)).toBeGreaterThanOrEqual(0.8);
  });
});
