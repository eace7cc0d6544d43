/**
 * Builds the CPU backend's native GEMM for this machine into its cache (fast/native/build.ts),
 * so the first lowering of a matmul loads it instead of compiling it.
 *
 *   npm run build:native              fails (exit 1) where it cannot be built
 *   npm run build:native -- --optional  says why and exits 0 (npm's postinstall: the backend
 *                                       then runs the WebAssembly GEMM)
 */
import { buildNativeGemm, nativeCacheDir } from "./build";

const optional = process.argv.includes("--optional");
try {
  const t0 = performance.now();
  const g = buildNativeGemm();
  const { vectorBits, mr, nr } = g.info;
  console.log(`adjoint: native GEMM (${vectorBits}-bit vectors, ${mr}×${nr} tile) ready in ${(performance.now() - t0).toFixed(0)} ms: ${g.file}`);
} catch (e) {
  console.error(`adjoint: no native GEMM in ${nativeCacheDir()} (${(e as Error).message}); matmuls will run the WebAssembly GEMM`);
  process.exitCode = optional ? 0 : 1;
}
