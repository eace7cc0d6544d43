/**
 * A tiny WebAssembly binary writer: just enough (i32 integer code, f32 scalars, SIMD v128,
 * an imported shared memory) to emit the matmul module from JavaScript, with no external tools.
 * Opcodes follow the WebAssembly core spec and the fixed-width SIMD and relaxed-SIMD proposals.
 */

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const name = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export const F64 = 0x7c;

/** One function body under construction; a local is a number handed out by `local`. */
export class FnBuilder {
  readonly code: number[] = [];
  private readonly extra: number[] = [];
  constructor(readonly params: readonly number[], readonly results: readonly number[] = []) {}

  /** Locals declared so far, parameters excluded. */
  get localCount(): number {
    return this.extra.length;
  }

  /** A fresh local of type `type`; parameters are locals 0..params.length-1. */
  local(type: number): number {
    this.extra.push(type);
    return this.params.length + this.extra.length - 1;
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  private simd(sub: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(sub), ...imm);
  }

  get(l: number) { return this.op(0x20, ...uleb(l)); }
  set(l: number) { return this.op(0x21, ...uleb(l)); }
  tee(l: number) { return this.op(0x22, ...uleb(l)); }
  i32(v: number) { return this.op(0x41, ...sleb(v | 0)); }
  add() { return this.op(0x6a); }
  sub() { return this.op(0x6b); }
  mul() { return this.op(0x6c); }
  shl() { return this.op(0x74); }
  and() { return this.op(0x71); }
  ltS() { return this.op(0x48); }
  geS() { return this.op(0x4e); }
  gtS() { return this.op(0x4a); }
  eqz() { return this.op(0x45); }
  ne() { return this.op(0x47); }
  select() { return this.op(0x1b); }
  f32Load(offset = 0) { return this.op(0x2a, 2, ...uleb(offset)); }
  f32Store(offset = 0) { return this.op(0x38, 2, ...uleb(offset)); }
  f32Add() { return this.op(0x92); }
  f32Const0() { return this.op(0x43, 0, 0, 0, 0); }
  v128Load(offset = 0) { return this.simd(0x00, 0, ...uleb(offset)); }
  v128Splat32(offset = 0) { return this.simd(0x09, 2, ...uleb(offset)); }
  v128Store(offset = 0) { return this.simd(0x0b, 0, ...uleb(offset)); }
  v128Zero() { return this.simd(0x0c, ...new Array<number>(16).fill(0)); }
  f32x4Add() { return this.simd(0xe4); }
  f32x4Mul() { return this.simd(0xe6); }
  /** a*b + c, fused where the hardware has FMA (relaxed SIMD). */
  f32x4Madd() { return this.simd(0x105); }
  call(fn: number) { return this.op(0x10, ...uleb(fn)); }

  // --- added for the SIMD elementwise kernels (simd-*.ts) ---
  /** A 128-bit constant of four equal f32 lanes. */
  f32x4Const(v: number) {
    const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
    return this.simd(0x0c, ...b);
  }
  /** A 128-bit constant of four equal i32 lanes. */
  i32x4Const(v: number) {
    const b = new Uint8Array(new Int32Array([v, v, v, v]).buffer);
    return this.simd(0x0c, ...b);
  }
  /** A SIMD instruction by its opcode after the 0xfd prefix (the named table below lists the ones used). */
  v(sub: number) { return this.simd(sub); }
  /** One f32 into lane 0, zeros elsewhere. */
  v128Load32Zero(offset = 0) { return this.simd(0x5c, 2, ...uleb(offset)); }
  /** Stores lane `lane` as one f32. */
  v128Store32Lane(offset: number, lane: number) { return this.simd(0x5a, 2, ...uleb(offset), lane); }
  // lane access, shuffles and the scalar conversions the SIMD kernels' folds and fallbacks use
  f32x4ExtractLane(lane: number) { return this.simd(0x1f, lane); }
  f32x4ReplaceLane(lane: number) { return this.simd(0x20, lane); }
  f64x2ExtractLane(lane: number) { return this.simd(0x21, lane); }
  f64x2ReplaceLane(lane: number) { return this.simd(0x22, lane); }
  /** i8x16.shuffle with 16 lane indices. */
  shuffle(lanes: readonly number[]) { return this.simd(0x0d, ...lanes); }
  f64Add() { return this.op(0xa0); }
  f64PromoteF32() { return this.op(0xbb); }
  f32DemoteF64() { return this.op(0xb6); }
  i32Mul() { return this.op(0x6c); }

  /** `block ... end`; `br 0` inside leaves it. */
  block(body: () => void) { this.op(0x02, 0x40); body(); return this.op(0x0b); }
  /** `loop ... end`; `br 0` inside jumps back to its start. */
  loop(body: () => void) { this.op(0x03, 0x40); body(); return this.op(0x0b); }
  /** `if ... (else ...) end` on the i32 on the stack; `result` is the type both arms leave (none by default). */
  if(then: () => void, otherwise?: () => void, result = 0x40) {
    this.op(0x04, result);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }
  br(depth: number) { return this.op(0x0c, ...uleb(depth)); }
  brIf(depth: number) { return this.op(0x0d, ...uleb(depth)); }

