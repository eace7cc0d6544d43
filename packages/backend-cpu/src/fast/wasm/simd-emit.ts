/**
 * Writes a SIMD program (simd-kernel.ts) as one wasm function `(lo, hi)` that runs outer points
 * [lo, hi) (or inner points, for a one-row elementwise kernel: `splitInner`): per outer point,
 * the body four inner points at a time (v128 loads and stores), then the remaining n % 4 points
 * one at a time through the same code on lane 0 (`load32_zero`, `store32_lane`), then, for a
 * reduction, the fold's horizontal combine and the epilogue on lane 0 (after all rows, for `foldRows`).
 * Stream bases are memarg offsets; each distinct outer stride has one row-offset local.
 *
 * Reductions: reduce_sum folds f32 terms into two f64x2 partial sums (lanes 0–1 and 2–3), so a
 * million-term sum drifts no more than the interpreter's double accumulator does; the lanes are
 * added at the end (a reassociation, as splitting across threads already is). reduce_max folds
 * into an f32x4 with the interpreter's max (NaN wins; otherwise the larger).
 */
import { FnBuilder, I32, SIMD, V128 } from "./assemble";
import type { SimdPhase, SimdProgram, SimdVal } from "./simd-kernel";
import { Vec, exp, log, sigmoid, sincos, tanh, type E } from "./simd-math";

/** Lane-count of a vector step. */
const LANES = 4;

type Mode = "vec" | "lane";

/** The base arguments of a program's function: each stream's first byte in the arena. */
export const simdBases = (p: SimdProgram): number[] => p.streams.map((s) => s.elem * 4);

/**
 * Which function of a program to emit: the whole range; or, for a one-point reduction that
 * folds rows split across threads, a part of the rows that stores its accumulators
 * (`(lo, hi, dst, bases…)`), and the finish that merges them and runs the epilogue
 * (`(n, src, bases…)`).
 */
export type SimdPart = "whole" | "partial" | "finish";

/** Bytes of one partial fold's accumulators (two f64x2 for a sum, one f32x4 for a max). */
export const PARTIAL_BYTES = 32;

/**
 * Emits one program as a function `(lo, hi, base_0, …, base_{S−1})`: each stream's first byte
 * comes as a parameter (`simdBases`), so kernels that differ only in where their data lies share
 * one function (simd-module.ts). `imports` are the host functions' indices (Math.sin, Math.cos).
 */
