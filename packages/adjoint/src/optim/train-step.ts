import { AdjointError, Tensor, spec, t, type HostTensor, type Spec } from "@adjoint/ir";
import { compile, type CompileOptions, type Executable } from "../compile";
import type { TensorFn } from "../eager";
import type { ArgLike } from "../host";
import { zeros } from "../nn/init";
import { flattenParams, unflattenParams, type NamedLeaf, type WithLeaf } from "../nn/params";
import { valueAndGrad } from "../transforms";
import { clipByGlobalNorm, globalNorm } from "./clip";
import type { Optimiser } from "./optimisers";

/** A loss over a parameter tree and a batch; returns an f32 scalar. */
export type LossFn<P> = (params: WithLeaf<P, Tensor>, ...batch: Tensor[]) => Tensor;

/** Options of `trainStep`. */
export interface TrainStepOptions {
  readonly optimiser: Optimiser;
  /** Clip gradients to this global L2 norm before the update (none by default). */
  readonly clipNorm?: number;
}

/**
 * One training step as a traceable function, and how to compile it with carried state.
 *
 * Arguments: parameter leaves, optimiser state (slot-major: every parameter's first slot, then
 * every parameter's second), the step count (f32 scalar), then the batch. Results: `[loss,
 * gradNorm, ...new parameters, ...new state, step + 1]`; `carry` maps results 2… back onto
 * arguments 0…, so parameters and state stay with the executable.
 */
export interface TrainStep {
  readonly fn: TensorFn;
  readonly specs: Spec[];
  readonly carry: { output: number; input: number }[];
  /** Values of the carried arguments for the first run: parameters, zero state, step 0. */
  readonly initial: HostTensor[];
  /** Dotted paths of the parameter leaves, in argument order. */
  readonly paths: string[];
}

/** Builds the step function: forward, backward, optional clipping and the optimiser update in one graph. */
export function trainStep<P extends object>(loss: LossFn<P>, params: P, batch: readonly Spec[], opts: TrainStepOptions): TrainStep {
  // the tree's leaves are HostTensors by contract; checked here since P is any record type
  const leaves = flattenParams(params) as NamedLeaf<HostTensor | Tensor>[] as NamedLeaf<HostTensor>[];
  const traced = leaves.find((l) => (l.value as unknown) instanceof Tensor);
  if (traced) throw new AdjointError(`trainStep: parameter '${traced.path}' is a traced Tensor; pass initial values as HostTensors { shape, dtype, data } (e.g. from nn.normal)`);
  if (leaves.length === 0) throw new AdjointError("trainStep: the parameter tree has no tensors");
  const nonF32 = leaves.find((l) => l.value.dtype !== "f32");
  if (nonF32) throw new AdjointError(`trainStep: parameter '${nonF32.path}' is ${nonF32.value.dtype}; parameters must be f32`);
  const { optimiser, clipNorm } = opts;
  const np = leaves.length, ns = optimiser.slots.length * np;
  const carriedCount = np + ns + 1;
  const specs = [
    ...leaves.map((l) => spec(l.value.shape, "f32", l.path)),
    ...optimiser.slots.flatMap((s) => leaves.map((l) => spec(l.value.shape, "f32", `${s}:${l.path}`))),
    spec([], "f32", "step"),
    ...batch,
  ];
  const fn = (...args: Tensor[]): Tensor[] => {
    const ps = args.slice(0, np), state = args.slice(np, np + ns), count = args[np + ns], data = args.slice(carriedCount);
    const objective = (...xs: Tensor[]) => loss(unflattenParams(params, xs), ...data);
    Object.defineProperty(objective, "name", { value: loss.name || "loss" });
    const [value, raw] = valueAndGrad(objective, { argnums: ps.map((_, i) => i) })(...ps);
    const clipped = clipNorm === undefined ? { grads: raw, norm: globalNorm(raw) } : clipByGlobalNorm(raw, clipNorm);
    const step = t.add(count, 1);
    const newParams: Tensor[] = [];
    const newState: Tensor[][] = optimiser.slots.map(() => []);
    ps.forEach((p, i) => {
      const slots = optimiser.slots.map((_, s) => state[s * np + i]);
      const r = optimiser.update(p, clipped.grads[i], slots, step, leaves[i].path);
      if (r.state.length !== slots.length) throw new AdjointError(`${optimiser.name}: update returned ${r.state.length} state tensors, expected ${slots.length}`);
      newParams.push(r.param);
      r.state.forEach((v, s) => newState[s].push(v));
    });
    return [value, clipped.norm, ...newParams, ...newState.flat(), step];
  };
  Object.defineProperty(fn, "name", { value: `train_step_${loss.name || "loss"}` });
  const initial = [
    ...leaves.map((l) => l.value),
    ...optimiser.slots.flatMap(() => leaves.map((l) => zeros(l.value.shape))),
    { shape: [], dtype: "f32" as const, data: new Float32Array([0]) },
  ];
  const carry = Array.from({ length: carriedCount }, (_, i) => ({ output: 2 + i, input: i }));
  return { fn, specs, carry, initial, paths: leaves.map((l) => l.path) };
}

/** A compiled training step that holds its parameters and optimiser state between calls. */
export interface Trainer<P> {
  /** Runs one step on a batch; returns the loss and the global gradient norm (before clipping). */
  step(...batch: ArgLike[]): Promise<{ loss: number; gradNorm: number }>;
  /** The current parameters, in the structure they were given. */
  params(): WithLeaf<P, HostTensor>;
  /** Updates done so far (the carried step count). */
  readonly steps: number;
  readonly exe: Executable;
  readonly paths: readonly string[];
  dispose(): void;
}

/**
 * Compiles `trainStep` with the parameters and optimiser state carried between runs: after the
 * first call only the batch crosses to the backend.
 *
 *   const trainer = await compileTrainer(loss, params, [spec([B, T], "i32"), spec([B, T], "i32")], { optimiser: adamw({ lr: 3e-3 }) });
 *   const { loss } = await trainer.step(x, y);
 */
export async function compileTrainer<P extends object>(
  loss: LossFn<P>,
  params: P,
  batch: readonly Spec[],
  opts: TrainStepOptions & Omit<CompileOptions, "carry">,
): Promise<Trainer<P>> {
  const built = trainStep(loss, params, batch, opts);
  const { optimiser: _o, clipNorm: _c, ...compileOpts } = opts;
  const exe = await compile(built.fn, built.specs, { ...compileOpts, carry: built.carry });
  const carried = built.initial.length;
  let steps = 0;
  return {
    async step(...data) {
      if (data.length !== batch.length) throw new AdjointError(`trainer.step: expected ${batch.length} batch arguments, got ${data.length}`);
      const held = steps === 0 ? built.initial : new Array<null>(carried).fill(null);
      const out = (await exe.run(...held, ...data)) as HostTensor[];
      steps++;
      return { loss: out[0].data[0], gradNorm: out[1].data[0] };
    },
    params() {
      const leaves = built.paths.map((_, i) => exe.carried(i) ?? built.initial[i]);
      return unflattenParams(params, leaves);
    },
    get steps() {
      return steps;
    },
    exe,
    paths: built.paths,
    dispose: () => exe.dispose(),
  };
}
