// Imported first by the WebGPU tests and scripts (the entry edge, where the environment is
// read): without VK_ICD_FILENAMES, point Vulkan at SwiftShader from Debian's chromium package,
// before Dawn creates its instance. ADJOINT_WEBGPU_NATIVE=1 keeps the machine's own driver.
import { existsSync } from "node:fs";

const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";
if (!process.env.VK_ICD_FILENAMES && !process.env.ADJOINT_WEBGPU_NATIVE && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER;
  process.env.XDG_RUNTIME_DIR ??= "/tmp";
}
