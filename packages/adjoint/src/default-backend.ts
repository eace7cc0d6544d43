import { probeAdapter } from "@adjoint/backend-webgpu";
import { backendNames } from "./backends";

/**
 * The backend a compile without `backend` gets: "webgpu" when a hardware adapter exists, else
 * "cpu". A software adapter (SwiftShader, as in CI) is slower than the CPU backend, so it is
 * used only when asked for by name.
 */
export async function defaultBackendName(): Promise<string> {
  const names = backendNames();
  if (names.includes("webgpu")) {
    const probe = await probeAdapter();
    if (probe.found && !probe.software) return "webgpu";
  }
  return names.includes("cpu") ? "cpu" : "interpret";
}
