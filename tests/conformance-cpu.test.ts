// The CPU backend as registered (fastMath on: SIMD kernels, fast transcendentals) passes the suite
// every backend runs; tests/cpu/exact-conformance.test.ts runs it with fastMath off.
import { describeConformance } from "./conformance";

describeConformance("cpu", { rtol: 1e-5 });
