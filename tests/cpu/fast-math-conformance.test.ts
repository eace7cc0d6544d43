// The backend conformance suite (every op, fused pattern and gradient, checkpointed too) on the
// CPU backend with fastMath on: fast transcendentals and f32 intermediates kept in doubles
// (packages/backend-cpu/src/fast/codegen/f32-rounding.ts), against the interpreter. Integers
// and booleans must match exactly; f32 results within rtol·(1 + |expected|).
import { registerBackend } from "adjoint";
import { cpuBackend } from "@adjoint/backend-cpu";
import { describeConformance } from "../conformance";

registerBackend("cpu-fast-math", () => cpuBackend({ fastMath: true }));
describeConformance("cpu-fast-math", { rtol: 1e-5 });
