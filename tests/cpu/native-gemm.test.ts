// The native GEMM (packages/backend-cpu/src/fast/native): built here with the system's C
// compiler (.ci/run installs one), checked against the interpreter on edge shapes, every
// transpose, batches and epilogues; two threads give one thread's bits; and records that
// would reach outside the arena are refused with an error instead of touching memory.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { spec, t, trace } from "@adjoint/ir";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { buildNativeGemm, interpret, lowerCpu, nativeGemmStatus } from "@adjoint/backend-cpu";
import { expectBitwise, expectClose, planOf, random, transposedMatmulCase } from "./util";

const status = nativeGemmStatus();

/** C = op(A) @ op(B) as one matmul kernel reading the stored operands through strides. */
const matmulCase = (m: number, n: number, k: number, ta: boolean, tb: boolean) => transposedMatmulCase(m, n, k, ta, tb, [7 * m + k, 11 * n + k]);

describe("the native GEMM", () => {
  it("builds and loads on this machine", () => {
    expect(status.available, status.available ? "" : status.reason).toBe(true);
  });

  describe.runIf(status.available)("once built", () => {
    const gemm = status.available ? status.gemm : undefined!;
    const { mr, nr, kc } = gemm.info;

    it("matches the interpreter on edge shapes in every transpose combination", () => {
      const shapes: [number, number, number][] = [[1, 1, 1], [mr - 1, nr + 1, 3], [mr + 1, nr - 1, kc + 7], [2 * mr + 3, 2 * nr + 5, 1], [37, 3, 2 * kc + 1]];
      for (const [m, n, k] of shapes) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            const { g, kernel, inputs } = matmulCase(m, n, k, ta, tb);
            const exe = lowerCpu(planOf(g, [kernel]));
            expect(exe.gemm).toMatch(/^native /);
            expectClose(exe.run(inputs)[0], interpret(g, inputs)[0], 1e-5, `${m}×${k} @ ${k}×${n} ta ${ta} tb ${tb}`);
            exe.dispose();
          }
        }
      }
    });

    it("runs batched matmuls with a broadcast operand and a fused epilogue", () => {
      const g = trace((x, w, b) => t.relu(t.add(t.matmul(x, w), b)), [spec([3, 40, 50]), spec([50, 70]), spec([70])]);
      const inputs = [random([3, 40, 50], 1), random([50, 70], 2), random([70], 3)];
      for (const threads of [1, 2]) {
        const exe = lowerCpu(planKernels(fuseKernels(g)), { threads });
        expect(exe.gemm).toMatch(/^native /);
        expectClose(exe.run(inputs)[0], interpret(g, inputs)[0], 1e-5, `threads ${threads}`);
        exe.dispose();
      }
    });

    it("gives one thread's bits on two threads, splitting rows or columns", () => {
      // rows split when m >= n, columns otherwise; both above the 4 Mflop split threshold
      for (const [m, n, k] of [[300, 260, 200], [100, 700, 90]]) {
        const g = trace((a, b) => t.matmul(a, b), [spec([m, k]), spec([k, n])]);
        const plan = planKernels(fuseKernels(g));
        const inputs = [random([m, k], m), random([k, n], n)];
        const one = lowerCpu(plan), two = lowerCpu(plan, { threads: 2 });
        const want = one.run(inputs)[0];
        for (let r = 0; r < 3; r++) expectBitwise(two.run(inputs)[0], want, `${m}×${k} @ ${k}×${n}, run ${r}`);
        expectClose(want, interpret(g, inputs)[0], 1e-5, `${m}×${k} @ ${k}×${n}`);
        one.dispose();
        two.dispose();
      }
    });

    it("refuses records that reach outside the arena, and malformed arguments, with an error", () => {
      const F = new Float32Array(16);
      // a 4×4 product whose C starts at byte 32: its last row ends at byte 96 > 64
      const record = (c: number) => new Int32Array([4, 4, 4, 0, 16, 4, 0, 16, 4, c, 16]);
      expect(() => gemm.gemm(F, record(32), 0, 1, 1)).toThrow(/task 0 \(4x4 by 4x4\) reaches outside the 64-byte arena/);
      expect(() => gemm.gemm(F, record(0), 0, 2, 1)).toThrow(/task range outside the records/);
      expect(() => gemm.gemm(new Int32Array(16) as unknown as Float32Array, record(0), 0, 1, 1)).toThrow(/F must be a Float32Array/);
      // a negative stride that walks below the arena's start
      expect(() => gemm.gemm(F, new Int32Array([4, 4, 4, 0, -16, 4, 0, 16, 4, 0, 16]), 0, 1, 1)).toThrow(/reaches outside/);
    });

    it("serves JavaScript threads calling at once: each gets its own product, none waits forever", async () => {
      // three worker threads and this one each run a 150×120 @ 120×130 product 30 times on 2
      // native threads; one thread holds the helpers at a time, the others run alone
      const [m, k, n] = [150, 120, 130];
      const source = `
        const { parentPort, workerData } = require("node:worker_threads");
        const { gemm } = require(workerData.file);
        const F = new Float32Array(workerData.buffer);
        const tasks = new Int32Array(workerData.record);
        for (let r = 0; r < 30; r++) gemm(F, tasks, 0, 1, 2);
        parentPort.postMessage("done");`;
      const arenas = Array.from({ length: 4 }, (_, w) => {
        const buffer = new SharedArrayBuffer(4 * (m * k + k * n + m * n));
        const F = new Float32Array(buffer);
        F.set(random([m * k + k * n], 100 + w).data as Float32Array);
        return { buffer, F };
      });
      const record = [m, n, k, 0, 4 * k, 4, 4 * m * k, 4 * n, 4, 4 * (m * k + k * n), 4 * n];
      const workers = arenas.slice(1).map(({ buffer }) => new Worker(source, { eval: true, workerData: { file: gemm.file, buffer, record } }));
      const finished = workers.map((w) => new Promise((ok, fail) => (w.once("message", ok), w.once("error", fail))));
      for (let r = 0; r < 30; r++) gemm.gemm(arenas[0].F, Int32Array.from(record), 0, 1, 2);
      await Promise.all(finished);
      await Promise.all(workers.map((w) => w.terminate()));
      for (const [w, { F }] of arenas.entries()) {
        // against one thread's product of the same operands, bit for bit
        const alone = Float32Array.from(F);
        gemm.gemm(alone, Int32Array.from(record), 0, 1, 1);
        const at = m * k + k * n;
        expect(Array.from(F.subarray(at, at + m * n)), `arena ${w}`).toEqual(Array.from(alone.subarray(at, at + m * n)));
      }
    });

    it("loads code only from a cache folder no one else may write to", () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-open-"));
      chmodSync(dir, 0o777);
      const before = process.env.ADJOINT_CACHE_DIR;
      process.env.ADJOINT_CACHE_DIR = dir;
      try {
        expect(() => buildNativeGemm()).toThrow(/others may write to it; set ADJOINT_CACHE_DIR/);
      } finally {
        if (before === undefined) delete process.env.ADJOINT_CACHE_DIR;
        else process.env.ADJOINT_CACHE_DIR = before;
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("writes zeros for k = 0 and leaves empty products alone", () => {
      const F = new Float32Array(16).fill(7);
      gemm.gemm(F, new Int32Array([2, 3, 0, 0, 0, 4, 0, 12, 4, 0, 12]), 0, 1, 2);
      expect(Array.from(F.subarray(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
      expect(F[6]).toBe(7);
      gemm.gemm(F, new Int32Array([0, 3, 5, 0, 0, 4, 0, 12, 4, 0, 12]), 0, 1, 2);
      expect(F[0]).toBe(0);
    });
  });
});
