// The backend conformance suite (every op, fused pattern and gradient, checkpointed too) on the
// CPU backend with fastMath off: JavaScript loops that round every f32 op as the interpreter
// does and call Math.* (the registered "cpu" backend has fastMath on; conformance-cpu.test.ts),
// and matmuls on the WebAssembly GEMM (the registered one uses the native GEMM where it builds).
// Integers and booleans must match exactly; f32 results within rtol·(1 + |expected|).
import { registerBackend } from "adjoint";
import { cpuBackend } from "@adjoint/backend-cpu";
import { describeConformance } from "../conformance";

registerBackend("cpu-exact", () => cpuBackend({ fastMath: false, nativeGemm: false }));
describeConformance("cpu-exact", { rtol: 1e-5 });
