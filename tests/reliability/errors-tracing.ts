// Catalogue entries E1xx–E3xx: errors raised while tracing (shapes, dtypes, axes, the traced
// function, reading values) and by the AD transforms. See docs/errors.md.
import { checkpoint, customVjp, grad, gradcheck, jacfwd, jvp, spec, t, trace, vjp, type Tensor } from "adjoint";
import type { ErrorCase } from "./error-cases";

const m23 = spec([2, 3]);
const one = (fn: (x: Tensor) => unknown) => () => trace(fn, [m23]);
let leaked: Tensor | undefined;

/** Shapes, dtypes and axes (E1xx). */
export const shapeCases: ErrorCase[] = [
  { id: "E101", title: "binary op on shapes that do not broadcast", error: "ShapeError", message: "add: cannot broadcast f32[2,3] with f32[4] (at <loc>)",
    run: () => trace((x, y) => t.add(x, y), [m23, spec([4])]) },
  { id: "E102", title: "matmul with different inner dimensions", error: "ShapeError", message: "matmul: cannot multiply f32[2,3] by f32[4,5]: inner dimensions 3 and 4 differ (at <loc>)",
    run: () => trace((a, b) => t.matmul(a, b), [m23, spec([4, 5])]) },
  { id: "E103", title: "axis out of range", error: "ShapeError", message: "reduce_sum: axis 2 is out of range for rank 2 (valid: -2..1) of f32[2,3] (at <loc>)",
    run: one((x) => t.sum(x, 2)) },
  { id: "E104", title: "the same axis twice", error: "ShapeError", message: "reduce_sum: duplicate axis 0 in [0,-2] of f32[2,3] (at <loc>)",
    run: one((x) => t.sum(x, [0, -2])) },
  { id: "E105", title: "reshape to a different number of elements", error: "ShapeError", message: "reshape: cannot reshape f32[2,3] (6 elements) to [4,2] (8 elements) (at <loc>)",
    run: one((x) => t.reshape(x, [4, 2])) },
  { id: "E106", title: "transpose with a bad permutation", error: "ShapeError", message: "transpose: perm [0,0] is not a permutation of 2 axes of f32[2,3] (at <loc>)",
    run: one((x) => t.transpose(x, [0, 0])) },
  { id: "E107", title: "slice out of range", error: "ShapeError", message: "slice: slice [0, 3) is out of range for axis 0 of f32[2,3] (at <loc>)",
    run: one((x) => t.slice(x, [0, 1], [3, 2])) },
  { id: "E108", title: "concat of shapes that differ outside the axis", error: "ShapeError", message: "concat: operands f32[2,3], f32[3,3] differ outside axis 1 (at <loc>)",
    run: () => trace((x, y) => t.concat([x, y], 1), [m23, spec([3, 3])]) },
  { id: "E109", title: "negative padding", error: "ShapeError", message: "pad: needs 2 non-negative lo and hi paddings for f32[2,3], got [-1,0] and [0,0] (at <loc>)",
    run: one((x) => t.pad(x, [-1, 0], [0, 0])) },
  { id: "E110", title: "broadcastTo a shape that does not fit", error: "ShapeError", message: "broadcast: cannot broadcast f32[2,3] to [3,3] (at <loc>)",
    run: one((x) => t.broadcastTo(x, [3, 3])) },
  { id: "E111", title: "where with a non-bool condition", error: "ShapeError", message: "where: condition must be bool, got f32[2,3]; compare first (x.gt(0)) (at <loc>)",
    run: one((x) => t.where(x, x, 0)) },
  { id: "E112", title: "take with float indices", error: "ShapeError", message: "take: indices must be i32, got f32[2] (at <loc>)",
    run: () => trace((x, i) => t.take(x, i), [m23, spec([2])]) },
  { id: "E113", title: "reducing booleans", error: "ShapeError", message: "reduce_sum: cannot reduce bool[2,3]; cast it first (at <loc>)",
    run: one((x) => t.sum(t.gt(x, 0))) },
  { id: "E114", title: "an input spec with an unknown dtype", error: "ShapeError", message: 'trace: input 0 has dtype "f16"; expected one of f32, i32, bool',
    run: () => trace((x) => x, [{ shape: [2], dtype: "f16" as never }]) },
  { id: "E115", title: "an input spec with a negative dimension", error: "ShapeError", message: "trace: input 0: shape [2,-1] has an invalid dimension -1",
    run: () => trace((x) => x, [spec([2, -1])]) },
  { id: "E116", title: "an in-place write whose result has another shape", error: "ShapeError",
    message: "addInPlace: x + f32[2,3] gives f32[2,3], which does not fit x (f32[3]); an in-place write keeps x's shape and dtype (use the functional form to get a new tensor) (at <loc>)",
    run: () => trace((x, y) => x.addInPlace(y), [spec([3]), m23]) },
  { id: "E117", title: "an in-place write of a fraction into an integer tensor", error: "ShapeError",
    message: "mulInPlace: x * 0.5 (a fraction) does not fit x (i32[3]); an in-place write keeps x's shape and dtype (use the functional form to get a new tensor) (at <loc>)",
    run: () => trace((n) => n.mulInPlace(0.5), [spec([3], "i32")]) },
  { id: "E118", title: "an in-place write to a captured tensor", error: "ShapeError",
    message: "addInPlace: tensor %0 (f32[3]) belongs to an enclosing function's trace (it was captured); a traced function cannot write to it. Use the functional form (t.add, t.mul, ...) instead (at <loc>)",
    run: () => trace((x) => grad((y: Tensor) => t.sum(t.mul(y, x.addInPlace(1))))(x), [spec([3])]) },
];