export function emitProgram(p: SimdProgram, imports: { sin: number; cos: number }, part: SimdPart = "whole"): FnBuilder {
  if (part !== "whole" && !(p.fold && p.foldRows)) throw new Error(`simd: a ${part} function is only for a one-point reduction folding rows`);
  // a partial fold takes the byte address of its accumulators after lo, hi
  const partial = part === "partial";
  const first = partial ? 3 : 2;
  const f = new FnBuilder([I32, I32, ...(partial ? [I32] : []), ...p.streams.map(() => I32)]);
  const v = new Vec(f);
  const [o0, o1] = [0, 1]; // the parameters lo, hi
  const o = f.local(I32), ib = f.local(I32);
  // a stream's address at the current outer point: its base parameter, or a local set per row
  const rowAddr = p.streams.map((s, i) => (s.outer !== 0 ? f.local(I32) : first + i));

  /** Pushes stream `si`'s byte address at the current point (inner offset included when `inner`). */
  const addr = (si: number, inner: boolean) => {
    f.get(rowAddr[si]);
    if (inner && p.streams[si].inner === 1) f.get(ib).add();
  };
  const isMask = (vals: readonly SimdVal[], i: number): boolean => {
    const x = vals[i];
    return x.kind === "lit" ? x.mask : x.kind === "op" ? x.node.type.dtype === "bool" : false;
  };

  /** Emits a phase's values and stores; hoisted: readers of inner-invariant loads. */
  const phase = (ph: SimdPhase, mode: Mode, inLoop: boolean, hoisted: Map<number, E>, red?: E): E[] => {
    const out: E[] = [];
    const trig = new Map<number, { sin?: E; cos?: E }>();
    const trigWanted = new Map<number, { sin: boolean; cos: boolean }>();
    for (const x of ph.vals) {
      if (x.kind === "op" && (x.node.op === "sin" || x.node.op === "cos")) {
        const w = trigWanted.get(x.args[0]) ?? { sin: false, cos: false };
        w[x.node.op] = true;
        trigWanted.set(x.args[0], w);
      }
    }
    ph.vals.forEach((x, i) => {
      if (x.kind === "load") {
        const s = p.streams[x.stream];
        const h = hoisted.get(x.stream);
        if (h) return void out.push(h);
        addr(x.stream, inLoop);
        if (inLoop && s.inner === 1) {
          if (mode === "vec") f.v128Load(0);
          else f.v128Load32Zero(0);
        } else f.v128Splat32(0);
        const l = f.local(V128);
        f.set(l);
        return void out.push(() => void f.get(l));
      }
      if (x.kind === "lit") return void out.push(v.let(x.mask ? v.ki(x.value ? -1 : 0) : v.k(x.value)));
      if (x.kind === "reduced") return void out.push(red!);
      const args = x.args.map((a) => out[a]);
      const op = x.node.op;
      if (op === "sin" || op === "cos") {
        let t = trig.get(x.args[0]);
        if (!t) trig.set(x.args[0], (t = sincos(v, args[0], trigWanted.get(x.args[0])!, imports)));
        return void out.push(t[op]!);
      }
      const fromMask = x.args.map((a) => isMask(ph.vals, a));
      out.push(v.let(opExpr(v, op, x.node.type.dtype === "bool", args, fromMask)));
    });
    for (const st of ph.stores) {
      const s = p.streams[st.stream];
      addr(st.stream, inLoop);
      out[st.val]();
      if (mode === "vec" && inLoop && s.inner === 1) f.v128Store(0);
      else f.v128Store32Lane(0, 0);
    }
    return out;
  };

  if (part === "finish") {
    // (n, src, bases…): merge the n partial accumulators at src, src + PARTIAL_BYTES, … in that
    // order (so a split sum is associated the same way on every run), then the epilogue, as
    // the whole function runs it after its last row
    const fold = folder(v, p.fold!.op), at = f.local(I32);
    f.get(o1).set(at);
    f.forRange(o, () => f.i32(0), () => f.get(o0), 1, () => {
      fold.merge(() => void f.get(at));
      f.get(at).i32(PARTIAL_BYTES).add().set(at);
    });
    if (p.epilogue) phase(p.epilogue, "lane", false, new Map(), fold.result());
    v.hoistConstants();
    return f;
  }
  // the range [lo, hi) is of inner points when the program splits its inner loop, else of outer points
  const [oLo, oHi, iLo, iHi, vEnd] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  // a partial fold of a single row (a 1-dim sum, as W4's) takes a range of that row's points
  const innerRange = p.splitInner || (partial && p.outer === 1);
  if (innerRange) {
    f.i32(0).set(oLo).i32(p.outer).set(oHi);
    f.get(o0).i32(4).i32Mul().set(iLo).get(o1).i32(4).i32Mul().set(iHi);
  } else {
    f.get(o0).set(oLo).get(o1).set(oHi).i32(0).set(iLo).i32(p.inner * 4).set(iHi);
  }
  // end of the whole vectors: iLo + ((iHi − iLo) rounded down to 16 bytes)
  f.get(iLo).get(iHi).get(iLo).sub().i32(-LANES * 4).and().add().set(vEnd);
  // a one-point reduction over a two-dim nest folds every row into one accumulator: made before the rows
  const rowsFold = p.fold && p.foldRows ? folder(v, p.fold.op) : undefined;
  f.forRange(o, () => f.get(oLo), () => f.get(oHi), 1, () => {
    p.streams.forEach((s, i) => {
      if (s.outer !== 0) f.get(first + i).get(o).i32(s.outer * 4).i32Mul().add().set(rowAddr[i]);
    });
    const hoisted = new Map<number, E>();
    for (const x of p.body.vals) {
      if (x.kind !== "load" || p.streams[x.stream].inner !== 0 || hoisted.has(x.stream)) continue;
      addr(x.stream, false);
      f.v128Splat32(0);
      const l = f.local(V128);
      f.set(l);
      hoisted.set(x.stream, () => void f.get(l));
    }
    const fold = rowsFold ?? (p.fold ? folder(v, p.fold.op) : undefined);
    const step = (mode: Mode) => () => {
      const vals = phase(p.body, mode, true, hoisted);
      if (fold && p.fold) fold.add(vals[p.fold.val], mode);
    };
    f.forRange(ib, () => f.get(iLo), () => f.get(vEnd), LANES * 4, step("vec"));
    // the tail, one lane at a time: never run when every row is whole vectors (the range is of
    // rows then, so any range leaves none), and leaving it out halves the function
    if (innerRange || p.inner % LANES !== 0) f.forRange(ib, () => f.get(vEnd), () => f.get(iHi), 4, step("lane"));
    if (fold && p.epilogue && !rowsFold) phase(p.epilogue, "lane", false, new Map(), fold.result());
  });
  if (rowsFold && partial) rowsFold.store(() => void f.get(2));
  else if (rowsFold && p.epilogue) phase(p.epilogue, "lane", false, new Map(), rowsFold.result());
  v.hoistConstants();
  return f;
}



const ALL_BYTES_HI = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const SWAP_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const SWAP_PAIRS = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];

/** The interpreter's max: NaN when either is NaN, else a > b ? a : b (so max(+0, −0) is −0, as there). */
function maxOf(v: Vec, a: E, b: E, gt: number = SIMD.f32x4_gt): E {
  const nan = v.or(v.op(SIMD.f32x4_ne, a, a), v.op(SIMD.f32x4_ne, b, b));
  return v.sel(v.k(NaN), v.sel(a, b, v.op(gt, a, b)), nan);
}