  /**
   * `for (v = from; v < to; v += step) body()` with i32 locals; `from`/`to` (and `step` when
   * not a constant) are emitters pushing one i32. `to` is re-evaluated every iteration.
   */
  forRange(v: number, from: () => void, to: () => void, step: number | (() => void), body: () => void) {
    from();
    this.set(v);
    return this.block(() => {
      this.loop(() => {
        this.get(v);
        to();
        this.geS();
        this.brIf(1);
        body();
        this.get(v);
        if (typeof step === "number") this.i32(step);
        else step();
        this.add().set(v);
        this.br(0);
      });
    });
  }

  /** Pushes min(x, y) of two i32 emitters (each evaluated twice, so keep them cheap). */
  minS(x: () => void, y: () => void) {
    x();
    y();
    x();
    y();
    return this.ltS().select();
  }

  /** The encoded body: locals then code. */
  encode(): number[] {
    const groups: number[][] = this.extra.map((t) => [1, t]);
    const body = [...vec(groups), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** A module of functions (function i has type i) that import one memory `env.memory` (shared when `shared`). */
export function encodeModule(fns: readonly { name?: string; fn: FnBuilder }[], memory: { shared: boolean }): Uint8Array {
  const types = fns.map(({ fn }) => [0x60, ...vec(fn.params.map((p) => [p])), ...vec(fn.results.map((r) => [r]))]);
  // any memory of at least one page fits; a shared import must state a maximum (here 4 GiB)
  const limits = memory.shared ? [0x03, 1, ...uleb(65536)] : [0x00, 1];
  const imports = vec([[...name("env"), ...name("memory"), 0x02, ...limits]]);
  const exports = fns.flatMap(({ name: n }, i) => (n ? [[...name(n), 0x00, ...uleb(i)]] : []));
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(fns.map(({ fn }) => fn.encode()))),
  ];
  return Uint8Array.from(bytes);
}

/** Opcodes (after 0xfd) of the SIMD instructions `FnBuilder.v` emits, by their spec names. */
export const SIMD = {
  f32x4_splat: 0x13, f64x2_splat: 0x14, i32x4_splat: 0x11,
  f32x4_eq: 0x41, f32x4_ne: 0x42, f32x4_lt: 0x43, f32x4_gt: 0x44, f32x4_le: 0x45, f32x4_ge: 0x46,
  v128_not: 0x4d, v128_and: 0x4e, v128_andnot: 0x4f, v128_or: 0x50, v128_xor: 0x51, v128_bitselect: 0x52, v128_any_true: 0x53,
  f32x4_demote_f64x2_zero: 0x5e, f64x2_promote_low_f32x4: 0x5f,
  f32x4_floor: 0x68, f32x4_nearest: 0x6a,
  i32x4_eq: 0x37, i32x4_lt_s: 0x39, i32x4_gt_s: 0x3b,
  i32x4_shl: 0xab, i32x4_shr_s: 0xac, i32x4_shr_u: 0xad, i32x4_add: 0xae, i32x4_sub: 0xb1,
  f32x4_abs: 0xe0, f32x4_neg: 0xe1, f32x4_sqrt: 0xe3, f32x4_add: 0xe4, f32x4_sub: 0xe5, f32x4_mul: 0xe6, f32x4_div: 0xe7,
  f32x4_min: 0xe8, f32x4_max: 0xe9, f32x4_pmin: 0xea, f32x4_pmax: 0xeb,
  f64x2_add: 0xf0,
  i32x4_trunc_sat_f32x4_s: 0xf8, f32x4_convert_i32x4_s: 0xfa,
} as const;

/** A function imported from the host: `env.<name>` with f64 params and results. */
export interface HostImport {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
}

/**
 * `encodeModule` with host functions imported first: they take function indices
 * 0..imports.length-1, so defined function i has index imports.length + i.
 */
export function encodeModuleWithImports(fns: readonly { name?: string; fn: FnBuilder }[], memory: { shared: boolean }, imports: readonly HostImport[]): Uint8Array {
  const sig = (params: readonly number[], results: readonly number[]) => [0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))];
  const types = [...imports.map((h) => sig(h.params, h.results)), ...fns.map(({ fn }) => sig(fn.params, fn.results))];
  const limits = memory.shared ? [0x03, 1, ...uleb(65536)] : [0x00, 1];
  const imp = vec([
    ...imports.map((h, i) => [...name("env"), ...name(h.name), 0x00, ...uleb(i)]),
    [...name("env"), ...name("memory"), 0x02, ...limits],
  ]);
  const k = imports.length;
  const exports = fns.flatMap(({ name: n }, i) => (n ? [[...name(n), 0x00, ...uleb(k + i)]] : []));
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imp),
    ...section(3, vec(fns.map((_, i) => uleb(k + i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(fns.map(({ fn }) => fn.encode()))),
  ];
  return Uint8Array.from(bytes);
}
