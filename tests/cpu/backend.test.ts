// The CPU executor behind the Backend contract, and its run-time options.
import { describe, expect, it } from "vitest";
import { spec, t, trace } from "@adjoint/ir";
import { interpret } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { cpuBackend, lowerCpu, nativeGemmStatus } from "@adjoint/backend-cpu";
import { compile } from "adjoint";
import { naivePlan } from "./naive-plan";
import { expectBitwise, tensor } from "./util";

describe("cpu backend", () => {
  it("lowers a plan through the Backend contract", async () => {
    const backend = cpuBackend();
    expect(backend.name).toBe("cpu");
    expect(backend.capabilities.fusion).toBe(true);
    const g = trace((x) => t.softmax(x), [spec([2, 3])]);
    const x = tensor("f32", [2, 3], [1, 2, 3, -1, 0, 1]);
    const program = await backend.lower(planKernels(fuseKernels(g), { alignment: backend.capabilities.alignment }), {});
    expect(program.kernels).toBeGreaterThan(0);
    expectBitwise((await program.run([x]))[0], interpret(g, [x])[0]);
    program.dispose();
  });

  it("checkNumerics names the op that produced an infinity, not the ones that pass it on", () => {
    const g = trace((x) => t.neg(t.log(x)), [spec([3])]);
    const loc = { file: "model.ts", line: 7, col: 1 };
    const h = { ...g, nodes: g.nodes.map((n) => (n.op === "log" ? { ...n, loc } : n)) };
    const exe = lowerCpu(naivePlan(h), { checkNumerics: true });
    expect(() => exe.run([tensor("f32", [3], [1, 0, 2])])).toThrow(/kernel 0 produced -Infinity at element 1 of log %\d+ \(at model.ts:7\)/);
    // a NaN that comes in with the input is passed on, not flagged
    expect(exe.run([tensor("f32", [3], [1, NaN, 2])])[0].data[1]).toBeNaN();
    exe.dispose();
  });

  it("profiles every kernel when asked", () => {
    const g = trace((x) => t.sum(t.exp(x)), [spec([64])]);
    const exe = lowerCpu(naivePlan(g), { profile: true });
    exe.run([tensor("f32", [64], new Array(64).fill(0.5))]);
    const prof = exe.profile();
    expect(prof.map((p) => p.kind)).toEqual(["elementwise", "reduce"]);
    expect(prof.every((p) => p.ms >= 0)).toBe(true);
    exe.dispose();
  });

  it("tells the compile report which GEMM the matmuls run, and how many kernels are SIMD", async () => {
    const f = (x: Parameters<typeof t.tanh>[0], w: Parameters<typeof t.tanh>[0]) => t.sum(t.tanh(t.matmul(x, w)));
    const specs = [spec([8, 16]), spec([16, 4])];
    const wasm = await compile(f, specs, { backend: cpuBackend({ nativeGemm: false }) });
    expect(wasm.report.backendNotes[0]).toMatch(/^matmuls: wasm SIMD 4×8( FMA)? GEMM/);
    expect(wasm.report.backendNotes).toContain("threads: 1");
    expect(wasm.report.backendNotes.some((n) => /^\d+ of \d+ kernels as wasm SIMD \(\d+ functions\)$/.test(n))).toBe(true);
    wasm.dispose();
    const status = nativeGemmStatus();
    const dflt = await compile(f, specs, { backend: "cpu" });
    expect(dflt.report.backendNotes[0]).toMatch(status.available ? /^matmuls: native (AVX-512|AVX2|128-bit) \d+×\d+ GEMM$/ : /no native GEMM: /);
    dflt.dispose();
    // no matmul, no GEMM line
    const plain = await compile((x: Parameters<typeof t.tanh>[0]) => t.sum(t.exp(x)), [spec([8])], { backend: "cpu" });
    expect(plain.report.backendNotes.some((n) => n.startsWith("matmuls:"))).toBe(false);
    plain.dispose();
  });
});
