import { F32, FnBuilder, I32, V128, encodeModule } from "./assemble";

/** Register-tile parameters of the generated f32 GEMM. */
export interface GemmShape {
  /** Rows of the register tile (rows of a packed A panel). */
  readonly mr: number;
  /** Columns of the register tile, a multiple of 4 (columns of a packed B panel). */
  readonly nr: number;
  /** Use `f32x4.relaxed_madd` (one fused op where the CPU has FMA) instead of mul + add. */
  readonly fma: boolean;
}

/** Function indices inside the module. */
const MICRO = 0, PACK_A = 1, PACK_B = 2;

/**
 * micro(kc, a, b, c, ldc, first): the MR×NR tile C = (first ? 0 : C) + Σ_p a[p]ᵀ b[p]
 * from packed panels (MR floats of A and NR floats of B per p); `ldc` is C's row stride in bytes.
 * All MR·NR/4 accumulators are v128 locals, which V8 keeps in registers.
 */
function micro({ mr, nr, fma }: GemmShape): FnBuilder {
  const f = new FnBuilder([I32, I32, I32, I32, I32, I32]);
  const [kc, a, b, c, ldc, first] = [0, 1, 2, 3, 4, 5];
  const nv = nr / 4;
  const acc = Array.from({ length: mr }, () => Array.from({ length: nv }, () => f.local(V128)));
  const bv = Array.from({ length: nv }, () => f.local(V128));
  const av = f.local(V128);
  const row = f.local(I32);
  for (const r of acc) for (const v of r) f.v128Zero().set(v);
  f.loop(() => {
    for (let j = 0; j < nv; j++) f.get(b).v128Load(16 * j).set(bv[j]);
    for (let i = 0; i < mr; i++) {
      f.get(a).v128Splat32(4 * i).set(av);
      for (let j = 0; j < nv; j++) {
        if (fma) f.get(av).get(bv[j]).get(acc[i][j]).f32x4Madd().set(acc[i][j]);
        else f.get(acc[i][j]).get(av).get(bv[j]).f32x4Mul().f32x4Add().set(acc[i][j]);
      }
    }
    f.get(a).i32(4 * mr).add().set(a);
    f.get(b).i32(4 * nr).add().set(b);
    f.get(kc).i32(1).sub().tee(kc).brIf(0);
  });
  const store = (accumulate: boolean) => () => {
    f.get(c).set(row);
    for (let i = 0; i < mr; i++) {
      for (let j = 0; j < nv; j++) {
        f.get(row);
        if (accumulate) f.get(row).v128Load(16 * j).get(acc[i][j]).f32x4Add();
        else f.get(acc[i][j]);
        f.v128Store(16 * j);
      }
      f.get(row).get(ldc).add().set(row);
    }
  };
  f.get(first).if(store(false), store(true));
  return f;
}

/**
 * pack(src, ts, ds, ext, kc, dst): copies an ext×kc block (element (t,p) at src + t·ts + p·ds
 * bytes) into panels of R along t, p-major inside a panel, zero-padding the last panel. Any
 * strides work, so a transposed operand costs one strided copy here rather than a slower
 * kernel; a contiguous tile dimension (ts = 4) copies whole vectors.
 */
function pack(r: number): FnBuilder {
  const f = new FnBuilder([I32, I32, I32, I32, I32, I32]);
  const [src, ts, ds, ext, kc, dst] = [0, 1, 2, 3, 4, 5];
  const t0 = f.local(I32), p = f.local(I32), ptr = f.local(I32), i = f.local(I32), rows = f.local(I32);
  const off = Array.from({ length: r }, () => f.local(I32));
  for (let q = 0; q < r; q++) f.get(ts).i32(q).mul().set(off[q]);
  const next = () => {
    f.get(dst).i32(4 * r).add().set(dst);
    f.get(ptr).get(ds).add().set(ptr);
  };
  f.forRange(t0, () => f.i32(0), () => f.get(ext), r, () => {
    f.minS(() => f.i32(r), () => f.get(ext).get(t0).sub()).set(rows);
    f.get(src).get(t0).get(ts).mul().add().set(ptr);
    const partial = () =>
      f.forRange(p, () => f.i32(0), () => f.get(kc), 1, () => {
        f.forRange(i, () => f.i32(0), () => f.i32(r), 1, () => {
          f.get(dst).get(i).i32(4).mul().add();
          f.get(i).get(rows).ltS().if(() => f.get(ptr).get(i).get(ts).mul().add().f32Load(), () => f.f32Const0(), F32);
          f.f32Store();
        });
        next();
      });
    const strided = () =>
      f.forRange(p, () => f.i32(0), () => f.get(kc), 1, () => {
        for (let q = 0; q < r; q++) {
          f.get(dst);
          if (q === 0) f.get(ptr);
          else f.get(ptr).get(off[q]).add();
          f.f32Load().f32Store(4 * q);
        }
        next();
      });
    const contiguous = () =>
      f.forRange(p, () => f.i32(0), () => f.get(kc), 1, () => {
        for (let q = 0; q < r / 4; q++) f.get(dst).get(ptr).v128Load(16 * q).v128Store(16 * q);
        next();
      });
    f.get(rows).i32(r).ne().if(partial, () => {
      if (r % 4 === 0) f.get(ts).i32(4).ne().if(strided, contiguous);
      else strided();
    });
  });
  return f;
}

