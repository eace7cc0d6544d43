// Catalogue entries E4xx–E6xx: errors raised by compile and its passes, by an executable's
// run, and by the IR text reader and verifier. See docs/errors.md.
import { compile, interpret, parseGraph, spec, t, trace, valueAndGrad, verifyGraph, type Executable, type Graph, type Tensor } from "adjoint";
import type { ErrorCase } from "./error-cases";

const v3 = spec([3]);
function loss(x: Tensor) {
  return t.sum(t.tanh(x));
}
const lossGrad = valueAndGrad(loss);

/** Compiles `loss` on the interpreter and runs `use` on the executable (disposed afterwards). */
async function withExe(use: (exe: Executable) => unknown, opts: Parameters<typeof compile>[2] = {}): Promise<unknown> {
  const exe = await compile(loss, [v3], { backend: "interpret", ...opts });
  try {
    return await use(exe);
  } finally {
    exe.dispose();
  }
}

const sigmoidThenScale = (x: Tensor) => {
  const y = t.sigmoid(x);
  y.mulInPlace(2);
  return t.sum(y);
};

/** compile and its passes (E4xx). */
export const compileCases: ErrorCase[] = [
  { id: "E401", title: "an unknown backend", error: "AdjointError", message: /^unknown backend 'tpu'; registered backends: (\w+, )*interpret(, \w+)*$/,
    run: () => compile(loss, [v3], { backend: "tpu" }) },
  { id: "E402", title: "a checkpoint budget that cannot be met", error: "AdjointError",
    message: /^checkpoint: no plan fits a budget of 0 bytes; the smallest budget that can be met is \d+ bytes \(plan '[\w-]+'( with \d+ slot\(s\))?; without checkpointing the peak is \d+ bytes\)$/,
    run: () => compile(lossGrad, [v3], { backend: "interpret", checkpoint: { budgetBytes: 0 } }) },
  { id: "E403", title: "a negative checkpoint budget", error: "AdjointError", message: "checkpoint: budgetBytes must be a non-negative number of bytes, got -1",
    run: () => compile(lossGrad, [v3], { backend: "interpret", checkpoint: { budgetBytes: -1 } }) },
  { id: "E404", title: "an unknown checkpoint policy", error: "AdjointError",
    message: 'checkpoint: unknown policy "half"; use "none", "sqrt", "all", { budgetBytes } or { revolveSlots }',
    run: () => compile(lossGrad, [v3], { backend: "interpret", checkpoint: "half" as never }) },
  { id: "E405", title: "Revolve with no slots", error: "AdjointError", message: "checkpoint: revolveSlots must be an integer ≥ 1 (one slot holds the inputs), got 0",
    run: () => compile(lossGrad, [v3], { backend: "interpret", checkpoint: { revolveSlots: 0 } }) },
  { id: "E406", title: "an unsafe in-place write (the backward pass needs the old value)", error: "AdjointError",
    message: /^inplace: mulInPlace at <loc> overwrites %\d+ = sigmoid \(<loc>\), but the backward pass still needs its old value( \(\d+ uses after the write in all\))?:\n  %\d+ = sub \(<loc>\), in the backward pass of %\d+ = sigmoid\nThe write: /,
    run: () => compile(valueAndGrad(sigmoidThenScale), [v3], { backend: "interpret" }) },
  { id: "E407", title: "an unknown schedule strategy", error: "AdjointError", message: 'scheduleKernels: unknown strategy "fastest"; use naive, greedy, lazy, lazy-all, best',
    run: () => compile(loss, [v3], { backend: "interpret", schedule: "fastest" as never }) },
  { id: "E408", title: "carry between an output and an input of different types", error: "AdjointError",
    message: "compile: carry output 0 (f32[]) into input 0 (f32[3]): they must exist and have the same type",
    run: () => compile(loss, [v3], { backend: "interpret", carry: [{ output: 0, input: 0 }] }) },
  { id: "E409", title: "carry naming an input that does not exist", error: "AdjointError",
    message: "compile: carry output 0 (f32[]) into input 4 (none): they must exist and have the same type",
    run: () => compile(loss, [v3], { backend: "interpret", carry: [{ output: 0, input: 4 }] }) },
];

