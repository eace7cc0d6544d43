/**
 * The native GEMM (gemm.c) compiled for this machine and loaded as a Node addon, as
 * tinygrad's CPU backend and TorchInductor's C++ backend compile their kernels with the
 * system compiler: `-O3 -march=native`, so the micro-kernel gets the CPU's widest vectors
 * (AVX-512 or AVX2 with FMA; WebAssembly stops at 128 bits). Built once per machine into a
 * cache directory keyed by a hash of the source, flags and CPU, then loaded in about a
 * millisecond; `npm run build:native` builds it ahead of the first lowering.
 *
 * Where there is no C compiler or no Node headers, or with ADJOINT_NATIVE=0, the backend
 * keeps the WebAssembly GEMM and `nativeGemmStatus()` says why.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The compiled kernel's shape, as `info()` in gemm.c reports it. */
export interface NativeGemmInfo {
  readonly vectorBits: number;
  readonly mr: number;
  readonly nr: number;
  readonly kc: number;
  readonly mc: number;
  readonly nc: number;
}

/** The loaded addon. */
export interface NativeGemm {
  /** Runs task records [first, first + count) of `tasks` (see TASK in wasm/gemm-runtime.ts) on `F`'s buffer with up to `threads` threads. */
  gemm(F: Float32Array, tasks: Int32Array, first: number, count: number, threads: number): void;
  readonly info: NativeGemmInfo;
  /** The shared object loaded. */
  readonly file: string;
}

export type NativeGemmStatus = { readonly available: true; readonly gemm: NativeGemm } | { readonly available: false; readonly reason: string };

const SOURCE = fileURLToPath(new URL("./gemm.c", import.meta.url));
const FLAGS = ["-O3", "-march=native", "-std=gnu11", "-shared", "-fPIC", "-fvisibility=hidden", "-pthread"];

/** The Node-API headers of the node-api-headers package (a dependency), so no system headers are needed. */
function packagedHeaders(): string | undefined {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve("node-api-headers/package.json")), "include");
  } catch {
    return undefined;
  }
}

/** A directory holding node_api.h: the packaged headers, else those installed beside Node's binary or by node-gyp. */
function nodeHeaders(): string | undefined {
  const candidates = [
    process.env.ADJOINT_NODE_HEADERS,
    packagedHeaders(),
    path.resolve(path.dirname(process.execPath), "..", "include", "node"),
    path.join(os.homedir(), ".cache", "node-gyp", process.versions.node, "include", "node"),
  ];
  return candidates.find((d) => d && existsSync(path.join(d, "node_api.h")));
}

/** Where built addons live: ADJOINT_CACHE_DIR, else a per-user directory under the system's temporary one. */
export function nativeCacheDir(): string {
  return process.env.ADJOINT_CACHE_DIR ?? path.join(os.tmpdir(), `adjoint-cache-${os.userInfo().uid}`);
}

function load(file: string): NativeGemm {
  const addon = createRequire(import.meta.url)(file) as { gemm: NativeGemm["gemm"]; info: () => string };
  return { gemm: addon.gemm, info: JSON.parse(addon.info()) as NativeGemmInfo, file };
}

/**
 * Builds (unless already cached) and loads the native GEMM; throws with the compiler's
 * message where that fails. The file is written under a temporary name and renamed, so
 * processes building at once (test workers) never load a half-written file.
 */
export function buildNativeGemm(): NativeGemm {
  const headers = nodeHeaders();
  if (!headers) throw new Error(`no Node-API headers (node_api.h): node-api-headers is not installed, nor are headers beside ${process.execPath}; set ADJOINT_NODE_HEADERS`);
  const cc = process.env.CC ?? "cc";
  const source = readFileSync(SOURCE);
  const key = createHash("sha256")
    .update(source)
    .update([cc, headers, ...FLAGS, process.platform, process.arch, os.cpus()[0]?.model ?? ""].join("\0"))
    .digest("hex")
    .slice(0, 16);
  const dir = nativeCacheDir();
  const file = path.join(dir, `gemm-${key}.node`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // code is loaded from here: in a shared temporary folder, only from a folder no one else can write
  const st = statSync(dir), uid = process.getuid?.();
  if (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0)) {
    throw new Error(`${dir} belongs to another user or others may write to it; set ADJOINT_CACHE_DIR to a private folder`);
  }
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      execFileSync(cc, [...FLAGS, `-I${headers}`, SOURCE, "-o", tmp], { stdio: "pipe" });
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      const err = e as { stderr?: Buffer; message: string };
      const said = err.stderr?.toString().trim().split("\n").slice(0, 5).join("\n");
      throw new Error(`${cc} could not build ${SOURCE}: ${said || err.message}`);
    }
  }
  return load(file);
}

let status: NativeGemmStatus | undefined;

/** The native GEMM if this process can have it (built or loaded on the first call), else why not. */
export function nativeGemmStatus(): NativeGemmStatus {
  if (!status) {
    if (process.env.ADJOINT_NATIVE === "0") status = { available: false, reason: "turned off by ADJOINT_NATIVE=0" };
    else {
      try {
        status = { available: true, gemm: buildNativeGemm() };
      } catch (e) {
        status = { available: false, reason: (e as Error).message };
      }
    }
  }
  return status;
}

/** The native GEMM, or undefined where it is not available (see `nativeGemmStatus`). */
export const nativeGemm = (): NativeGemm | undefined => {
  const s = nativeGemmStatus();
  return s.available ? s.gemm : undefined;
};

/** A one-line description for reports: "native AVX-512 14×32" and the like. */
export const describeNativeGemm = (g: NativeGemm): string =>
  `native ${g.info.vectorBits === 512 ? "AVX-512" : g.info.vectorBits === 256 ? "AVX2" : "128-bit"} ${g.info.mr}×${g.info.nr}`;