/**
 * gemm(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, pa, pb, tile, KC, MC, NC): C = A·B for an
 * m×k A and k×n B at any byte strides, into C with row stride `ldc` bytes (column stride 4).
 * Goto's loop order: B blocks of KC×NC are packed once (L3/L2), A blocks of MC×KC per row
 * block (L2), and the micro-kernel walks MR×NR tiles, B's panel staying in L1. `pa`/`pb`
 * are the packing buffers and `tile` an MR×NR scratch for edge tiles.
 */
function gemm({ mr, nr }: GemmShape): FnBuilder {
  const f = new FnBuilder(new Array<number>(17).fill(I32));
  const [m, n, k, a, ars, acs, b, brs, bcs, c, ldc, pa, pb, tile, KC, MC, NC] = Array.from({ length: 17 }, (_, q) => q);
  const [jc, nc, pc, kc, ic, mc, jr, ir, cb, first, rows, cols, i, j, addr] = Array.from({ length: 15 }, () => f.local(I32));
  f.forRange(jc, () => f.i32(0), () => f.get(n), () => f.get(NC), () => {
    f.minS(() => f.get(NC), () => f.get(n).get(jc).sub()).set(nc);
    f.forRange(pc, () => f.i32(0), () => f.get(k), () => f.get(KC), () => {
      f.minS(() => f.get(KC), () => f.get(k).get(pc).sub()).set(kc);
      f.get(pc).eqz().set(first);
      f.get(b).get(pc).get(brs).mul().add().get(jc).get(bcs).mul().add();
      f.get(bcs).get(brs).get(nc).get(kc).get(pb).call(PACK_B);
      f.forRange(ic, () => f.i32(0), () => f.get(m), () => f.get(MC), () => {
        f.minS(() => f.get(MC), () => f.get(m).get(ic).sub()).set(mc);
        f.get(a).get(ic).get(ars).mul().add().get(pc).get(acs).mul().add();
        f.get(ars).get(acs).get(mc).get(kc).get(pa).call(PACK_A);
        f.forRange(jr, () => f.i32(0), () => f.get(nc), nr, () => {
          f.forRange(ir, () => f.i32(0), () => f.get(mc), mr, () => {
            // cb = c + (ic + ir)·ldc + (jc + jr)·4
            f.get(c).get(ic).get(ir).add().get(ldc).mul().add().get(jc).get(jr).add().i32(4).mul().add().set(cb);
            const operands = () => f.get(kc).get(pa).get(ir).get(kc).mul().i32(4).mul().add().get(pb).get(jr).get(kc).mul().i32(4).mul().add();
            f.get(mc).get(ir).sub().i32(mr).geS().get(nc).get(jr).sub().i32(nr).geS().and();
            f.if(
              () => {
                operands();
                f.get(cb).get(ldc).get(first).call(MICRO);
              },
              () => {
                // an edge tile: compute it whole into `tile`, then add the part inside C
                operands();
                f.get(tile).i32(4 * nr).i32(1).call(MICRO);
                f.minS(() => f.i32(mr), () => f.get(mc).get(ir).sub()).set(rows);
                f.minS(() => f.i32(nr), () => f.get(nc).get(jr).sub()).set(cols);
                f.forRange(i, () => f.i32(0), () => f.get(rows), 1, () => {
                  f.forRange(j, () => f.i32(0), () => f.get(cols), 1, () => {
                    f.get(cb).get(i).get(ldc).mul().add().get(j).i32(4).mul().add().tee(addr);
                    f.get(tile).get(i).i32(nr).mul().get(j).add().i32(4).mul().add().f32Load();
                    f.f32Const0().get(addr).f32Load().get(first).select().f32Add();
                    f.f32Store();
                  });
                });
              },
            );
          });
        });
      });
    });
  });
  return f;
}

/** The GEMM module's bytes: micro-kernel, packers and the blocked driver, exporting `gemm`. */
export function gemmModuleBytes(shape: GemmShape, memory: { shared: boolean }): Uint8Array {
  return encodeModule(
    [
      { name: "micro", fn: micro(shape) },
      { name: "packA", fn: pack(shape.mr) },
      { name: "packB", fn: pack(shape.nr) },
      { name: "gemm", fn: gemm(shape) },
    ],
    memory,
  );
}
