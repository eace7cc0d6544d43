// WGSL generation and binding layouts, with no device: what each kernel binds (read-only
// inputs, read_write arena), offsets below the binding alignment, merged ranges, bool stores
// through atomics, index arithmetic, 2-D grids, semantics helpers, and the op table.
import { describe, expect, it } from "vitest";
import { OP_NAMES, spec, t, trace, type Tensor } from "@adjoint/ir";
import { DEFAULT_LIMITS, WGSL_OPS, capabilitiesOf, generatePlan } from "@adjoint/backend-webgpu";
import { bumpPlan, loopKernels, simplePlan } from "./plans";
import { cpuBlock, tileOf } from "../../packages/backend-webgpu/src/wgsl/matmul-cpu";

const codeOf = (fn: (...xs: Tensor[]) => unknown, specs: ReturnType<typeof spec>[], opts = {}) =>
  generatePlan(simplePlan(trace(fn as never, specs)), opts).kernels.map((k) => k.code);

describe("binding layouts", () => {
  it("binds inputs read-only and the arena read_write, one binding per value", () => {
    const g = trace((x: Tensor, y: Tensor) => t.exp(t.add(x, y)), [spec([10]), spec([10])]);
    const [add, exp] = generatePlan(simplePlan(g)).kernels.map((k) => k.bindings.bindings);
    expect(add).toEqual([
      // ends rounded up to 16 bytes, so four-wide loads of the last elements stay inside
      { buffer: "arena", offset: 0, size: 48, write: true, atomic: false },
      { buffer: "input0", offset: 0, size: 48, write: false, atomic: false },
      { buffer: "input1", offset: 0, size: 48, write: false, atomic: false },
    ]);
    // exp reads the arena and writes it: WebGPU allows no read-only binding of a buffer the dispatch writes
    expect(exp.map((b) => [b.offset, b.write])).toEqual([[0, true], [256, true]]);
  });

  it("rounds binding offsets down to the alignment and merges ranges that then overlap", () => {
    const g = trace((x: Tensor) => t.mul(t.exp(x), t.sin(x)), [spec([6])]);
    const gen = generatePlan(bumpPlan(loopKernels(g), 16));
    const mul = gen.kernels[2];
    // exp at 0, sin at 32, mul at 64 in the arena: all within one 256-byte block, so one binding
    expect(mul.bindings.bindings).toEqual([{ buffer: "arena", offset: 0, size: 96, write: true, atomic: false }]);
    expect(mul.code).toContain("bitcast<f32>(buf0[8u + i])");
    expect(mul.code).toContain("buf0[16u + i] = bitcast<u32>(");
  });

  it("stores bools through an atomic binding, a byte per element", () => {
    const code = codeOf((x: Tensor, y: Tensor) => t.gt(x, y), [spec([10]), spec([10])])[0];
    expect(code).toMatch(/var<storage, read_write> buf0: array<atomic<u32>>/);
    expect(code).toContain("atomicAnd(&buf0[byte >> 2u], ~(0xffu << sh))");
  });
});

