/**
 * Finding a GPU: the `GPU` object (navigator.gpu in a browser, Dawn in Node), an adapter,
 * and a device asked for the adapter's own limits rather than the spec's defaults.
 */
import { AdjointError } from "@adjoint/ir";
import { limitsOf, requiredLimitsFrom, type WebGpuLimits } from "./limits";

/** The part of the `GPU` object the backend uses: injectable, so tests can fake "no adapter". */
export interface GpuLike {
  requestAdapter(options?: GPURequestAdapterOptions): Promise<GPUAdapter | null>;
}

/** Options of `acquireDevice`. */
export interface DeviceOptions {
  /** The GPU to use; default: `navigator.gpu` in a browser, else Dawn from the `webgpu` package. */
  readonly gpu?: GpuLike;
  readonly powerPreference?: GPUPowerPreference;
}

/** A device with the limits it was created with. */
export interface AcquiredDevice {
  readonly device: GPUDevice;
  readonly limits: WebGpuLimits;
  readonly adapterInfo: string;
}

const NO_ADAPTER =
  "WebGPU: no adapter found. Install a GPU driver with Vulkan, Metal or D3D12 support, or, on a machine " +
  "without a GPU, use SwiftShader's Vulkan driver (Debian: `apt-get install -y chromium libvulkan1`, then run with " +
  "VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp); in a browser, serve the page " +
  "from https or http://localhost and enable WebGPU (Chromium: --enable-unsafe-webgpu). Or choose backend \"cpu\".";

/** The default GPU: the browser's, or one Dawn instance shared by the whole Node process. */
async function defaultGpu(): Promise<GpuLike> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const { nodeGpu } = await import("./node-gpu");
  return nodeGpu();
}

/**
 * Requests an adapter and a device with the adapter's limits. Throws a clear error (what to
 * install) when there is no adapter. Uncaptured device errors are kept from printing to
 * stdout: the backend reports its own errors through error scopes.
 */
export async function acquireDevice(opts: DeviceOptions = {}): Promise<AcquiredDevice> {
  const gpu = opts.gpu ?? (await defaultGpu());
  const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  if (!adapter) throw new AdjointError(NO_ADAPTER);
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits: requiredLimitsFrom(adapter.limits) });
  } catch (e) {
    throw new AdjointError(`WebGPU: the adapter refused a device with its own limits: ${(e as Error).message}`);
  }
  device.addEventListener("uncapturederror", (ev) => ev.preventDefault());
  const info = adapter.info;
  const adapterInfo = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ") : "";
  return { device, limits: limitsOf(device.limits), adapterInfo: adapterInfo || "unknown adapter" };
}

/** What adapter this process would get, without creating a device. */
export interface AdapterProbe {
  readonly found: boolean;
  /** A software adapter (SwiftShader, llvmpipe): slower than the CPU backend. */
  readonly software: boolean;
  readonly info: string;
}

let probed: Promise<AdapterProbe> | undefined;

/** Looks for an adapter once per process (used to pick the default backend); never throws. */
export function probeAdapter(opts: DeviceOptions = {}): Promise<AdapterProbe> {
  probed ??= (async () => {
    try {
      const gpu = opts.gpu ?? (await defaultGpu());
      const adapter = await gpu.requestAdapter();
      if (!adapter) return { found: false, software: false, info: "" };
      const info = adapter.info;
      const text = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ") : "";
      const software = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|software/i.test(text);
      return { found: true, software, info: text };
    } catch {
      return { found: false, software: false, info: "" };
    }
  })();
  return probed;
}
