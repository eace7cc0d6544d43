// The WebGPU backend (Dawn; SwiftShader in CI) passes the suite every backend runs.
import "./webgpu/swiftshader-env";
import { describeConformance } from "./conformance";

// sin/cos on SwiftShader are off by up to 2e-5 (docs/webgpu.md, "Tolerances")
describeConformance("webgpu", { rtol: 1e-4 });