describe("WGSL text", () => {
  it("reads dense operands with no index arithmetic and transposed ones with div/mod by baked sizes", () => {
    const [code] = codeOf((x: Tensor, y: Tensor) => t.add(x, t.transpose(y)), [spec([4, 5]), spec([5, 4])]);
    expect(code).toContain("bitcast<f32>(buf1[i])");
    expect(code).toContain("bitcast<f32>(buf2[(i / 5u) + (i % 5u) * 4u])");
  });

  it("spells non-finite constants through private variables, never as constant expressions", () => {
    const [code] = codeOf((x: Tensor) => t.add(x, Infinity), [spec([3])]);
    expect(code).toContain("fn INF_F32() -> f32 { return bitcast<f32>(INF_BITS); }");
    expect(code).not.toMatch(/const \w+ = bitcast<f32>\(0x7f8/);
  });

  it("uses the reference-semantics helpers: NaN-propagating max, trap-free i32 division, ToInt32 casts", () => {
    expect(codeOf((x: Tensor) => t.maximum(x, x), [spec([3])]).join()).toContain("max_f32(");
    expect(codeOf((x: Tensor) => t.div(x, x), [spec([3], "i32")]).join()).toContain("fn div_i32(a: i32, b: i32) -> i32 {\n  if (b == 0) { return 0; }");
    expect(codeOf((x: Tensor) => t.cast(x, "i32"), [spec([3])]).join()).toContain("f32_to_i32(");
  });

  it("gives large elementwise domains several elements per thread", () => {
    const [code] = codeOf((x: Tensor) => t.exp(x), [spec([1 << 20])]);
    expect(code).toContain("for (var e = 0u; e < 4u; e++)");
  });

  it("folds the workgroup id over two dimensions past the per-dimension limit", () => {
    const limits = { ...DEFAULT_LIMITS, maxComputeWorkgroupsPerDimension: 100 };
    const gen = generatePlan(simplePlan(trace((x: Tensor) => t.exp(x), [spec([256 * 250])])), { limits });
    expect(gen.kernels[0].grid.workgroups).toEqual([100, 3, 1]);
    expect(gen.kernels[0].code).toContain("let wg = wid.x + wid.y * 100u;\n  if (wg >= 250u) { return; }");
  });

  it("tiles matmul through workgroup memory, or reads directly; the default picks direct where four-wide loads apply", () => {
    const fn = (a: Tensor, b: Tensor) => t.matmul(a, b);
    const [tiled] = codeOf(fn, [spec([64, 64]), spec([64, 64])], { matmul: "tiled" });
    expect(codeOf(fn, [spec([64, 64]), spec([64, 64])])[0]).not.toContain("workgroupBarrier");
    expect(codeOf(fn, [spec([100, 37]), spec([37, 129])])[0]).toContain("workgroupBarrier");
    const [direct] = codeOf(fn, [spec([64, 64]), spec([64, 64])], { matmul: "direct" });
    expect(tiled).toContain("var<workgroup> As: array<f32, 1024>;");
    expect(tiled).toContain("c33 = c33 + a3 * b3;");
    expect(direct).not.toContain("workgroupBarrier");
    // 64-wide, 16-byte aligned rows: the direct loop reads both operands as vec4s
    expect(direct).toContain("array<vec4<u32>>");
    expect(direct).toMatch(/let a0 = bitcast<vec4<f32>>\(buf\d\[\(ri0 \* 64u \+ kk\) \/ 4u\]\);/);
    // a transposed A (k not contiguous) is read four scalars at a time
    const [directT] = codeOf((a: Tensor, b: Tensor) => t.matmul(t.transpose(a), b), [spec([64, 64]), spec([64, 64])], { matmul: "direct" });
    expect(directT).toMatch(/let a0 = vec4<f32>\(bitcast<f32>\(buf\d\[/);
  });

  it("the cpu matmul loop reads scalars from per-operand bases plus running k offsets, with no barriers or vec4s", () => {
    const fn = (a: Tensor, b: Tensor) => t.matmul(a, b);
    const [cpu] = codeOf(fn, [spec([64, 64]), spec([64, 66])], { matmul: "cpu", cpu: true });
    expect(cpu).not.toContain("workgroupBarrier");
    expect(cpu).not.toContain("vec4");
    // 4x4 block per thread, k unrolled by 4: A at its row base + ka (+1..3), B at its column base + kb (+66 per k)
    expect(cpu).toMatch(/let a3_3 = bitcast<f32>\(buf\d\[pa3 \+ ka \+ 3u\]\);/);
    expect(cpu).toMatch(/let b0_1 = bitcast<f32>\(buf\d\[pb0 \+ kb \+ 66u\]\);/);
    expect(cpu).toContain("c33 = c33 + (a3_0 * b3_0 + a3_1 * b3_1 + a3_2 * b3_2 + a3_3 * b3_3);");
    expect(cpu).toContain("kb += 264u;");
    // a transposed B (k contiguous) steps kb by 4
    const [cpuT] = codeOf((a: Tensor, b: Tensor) => t.matmul(a, t.transpose(b)), [spec([64, 64]), spec([64, 64])], { matmul: "cpu", cpu: true });
    expect(cpuT).toContain("kb += 4u;");
  });

  it("the cpu loop's block: 16×8 outputs per thread when large, thin blocks for thin outputs, a few workgroups at least", () => {
    expect(cpuBlock(1024, 1024)).toMatchObject({ rm: 16, cn: 8 });
    expect(cpuBlock(130, 1).cn).toBe(1); // one output column: no threads on clamped duplicates
    expect(cpuBlock(1, 200).rm).toBe(1);
    for (const [m, n, b] of [[128, 128, 1], [64, 64, 1], [32, 32, 8]]) {
      const { tm, tn } = tileOf(cpuBlock(m, n, b));
      expect(b * Math.ceil(m / tm) * Math.ceil(n / tn)).toBeGreaterThanOrEqual(4);
    }
  });

  it("names values by kernel-local numbers and comments each with its position, so repeated layers share code", () => {
    const layer = (h: Tensor, w: Tensor) => t.tanh(t.matmul(h, w));
    const g = trace((x: Tensor, w1: Tensor, w2: Tensor, w3: Tensor) => layer(layer(layer(x, w1), w2), w3), [spec([8, 16]), spec([16, 16]), spec([16, 16]), spec([16, 16])]);
    const codes = generatePlan(simplePlan(g)).kernels.map((k) => k.code);
    expect(codes[2]).toBe(codes[4]); // layers 2 and 3's matmuls (layer 1 reads an input buffer, bound read-only)
    expect(new Set([codes[1], codes[3], codes[5]]).size).toBe(1); // the tanh kernels
    expect(codes[1]).toMatch(/let v1: f32 = tanh_f32\(l0\); \/\/ #0 tanh/);
  });

  it("splits a few very long reductions over many workgroups, then folds the partials", () => {
    const [sum] = generatePlan(simplePlan(trace((x: Tensor) => t.sum(x), [spec([100_000])]))).kernels;
    expect(sum.dispatches.length).toBe(2);
    expect(sum.dispatches[0].grid.workgroups[0]).toBe(25);
    expect(sum.dispatches[0].code).toContain("atomicStore(&status[");
    expect(sum.dispatches[1].grid.workgroups[0]).toBe(1);
  });
});

describe("tables and capabilities", () => {
  it("has a lowering for every op", () => {
    expect(OP_NAMES.filter((op) => !(op in WGSL_OPS))).toEqual([]);
  });
  it("keeps one storage binding back for the status buffer", () => {
    expect(capabilitiesOf(DEFAULT_LIMITS)).toMatchObject({ maxBuffersPerKernel: 7, alignment: 256, maxBindingBytes: 128 * 1024 * 1024 });
  });
});
