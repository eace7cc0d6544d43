// Trace a function, differentiate it, print its IR, and run it.
// Run: npm start   (until the training demo lands, this is the main demo)
import { compile, grad, printGraph, spec, t, trace, valueAndGrad, type HostTensor, type Tensor } from "adjoint";

// A one-layer model: mean squared error of tanh(x @ w) against targets.
const loss = (w: Tensor, x: Tensor, y: Tensor) => t.mean(t.square(t.sub(t.tanh(x.matmul(w)), y)));
const specs = [spec([3, 2], "f32", "w"), spec([4, 3], "f32", "x"), spec([4, 2], "f32", "y")];

console.log("── forward graph ──");
console.log(printGraph(trace(loss, specs)));
console.log("── grad(loss) as a graph: backward nodes say which forward node they differentiate ──");
console.log(printGraph(trace(grad(loss), specs)));

const step = await compile(valueAndGrad(loss), specs, { backend: "interpret" });
const w = Float32Array.from([0.1, -0.2, 0.3, 0.4, -0.5, 0.6]);
const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
const y = Float32Array.from({ length: 8 }, (_, i) => (i % 2 ? 0.5 : -0.5));
for (let i = 0; i <= 40; i++) {
  const [value, dw] = (await step.run(w, x, y)) as [HostTensor, HostTensor];
  if (i % 10 === 0) console.log(`step ${String(i).padStart(2)}  loss ${value.data[0].toFixed(5)}`);
  dw.data.forEach((g, k) => (w[k] -= 0.5 * g));
}
console.log("report:", JSON.stringify({ ...step.report, passes: step.report.passes.map((p) => `${p.name}${p.changed ? "*" : ""}`) }));