/** Accumulators of a reduction: `add` one value (4 lanes, or lane 0 in lane mode), `result` the f32 splat. */
function folder(v: Vec, op: "sum" | "max"): { add(x: E, mode: Mode): void; result(): E; store(addr: E): void; merge(addr: E): void } {
  const f = v.f;
  if (op === "sum") {
    const acc0 = v.let(() => void f.v128Zero()), acc1 = v.let(() => void f.v128Zero());
    const l0 = v.localOf(acc0), l1 = v.localOf(acc1);
    return {
      add(x, mode) {
        if (mode === "vec") {
          v.op(SIMD.f64x2_add, acc0, v.op(SIMD.f64x2_promote_low_f32x4, x))();
          f.set(l0);
          acc1();
          x();
          x();
          f.shuffle(ALL_BYTES_HI).v(SIMD.f64x2_promote_low_f32x4);
          f.v(SIMD.f64x2_add).set(l1);
        } else {
          acc0();
          f.v128Zero();
          x();
          f.f32x4ExtractLane(0).f64PromoteF32().f64x2ReplaceLane(0).v(SIMD.f64x2_add).set(l0);
        }
      },
      store(addr) {
        addr();
        acc0();
        f.v128Store(0);
        addr();
        acc1();
        f.v128Store(16);
      },
      merge(addr) {
        acc0();
        addr();
        f.v128Load(0).v(SIMD.f64x2_add).set(l0);
        acc1();
        addr();
        f.v128Load(16).v(SIMD.f64x2_add).set(l1);
      },
      result() {
        v.op(SIMD.f64x2_add, acc0, acc1)();
        const t = f.local(V128);
        f.set(t).get(t).f64x2ExtractLane(0).get(t).f64x2ExtractLane(1).f64Add().f32DemoteF64().v(SIMD.f32x4_splat);
        const r = f.local(V128);
        f.set(r);
        return () => void f.get(r);
      },
    };
  }
  const acc = v.let(v.k(-Infinity));
  const l = v.localOf(acc);
  return {
    add(x, mode) {
      const term = mode === "vec" ? x : v.op(SIMD.f32x4_splat, () => void (x(), f.f32x4ExtractLane(0)));
      const t = v.let(term);
      maxOf(v, acc, t)();
      f.set(l);
    },
    store(addr) {
      addr();
      acc();
      f.v128Store(0);
    },
    merge(addr) {
      const part = v.let(() => void (addr(), f.v128Load(0)));
      maxOf(v, acc, part)();
      f.set(l);
    },
    result() {
      const swap = (e: E, lanes: number[]) => () => void (e(), e(), f.shuffle(lanes));
      const m1 = v.let(maxOf(v, acc, swap(acc, SWAP_HALVES)));
      return v.let(maxOf(v, m1, swap(m1, SWAP_PAIRS)));
    },
  };
}

/** One op's f32x4 expression (bool results and operands are lane masks). */
function opExpr(v: Vec, op: string, toBool: boolean, [a, b, c]: E[], fromMask: boolean[]): E {
  switch (op) {
    case "add": return v.add(a, b);
    case "sub": return v.sub(a, b);
    case "mul": return v.mul(a, b);
    case "div": return v.div(a, b);
    case "neg": return v.op(SIMD.f32x4_neg, a);
    case "abs": return v.op(SIMD.f32x4_abs, a);
    case "sqrt": return v.op(SIMD.f32x4_sqrt, a);
    case "rsqrt": return v.div(v.k(1), v.op(SIMD.f32x4_sqrt, a));
    case "reciprocal": return v.div(v.k(1), a);
    case "exp": return exp(v, a);
    case "log": return log(v, a);
    case "tanh": return tanh(v, a);
    case "sigmoid": return sigmoid(v, a);
    case "max": return maxOf(v, a, b);
    case "min": return maxOf(v, a, b, SIMD.f32x4_lt);
    // relu keeps x where x > 0 or NaN, else +0 (−0 becomes +0)
    case "relu": return v.sel(a, v.k(0), v.or(v.op(SIMD.f32x4_gt, a, v.k(0)), v.op(SIMD.f32x4_ne, a, a)));
    // sign: ±1, and x itself for ±0 and NaN
    case "sign": return v.sel(v.k(1), v.sel(v.k(-1), a, v.op(SIMD.f32x4_lt, a, v.k(0))), v.op(SIMD.f32x4_gt, a, v.k(0)));
    case "stop_gradient": return a;
    case "eq": return v.op(SIMD.f32x4_eq, a, b);
    case "ne": return v.op(SIMD.f32x4_ne, a, b);
    case "lt": return v.op(SIMD.f32x4_lt, a, b);
    case "le": return v.op(SIMD.f32x4_le, a, b);
    case "gt": return v.op(SIMD.f32x4_gt, a, b);
    case "ge": return v.op(SIMD.f32x4_ge, a, b);
    case "where": return v.sel(b, c, a);
    case "cast":
      if (fromMask[0] === toBool) return a;
      // bool → f32: 1 or 0; f32 → bool: x !== 0 (NaN is true)
      return toBool ? v.op(SIMD.f32x4_ne, a, v.k(0)) : v.and(a, v.k(1));
  }
  throw new Error(`simd: no f32x4 form of ${op}`);
}
