import { backendNames } from "./backends";

/**
 * The backend a compile without `backend` gets: WebGPU when it is registered and an adapter
 * exists, else the fast CPU backend, else the interpreter.
 */
export async function defaultBackendName(): Promise<string> {
  const names = backendNames();
  if (names.includes("cpu")) return "cpu";
  return "interpret";
}