/** An executable's run (E5xx). */
export const runCases: ErrorCase[] = [
  { id: "E501", title: "run after dispose", error: "AdjointError", message: "run: @loss was disposed",
    run: async () => { const exe = await compile(loss, [v3], { backend: "interpret" }); exe.dispose(); return exe.run([1, 2, 3]); } },
  { id: "E502", title: "run with the wrong number of arguments", error: "AdjointError", message: "run: @loss takes 1 arguments (arg0: f32[3]), got 2",
    run: () => withExe((exe) => exe.run([1, 2, 3], [4])) },
  { id: "E503", title: "run with an argument of another shape", error: "AdjointError", message: "run: argument 0 ('arg0'): expected f32[3], got f32[2]",
    run: () => withExe((exe) => exe.run({ shape: [2], data: [1, 2] })) },
  { id: "E504", title: "run with an argument of another dtype", error: "AdjointError", message: "run: argument 0 ('arg0'): expected f32[3], got i32[3]",
    run: () => withExe((exe) => exe.run({ shape: [3], dtype: "i32", data: [1, 2, 3] })) },
  { id: "E505", title: "run with the wrong number of values", error: "AdjointError", message: "run: argument 0 ('arg0'): expected 3 values for f32[3], got 2",
    run: () => withExe((exe) => exe.run(Float32Array.from([1, 2]))) },
  { id: "E506", title: "null (the carried value) for an argument that is not carried", error: "AdjointError",
    message: `run: argument 0 ('arg0'): null means "the carried value", but it is not carried (see the carry compile option)`,
    run: () => withExe((exe) => exe.run(null)) },
  { id: "E507", title: "null for a carried argument before anything was carried", error: "AdjointError",
    message: `run: argument 0 ('arg0'): null means "the carried value", but nothing has been carried into it yet; pass its initial value`,
    run: async () => {
      const exe = await compile((x: Tensor) => t.tanh(x), [v3], { backend: "interpret", carry: [{ output: 0, input: 0 }] });
      return exe.run(null).finally(() => exe.dispose());
    } },
  { id: "E508", title: "an index out of range at run time (interpreter)", error: "AdjointError",
    message: "gather: index 5 at position [1] of indices i32[2] is out of range for axis 0 of size 3 (valid: 0..2) (at <loc>)",
    run: async () => {
      const exe = await compile((x: Tensor, i: Tensor) => t.take(x, i), [spec([3, 2]), spec([2], "i32")], { backend: "interpret" });
      return exe.run(new Float32Array(6), Int32Array.from([0, 5])).finally(() => exe.dispose());
    } },
  { id: "E510", title: "an index out of range at run time (CPU backend)", error: "AdjointError",
    message: "scatter_add: index -1 at position [1] of indices i32[2] is out of range for axis 0 of size 3 (valid: 0..2) (at <loc>)",
    run: async () => {
      const exe = await compile((u: Tensor, i: Tensor) => t.scatterAdd(u, i, 0, 3), [spec([2, 2]), spec([2], "i32")], { backend: "cpu" });
      return exe.run(new Float32Array(4), Int32Array.from([0, -1])).finally(() => exe.dispose());
    } },
  { id: "E509", title: "interpret given the wrong number of inputs", error: "AdjointError", message: "loss: expects 1 inputs (arg0: f32[3]), got 0",
    run: () => interpret(trace(loss, [v3]), []) },
];

const wrap = (body: string) => `graph @f(%0: f32[2] "x" loc(unknown)) {\n${body}\n  return %1\n}`;

/** IR text and the verifier (E6xx). */
export const irCases: ErrorCase[] = [
  { id: "E601", title: "IR text with an unexpected character", error: "ParseError", message: '2:3: unexpected character "$"',
    run: () => parseGraph(wrap("  $1 = tanh %0 : f32[2] loc(unknown)")) },
  { id: "E602", title: "IR text with an unknown op", error: "ParseError", message: /^2:8: unknown op 'frobnicate'; known ops: abs, add, .*where$/,
    run: () => parseGraph(wrap("  %1 = frobnicate %0 : f32[2] loc(unknown)")) },
  { id: "E603", title: "IR text missing a node's location", error: "ParseError", message: `3:3: expected a location like loc("file.ts":3:7), got 'return'`,
    run: () => parseGraph(wrap("  %1 = tanh %0 : f32[2]")) },
  { id: "E604", title: "IR text with an attribute given twice", error: "ParseError", message: "2:35: attribute 'axes' given twice",
    run: () => parseGraph(wrap("  %1 = reduce_sum %0 {axes = [0], axes = [0]} : f32[] loc(unknown)")) },
  { id: "E605", title: "IR text whose declared type differs from the op's", error: "VerifyError",
    message: "node %1 (tanh): declared type f32[3] but the op infers f32[2]\n> %1 = tanh %0 : f32[3] loc(unknown)",
    run: () => parseGraph(wrap("  %1 = tanh %0 : f32[3] loc(unknown)")) },
  { id: "E606", title: "a graph that uses a value before defining it", error: "VerifyError",
    message: "node %1 (tanh): operand %7 is used before it is defined\n> %1 = tanh %7 : f32[2] loc(unknown)",
    run: () => verifyGraph({ ...(parseGraph(wrap("  %1 = tanh %0 : f32[2] loc(unknown)")) as Graph), nodes: [{ id: 1, op: "tanh", args: [7], attrs: {}, type: { dtype: "f32", shape: [2] }, loc: { file: "unknown", line: 0, col: 0 } }] }) },
];
