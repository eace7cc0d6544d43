import { existsSync, readdirSync } from "node:fs";
import { probeAdapter } from "@adjoint/backend-webgpu";
import { backendNames } from "./backends";

/**
 * Whether this process could have a hardware GPU at all. On Linux a GPU shows up as a device
 * node; without one, loading Dawn only to find a software adapter costs time and prints
 * driver warnings, so it is skipped. Browsers and other systems are probed.
 */
function mayHaveGpu(): boolean {
  if (typeof process === "undefined" || process.platform !== "linux") return true;
  const dri = existsSync("/dev/dri") && readdirSync("/dev/dri").some((f) => f.startsWith("renderD"));
  return dri || existsSync("/dev/nvidia0");
}

/**
 * The backend a compile without `backend` gets: "webgpu" when a hardware adapter exists, else
 * "cpu". A software adapter (SwiftShader, as in CI) is slower than the CPU backend, so it is
 * used only when asked for by name.
 */
export async function defaultBackendName(): Promise<string> {
  const names = backendNames();
  if (names.includes("webgpu") && mayHaveGpu()) {
    const probe = await probeAdapter();
    if (probe.found && !probe.software) return "webgpu";
  }
  return names.includes("cpu") ? "cpu" : "interpret";
}
