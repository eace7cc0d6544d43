// Fused multiply-add in the CPU backend's GEMM: on by default (the backend turns on V8's relaxed
// SIMD where the engine needs it, never at import), the same fused code in the worker threads,
// and `fma: false` to multiply then add. A matmul built so that fusing changes the result shows
// which one ran: with a = [-(1+2⁻¹¹), 1+2⁻¹²] and b = [1, 1+2⁻¹²], a·b = 2⁻²⁴ exactly. An FMA
// keeps it (the interpreter's f64 sum is exact too); a multiply rounds (1+2⁻¹²)² = 1+2⁻¹¹+2⁻²⁴,
// a tie, to even 1+2⁻¹¹, and the sum is 0.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { spec, t, trace, type Graph, type HostTensor } from "@adjoint/ir";
import { cpuBackend, enableFma, gemmUsesFma, interpret, lowerCpu, withGemmFma } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels, type Plan } from "@adjoint/passes";
import { expectBitwise } from "./util";

// V8 fuses relaxed_madd where the CPU has FMA (x64: the fma flag; arm64 always); elsewhere it may not
const hardwareFma = process.arch === "arm64" || (process.arch === "x64" && /\bfma\b/.test(readFileSync("/proc/cpuinfo", "utf8")));

/** A (m×k) @ B (k×n) whose every product sum is the FMA signature, scaled by 2^(i mod 7 − j mod 5); the rest of k is zeros. */
function signatureCase(m: number, n: number, k: number): { g: Graph; plan: Plan; inputs: HostTensor[] } {
  const g = trace((a, b) => t.matmul(a, b), [spec([m, k]), spec([k, n])]);
  const A = new Float32Array(m * k), B = new Float32Array(k * n);
  for (let i = 0; i < m; i++) {
    const s = 2 ** (i % 7);
    A[i * k] = -(1 + 2 ** -11) * s;
    A[i * k + 1] = (1 + 2 ** -12) * s;
  }
  for (let j = 0; j < n; j++) {
    const s = 2 ** -(j % 5);
    B[j] = s;
    B[n + j] = (1 + 2 ** -12) * s;
  }
  const inputs: HostTensor[] = [{ shape: [m, k], dtype: "f32", data: A }, { shape: [k, n], dtype: "f32", data: B }];
  return { g, plan: planKernels(fuseKernels(g)), inputs };
}

/** Every element is 0 (what a multiply then an add gives). */
function expectZeros(got: HostTensor, what: string): void {
  for (let i = 0; i < got.data.length; i++) if (got.data[i] !== 0) expect.fail(`${what} element ${i}: ${got.data[i]}, want 0 (multiply then add)`);
}

describe("fused multiply-add in the GEMM", () => {
  it("the signature case is what the header says: the interpreter gives 2⁻²⁴ scaled, nowhere 0", () => {
    const { g, inputs } = signatureCase(9, 11, 4);
    const want = interpret(g, inputs)[0];
    expect(want.data[0]).toBe(2 ** -24);
    expect(want.data[1 * 11 + 2]).toBe(2 ** -24 * 2 ** (1 - 2));
    expect(Math.fround((1 + 2 ** -12) * (1 + 2 ** -12))).toBe(1 + 2 ** -11); // the rounding the unfused path makes
  });

  it("is off at import, on once a default backend exists; `fma: false` leaves V8's flags alone (fresh process)", () => {
    const probe = `
      const bytes = () => { const { gemmModuleBytes } = m; return gemmModuleBytes({ mr: 4, nr: 8, fma: true }, { shared: false }); };
      const m = await import(${JSON.stringify(new URL("../../packages/backend-cpu/src/fast/wasm/gemm-module.ts", import.meta.url).href)});
      const atStart = WebAssembly.validate(bytes());
      const { cpuBackend } = await import("@adjoint/backend-cpu");
      const afterImport = WebAssembly.validate(bytes());
      const optOut = cpuBackend({ fma: false });
      const afterOptOut = WebAssembly.validate(bytes());
      const dflt = cpuBackend();
      const afterDefault = WebAssembly.validate(bytes());
      console.log(JSON.stringify({ atStart, afterImport, optOut: optOut.fma, afterOptOut, dflt: dflt.fma, afterDefault }));`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], { cwd: new URL("../..", import.meta.url), encoding: "utf8" });
    const r = JSON.parse(out.trim().split("\n").pop()!);
    expect(r.afterImport).toBe(r.atStart);
    expect(r.optOut).toBe(false);
    expect(r.afterOptOut).toBe(r.atStart);
    expect(r.dflt).toBe(true);
    expect(r.afterDefault).toBe(true);
    if (Number(process.versions.node.split(".")[0]) < 22) expect(r.atStart).toBe(false); // the case this option exists for
  });

  it.runIf(hardwareFma)("the default backend fuses: bit for bit the interpreter's exact sums", async () => {
    expect(enableFma()).toBe(true);
    expect(gemmUsesFma()).toBe(true);
    const backend = cpuBackend();
    expect(backend.fma).toBe(true);
    const { g, plan, inputs } = signatureCase(130, 100, 64); // edge tiles both ways
    const program = await backend.lower(plan, {});
    expectBitwise((await program.run(inputs))[0], interpret(g, inputs)[0], "default backend");
    program.dispose();
  });

  it("`fma: false` multiplies then adds: every signature sum is 0", async () => {
    const backend = cpuBackend({ fma: false });
    expect(backend.fma).toBe(false);
    const { plan, inputs } = signatureCase(130, 100, 64);
    const program = await backend.lower(plan, {});
    expectZeros((await program.run(inputs))[0], "fma: false");
    program.dispose();
    expect(withGemmFma(false, () => gemmUsesFma())).toBe(false);
  });

  it.runIf(hardwareFma)("the wasm GEMM's worker threads run the module the calling thread runs: fused, or not with `fma: false`", () => {
    // 514×516 with k = 64: large enough to split into row ranges; edge tiles in the last range
    const { g, plan, inputs } = signatureCase(514, 516, 64);
    const want = interpret(g, inputs)[0];
    for (const fma of [true, false]) {
      const exe = withGemmFma(fma, () => lowerCpu(plan, { threads: 2, nativeGemm: false }));
      // run until a worker has taken part (it starts asynchronously), checking every result:
      // a chunk a worker computed without fusing would be zeros
      for (let r = 0; r < 4 || (exe.workerChunks === 0 && r < 400); r++) {
        const got = exe.run(inputs)[0];
        if (fma) expectBitwise(got, want, `fused, run ${r}`);
        else expectZeros(got, `fma: false, run ${r}`);
      }
      expect(exe.workerChunks, `fma ${fma}`).toBeGreaterThan(0);
      exe.dispose();
    }
  });
});