/** The traced function itself (E2xx). */
export const traceCases: ErrorCase[] = [
  { id: "E201", title: "a function that returns a number", error: "TraceError",
    message: "the traced function returned the number 3 at result; it must return a tensor, or an array or object of tensors (at <loc>)",
    run: () => trace(() => 3, []) },
  { id: "E202", title: "a result tree with a non-tensor leaf", error: "TraceError",
    message: 'the traced function returned the string "done" at result.status; it must return a tensor, or an array or object of tensors (at <loc>)',
    run: one((x) => ({ y: t.neg(x), status: "done" })) },
  { id: "E203", title: "data-dependent control flow (reading a value while tracing)", error: "TraceError",
    message: "the value of tensor %1 (f32[]) was requested while tracing (at <loc>). Adjoint traces your function once into a static graph, so tensor values are not known yet. Use t.where(cond, a, b) or masking instead of if/else on tensor values, and read results from step.run().",
    run: one((x) => ((t.sum(x) as unknown as number) > 0 ? x : t.neg(x))) },
  { id: "E204", title: "item() while tracing", error: "TraceError",
    message: "item() of tensor %0 (f32[2,3]) was requested while tracing (at <loc>). Adjoint traces your function once into a static graph, so tensor values are not known yet. Use t.where(cond, a, b) or masking instead of if/else on tensor values, and read results from step.run().",
    run: one((x) => x.item()) },
  { id: "E205", title: "a tensor op outside any trace", error: "TraceError",
    message: "full: no active trace; call tensor ops inside a function given to trace(), grad() or compile()",
    run: () => t.full([2], 1) },
  { id: "E206", title: "a tensor that leaked out of a finished trace", error: "ShapeError",
    message: "neg: operand %1 belongs to a trace that has already finished; tensors cannot leak out of the function that made them (at <loc>)",
    run: () => { trace((x) => (leaked = t.exp(x)), [m23]); return t.neg(leaked!); } },
  { id: "E207", title: "a leaked tensor mixed into another trace", error: "ShapeError",
    message: "add: operand %1 belongs to another trace; tensors cannot leak out of the function that made them (at <loc>)",
    run: () => { trace((x) => (leaked = t.exp(x)), [m23]); return trace((y) => t.add(y, leaked!), [m23]); } },
  { id: "E208", title: "checkpoint(f) called outside a trace", error: "AdjointError",
    message: "checkpoint(f): called outside a trace; call it inside a traced function (grad, compile, trace)",
    run: () => checkpoint((x: number) => x)(1) },
];

const sumOf = (x: Tensor) => t.sum(t.tanh(x));

/** Differentiation (E3xx). */
export const adCases: ErrorCase[] = [
  { id: "E301", title: "grad of a non-scalar function", error: "AdjointError",
    message: "grad: the function must return one f32 scalar (f32[]), but it returned f32[2,3] (at <loc>). Reduce it first (t.sum, t.mean), or use vjp(f, ...) with a cotangent for non-scalar outputs",
    run: () => trace(grad((x: Tensor) => t.tanh(x)), [m23]) },
  { id: "E302", title: "grad with respect to an integer input", error: "AdjointError",
    message: "vjp: cannot differentiate with respect to argument 1 ('arg1', i32[3]): only f32 inputs have gradients",
    run: () => trace(grad((x: Tensor, n: Tensor) => t.sum(t.mul(x, n)), { argnums: 1 }), [spec([3]), spec([3], "i32")]) },
  { id: "E303", title: "argnums out of range", error: "AdjointError", message: "vjp: argnums 2 is out of range; the function takes 2 arguments",
    run: () => trace(grad((x: Tensor, y: Tensor) => t.sum(t.mul(x, y)), { argnums: 2 }), [spec([3]), spec([3])]) },
  { id: "E304", title: "jvp with fewer tangents than primals", error: "AdjointError", message: "jvp: 1 primals but 0 tangents",
    run: one((x) => jvp(sumOf, [x], [])) },
  { id: "E305", title: "jvp with a tangent of another type", error: "AdjointError", message: "jvp: tangent 0 is f32[3] but its primal is f32[2,3]",
    run: () => trace((x, v) => jvp(sumOf, [x], [v]), [m23, spec([3])]) },
  { id: "E306", title: "a vjp function given the wrong number of cotangents", error: "AdjointError", message: "vjp: the function has 1 outputs but 0 cotangents were given",
    run: one((x) => vjp(sumOf, x)[1]()) },
  { id: "E307", title: "jacfwd of a function with two outputs", error: "AdjointError", message: "jacfwd: the function must return one tensor, got 2",
    run: one((x) => jacfwd((y: Tensor) => [y, y] as never)(x)) },
  { id: "E308", title: "customVjp whose fwd does not return [output, residuals]", error: "AdjointError",
    message: "customVjp(square): fwd must return [output, residuals] with one output tensor",
    run: one((x) => customVjp(function square(y: Tensor) { return t.mul(y, y); }, () => [3, []] as never, (_r, ct) => [ct])(x)) },
  { id: "E309", title: "gradcheck of a function without f32 inputs", error: "AdjointError", message: "gradcheck: no f32 inputs to check",
    run: () => gradcheck((n: Tensor) => t.sum(t.cast(n, "f32")), [Int32Array.from([1, 2])]) },
];
