import { FnBuilder, I32, V128, encodeModule } from "./assemble";

/** Register-tile and blocking parameters of the generated f32 GEMM. */
export interface GemmShape {
  /** Rows of the register tile (rows of a packed A panel). */
  readonly mr: number;
  /** Columns of the register tile, a multiple of 4 (columns of a packed B panel). */
  readonly nr: number;
  /** Use `f32x4.relaxed_madd` (one fused op where the CPU has FMA) instead of mul + add. */
  readonly fma: boolean;
}

/** Function indices inside the module (exports carry the same names). */
const MICRO = 0, PACK_A = 1, PACK_B = 2, GEMM = 3;

/**
 * micro(kc, a, b, c, ldc, first): the MR×NR tile C = (first ? 0 : C) + Σ_p A[p,:]ᵀ B[p,:]
 * from packed panels (MR floats of A and NR floats of B per p); `ldc` is C's row stride in bytes.
 * All MR·NR/4 accumulators live in v128 locals, which V8 keeps in registers.
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
  const store = (accumulate: boolean) => {
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
  f.get(first).if(() => store(false), () => store(true));
  return f;
}

/**
 * packA(src, rs, cs, mc, kc, dst): copies the mc×kc block of A (element (i,p) at
 * src + i·rs + p·cs bytes) into panels of MR rows, p-major inside a panel, zero-padding the
 * last panel. Any strides work, so a transposed A costs one strided copy, not a slower kernel.
 */
function packA({ mr }: GemmShape): FnBuilder {
  const f = new FnBuilder([I32, I32, I32, I32, I32, I32]);
  const [src, rs, cs, mc, kc, dst] = [0, 1, 2, 3, 4, 5];
  const ip = f.local(I32), p = f.local(I32), ptr = f.local(I32), ii = f.local(I32), rows = f.local(I32);
  f.forRange(ip, () => f.i32(0), () => f.get(mc), mr, () => {
    // rows = min(MR, mc - ip)
    f.get(mc).get(ip).sub().i32(mr).get(mc).get(ip).sub().i32(mr).ltS().select().set(rows);
    f.get(src).get(ip).get(rs).mul().add().set(ptr);
    f.get(rows).i32(mr).ne().if(
      () => {
        // a partial panel: element by element, zeros past the last row
        f.forRange(p, () => f.i32(0), () => f.get(kc), 1, () => {
          f.forRange(ii, () => f.i32(0), () => f.i32(mr), 1, () => {
            f.get(dst);
            f.get(ii).get(rows).ltS().if(() => {
              f.get(ptr).get(ii).get(rs).mul().add().f32Load().f32Store();
            }, () => {
              f.f32Const0().f32Store();
            });
            f.get(dst).i32(4).add().set(dst);
          });
          f.get(ptr).get(cs).add().set(ptr);
        });
      },
      () => {
        f.get(rs).i32(4).ne().get(mr).i32(3).and_().eqz().eqz().select;
        fullPanel(f, mr, { rs, cs, kc, dst, p, ptr });
      },
    );
  });
  return f;
}
