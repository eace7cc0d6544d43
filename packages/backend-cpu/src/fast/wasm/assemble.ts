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

/** One function body under construction; a local is a number handed out by `local`. */
export class FnBuilder {
  readonly code: number[] = [];
  private readonly extra: number[] = [];
  constructor(readonly params: readonly number[], readonly results: readonly number[] = []) {}

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
