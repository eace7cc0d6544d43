// The main demo (`npm start`): a small character-level GPT learns the fables in
// examples/data/fables.txt. One compiled executable does forward, backward and the AdamW update,
// holding parameters and optimiser state between steps; then it writes a sample and compares
// the memory of checkpoint policies on the same step.
// ADJOINT_DEMO_STEPS=N shortens the run (CI, quick looks).
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compile, compileTrainer, nn, optim, seededRandom, spec, trainStep, writeHtmlReport, type CheckpointPolicy, type HostTensor, type Tensor, type Trainer, type TrainStep } from "adjoint";

/** The demo's model: 2 pre-LN blocks, 4 heads, 64 wide, 64 characters of context (~110k parameters). */
export const DEMO_MODEL = { context: 64, dim: 64, heads: 4, layers: 2 } as const;

/** A text and its character vocabulary. */
export interface Corpus {
  readonly text: string;
  readonly chars: readonly string[];
  encode(s: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

/** Reads a text file (the shipped fables by default) and indexes its characters. */
export function loadCorpus(file = fileURLToPath(new URL("./data/fables.txt", import.meta.url))): Corpus {
  const text = readFileSync(file, "utf8");
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  return {
    text,
    chars,
    encode: (s) => Int32Array.from(s, (c) => index.get(c) ?? 0),
    decode: (ids) => Array.from(ids, (i) => chars[i]).join(""),
  };
}

/** Random windows of `context + 1` tokens: inputs and the same shifted by one (targets). Seeded. */
export function batchSampler(tokens: Int32Array, batch: number, context: number, seed: number): () => [Int32Array, Int32Array] {
  const rand = seededRandom(seed);
  const starts = tokens.length - context - 1;
  return () => {
    const x = new Int32Array(batch * context), y = new Int32Array(batch * context);
    for (let b = 0; b < batch; b++) {
      const s = Math.floor(((rand() + 1) / 2) * starts);
      x.set(tokens.subarray(s, s + context), b * context);
      y.set(tokens.subarray(s + 1, s + context + 1), b * context);
    }
    return [x, y];
  };
}

/** Everything a training run needs; `trainGpt` fills the rest from `DEMO_MODEL`. */
export interface GptRunOptions {
  readonly steps: number;
  readonly batch?: number;
  readonly model?: Partial<nn.GptConfig>;
  readonly lr?: number;
  readonly seed?: number;
  readonly backend?: string;
  /** Called after each step (progress bars, tests). */
  readonly onStep?: (step: number, loss: number, msPerStep: number) => void;
}

/** What a run produced: the trainer (holding the trained parameters), losses per step, speed. */
export interface GptRun {
  readonly cfg: nn.GptConfig;
  readonly trainer: Trainer<nn.GptParams<HostTensor>>;
  readonly losses: number[];
  readonly tokensPerSecond: number;
  readonly seconds: number;
  readonly validation: Int32Array;
}

/** The training loss as a named function (the graph is named after it). */
const lossOf = (cfg: nn.GptConfig) =>
  function gptTrainingLoss(p: nn.GptParams, x: Tensor, y: Tensor): Tensor {
    return nn.gptLoss(p, x, y, cfg);
  };

/** The optimiser: AdamW with warm-up and cosine decay; weight decay on matrices only (not on gains or biases). */
const optimiserFor = (lr: number, steps: number) =>
  optim.adamw({ lr: optim.warmupCosine({ peak: lr, warmup: Math.min(50, Math.floor(steps / 10)), total: Math.max(steps, 2), floor: lr / 10 }), weightDecay: 0.01, decay: (_path, shape) => shape.length >= 2 });

/** Trains a GPT on 90% of the corpus (the rest is held out for `validationLoss`). */
export async function trainGpt(corpus: Corpus, opts: GptRunOptions): Promise<GptRun> {
  const cfg: nn.GptConfig = { ...DEMO_MODEL, ...opts.model, vocab: corpus.chars.length };
  const batch = opts.batch ?? 16, seed = opts.seed ?? 1;
  const tokens = corpus.encode(corpus.text);
  const split = Math.floor(tokens.length * 0.9);
  const next = batchSampler(tokens.subarray(0, split), batch, cfg.context, seed + 1);
  const batchSpecs = [spec([batch, cfg.context], "i32", "x"), spec([batch, cfg.context], "i32", "y")];
  const trainer = await compileTrainer(lossOf(cfg), nn.gptInit(cfg, seed), batchSpecs, {
    optimiser: optimiserFor(opts.lr ?? 1e-2, opts.steps),
    clipNorm: 1,
    ...(opts.backend ? { backend: opts.backend } : {}),
  });
  const losses: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < opts.steps; i++) {
    const { loss } = await trainer.step(...next());
    losses.push(loss);
    opts.onStep?.(i + 1, loss, (performance.now() - t0) / (i + 1));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { cfg, trainer, losses, seconds, tokensPerSecond: (opts.steps * batch * cfg.context) / seconds, validation: tokens.subarray(split) };
}

/** Mean loss of `params` over consecutive windows of `tokens` (forward only). */
export async function validationLoss(params: nn.GptParams<HostTensor>, cfg: nn.GptConfig, tokens: Int32Array, batch = 16): Promise<number> {
  const leaves = nn.flattenParams(params);
  const specs = [...leaves.map((l) => spec(l.value.shape, "f32", l.path)), spec([batch, cfg.context], "i32", "x"), spec([batch, cfg.context], "i32", "y")];
  const exe = await compile((...args: Tensor[]) => nn.gptLoss(nn.unflattenParams(params, args.slice(0, leaves.length)), args[leaves.length], args[leaves.length + 1], cfg), specs);
  const windows = Math.floor((tokens.length - 1) / cfg.context / batch);
  if (windows === 0) throw new Error(`validationLoss: ${tokens.length} tokens do not fill one batch of ${batch} × ${cfg.context}`);
  let total = 0;
  for (let w = 0; w < windows; w++) {
    const at = w * batch * cfg.context;
    const x = tokens.slice(at, at + batch * cfg.context), y = tokens.slice(at + 1, at + 1 + batch * cfg.context);
    total += ((await exe.run(...leaves.map((l) => l.value), x, y)) as HostTensor).data[0];
  }
  exe.dispose();
  return total / windows;
}

/** Continues `prompt` by `length` characters; temperature 0 is greedy. Causal, so one [1, context] window serves every length. */
export async function generate(params: nn.GptParams<HostTensor>, cfg: nn.GptConfig, corpus: Corpus, prompt: string, length: number, opts: { temperature?: number; seed?: number } = {}): Promise<string> {
  const leaves = nn.flattenParams(params);
  const specs = [...leaves.map((l) => spec(l.value.shape, "f32", l.path)), spec([1, cfg.context], "i32", "tokens")];
  const exe = await compile((...args: Tensor[]) => nn.gptLogits(nn.unflattenParams(params, args.slice(0, leaves.length)), args[leaves.length], cfg), specs);
  const rand = seededRandom(opts.seed ?? 7), temperature = opts.temperature ?? 0.8;
  const ids = Array.from(corpus.encode(prompt));
  const V = cfg.vocab;
  for (let i = 0; i < length; i++) {
    const window = ids.slice(-cfg.context);
    const input = new Int32Array(cfg.context);
    input.set(window);
    const logits = ((await exe.run(...leaves.map((l) => l.value), input)) as HostTensor).data;
    const row = Array.from(logits.subarray((window.length - 1) * V, window.length * V));
    ids.push(temperature === 0 ? row.indexOf(Math.max(...row)) : sampleRow(row, temperature, (rand() + 1) / 2));
  }
  exe.dispose();
  return corpus.decode(ids);
}

function sampleRow(logits: number[], temperature: number, u: number): number {
  const max = Math.max(...logits);
  const weights = logits.map((l) => Math.exp((l - max) / temperature));
  let r = u * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) if ((r -= weights[i]) <= 0) return i;
  return weights.length - 1;
}

/** One row of the checkpoint comparison. */
export interface PolicyRow {
  readonly policy: string;
  readonly peakBytes: number;
  readonly activationBytes: number;
  readonly recomputeOverhead: number;
  readonly kernels: number;
}

/** The demo's training step as a traceable function with its specs (for reports and policy comparisons). */
export function demoTrainStep(cfg: nn.GptConfig, batch: number): TrainStep {
  return trainStep(lossOf(cfg), nn.gptInit(cfg, 1), [spec([batch, cfg.context], "i32", "x"), spec([batch, cfg.context], "i32", "y")], { optimiser: optimiserFor(1e-2, 100), clipNorm: 1 });
}

/** Compiles the same training step under each policy (no training) and reads its report. */
export async function compareCheckpointPolicies(cfg: nn.GptConfig, batch: number, policies: readonly CheckpointPolicy[]): Promise<PolicyRow[]> {
  const built = demoTrainStep(cfg, batch);
  const rows: PolicyRow[] = [];
  for (const policy of policies) {
    const exe = await compile(built.fn, built.specs, { checkpoint: policy, carry: built.carry });
    const r = exe.report;
    const name = typeof policy === "string" ? policy : "budgetBytes" in policy ? `budget ${mb(policy.budgetBytes)}` : JSON.stringify(policy);
    rows.push({ policy: name, peakBytes: r.peakBytes, activationBytes: r.activationBytes, recomputeOverhead: r.recomputeFlops / r.forwardFlops, kernels: r.kernels });
    exe.dispose();
  }
  return rows;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const clock = (s: number) => (s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${s.toFixed(0)}s`);

/** One line, rewritten in place on a terminal; a line every tenth of the run elsewhere (CI logs). */
function progress(steps: number, tokensPerStep: number): (step: number, loss: number, ms: number) => void {
  const tty = process.stdout.isTTY;
  let smoothed = NaN;
  return (step, loss, ms) => {
    smoothed = Number.isNaN(smoothed) ? loss : 0.9 * smoothed + 0.1 * loss;
    const width = 24, done = Math.round((step / steps) * width);
    const line = `[${"█".repeat(done)}${"·".repeat(width - done)}] step ${String(step).padStart(String(steps).length)}/${steps}  loss ${smoothed.toFixed(3)}  ${Math.round((tokensPerStep * 1000) / ms).toLocaleString("en")} tok/s  ETA ${clock(((steps - step) * ms) / 1000)}`;
    if (tty) process.stdout.write(`\r${line}\x1b[K${step === steps ? "\n" : ""}`);
    else if (step === 1 || step === steps || step % Math.max(1, Math.round(steps / 10)) === 0) console.log(line);
  };
}

async function main(): Promise<void> {
  // The environment is read here, at the entry edge, and nowhere else.
  const steps = Number(process.env.ADJOINT_DEMO_STEPS ?? 500);
  const batch = 16;
  const corpus = loadCorpus();
  const cfg0 = { ...DEMO_MODEL, vocab: corpus.chars.length };
  console.log(`Adjoint demo: a character-level GPT on examples/data/fables.txt (${corpus.text.length.toLocaleString("en")} characters, ${corpus.chars.length} distinct)`);
  console.log(`model: ${cfg0.layers} blocks, ${cfg0.heads} heads, dim ${cfg0.dim}, context ${cfg0.context}, ${nn.countParams(nn.gptInit(cfg0, 1)).toLocaleString("en")} parameters; batch ${batch}; AdamW (lr 1e-2, warm-up + cosine), clip 1.0; ${steps} steps`);
  const run = await trainGpt(corpus, { steps, batch, onStep: progress(steps, batch * DEMO_MODEL.context) });
  const { trainer, losses, cfg } = run;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  const k = Math.max(1, Math.min(20, Math.floor(losses.length / 5)));
  console.log(`trained on ${trainer.exe.report.backend}: loss ${mean(losses.slice(0, k)).toFixed(3)} → ${mean(losses.slice(-k)).toFixed(3)} (first/last ${k} steps; uniform guess ${Math.log(cfg.vocab).toFixed(3)}), ${Math.round(run.tokensPerSecond).toLocaleString("en")} tokens/s, ${clock(run.seconds)}`);
  const params = trainer.params();
  console.log(`held-out loss: ${(await validationLoss(params, cfg, run.validation)).toFixed(3)}`);
  console.log("\n── sample (temperature 0.7) ──");
  console.log(await generate(params, cfg, corpus, "One morning, ", 300, { temperature: 0.7 }));
  trainer.dispose();

  console.log("\n── memory of one training step by checkpoint policy (same model, compiled, not trained) ──");
  const [none, sqrt] = await compareCheckpointPolicies(cfg, batch, ["none", "sqrt"]);
  // The budget bounds the checkpoint pass's estimate of live bytes, taken before scheduling and
  // arena planning; 90% of the unconstrained arena lands between none and sqrt on this model.
  const budget = Math.round(0.9 * none.activationBytes);
  let rows = [none, sqrt];
  try {
    rows = [...rows, ...(await compareCheckpointPolicies(cfg, batch, [{ budgetBytes: budget }]))];
  } catch (e) {
    console.log(`budget ${mb(budget)}: ${(e as Error).message}`);
  }
  console.log(`${"policy".padEnd(18)}${"peak".padStart(12)}${"activations".padStart(14)}${"recompute".padStart(12)}${"kernels/step".padStart(14)}`);
  for (const r of rows) {
    console.log(`${r.policy.padEnd(18)}${mb(r.peakBytes).padStart(12)}${mb(r.activationBytes).padStart(14)}${`${(100 * r.recomputeOverhead).toFixed(1)}%`.padStart(12)}${String(r.kernels).padStart(14)}`);
  }
  console.log("recompute = flops spent recomputing forward values / forward flops");
  const step = demoTrainStep(cfg, batch);
  const report = writeHtmlReport(step.fn, step.specs, "reports/gpt.html", { checkpoint: "sqrt" });
  console.log(`\nHTML report (graph, per-pass IR, memory over time per checkpoint policy): ${report}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
