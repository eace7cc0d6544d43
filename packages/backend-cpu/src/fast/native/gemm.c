// Adjoint's native f32 GEMM for the CPU backend under Node: the blocked algorithm of the
// WebAssembly GEMM (wasm/gemm-module.ts: Goto's loop order, packed panels, a register-tiled
// micro-kernel), compiled on the user's machine with -O3 -march=native (native/build.ts) so
// that the micro-kernel uses the widest vectors the CPU has (AVX-512 or AVX2 with FMA)
// rather than WebAssembly's 128 bits. It reads and writes the backend's arena in place:
// `gemm` receives a Float32Array over the arena and the 11-int task records the
// WebAssembly GEMM runs.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Register tile MR×NR (NV vectors wide) and cache blocks. AVX-512: 14×32 leaves 28 of the 32
// zmm registers to accumulators (measured 2026-11-27, 1024³: 14×32 at KC 256 beat 8×32, 12×32,
// 6×64, 4×64 and 8×48 by 1.3–1.8×); AVX2: the classic 6×16 (12 of 16 ymm).
#if defined(__AVX512F__)
#define VB 64
#define MR 14
#define NV 2
#define SPLAT(x) ((vf)_mm512_set1_ps(x))
#elif defined(__AVX2__)
#define VB 32
#define MR 6
#define NV 2
#define SPLAT(x) ((vf)_mm256_set1_ps(x))
#elif defined(__SSE__)
#define VB 16
#define MR 4
#define NV 2
#define SPLAT(x) ((vf)_mm_set1_ps(x))
#else
// any other CPU (Arm's NEON, say): GCC's generic vectors
#define VB 16
#define MR 4
#define NV 2
#define SPLAT(x) ((vf){0} + (x))
#endif
#define VL (VB / 4)
#define NR (NV * VL)
// KC×NR B panels stay in L1, MC×KC A blocks in L2, KC×NC B blocks in L2/L3.
#define KC 256
#define MC (7 * MR)
#define NC 4096
#define TASK 11

typedef float vf __attribute__((vector_size(VB), aligned(VB)));
typedef float vfu __attribute__((vector_size(VB), aligned(4)));  // for C, any alignment

// Packs an ext×kc block (element (t, p) at src[t·ts + p·ds]) into panels of r along t,
// p-major inside a panel, zero-padding the last panel: any strides, transposes included,
// cost one copy here and run the same micro-kernel. Reads walk whichever of t and p is
// contiguous: a panel of a row-major A, or of a transposed B, read across t would touch r
// pages per step (A·Bᵀ at 1024³ ran 1.6× slower so).
static void pack(int r, const float* src, long ts, long ds, int ext, int kc, float* dst) {
  for (int t0 = 0; t0 < ext; t0 += r, dst += (long)r * kc) {
    int rows = ext - t0 < r ? ext - t0 : r;
    const float* s = src + t0 * ts;
    if (rows == r && ts == 1) {
      for (int p = 0; p < kc; p++) memcpy(dst + p * r, s + p * ds, r * 4);
      continue;
    }
    if (ds == 1) {
      for (int i = 0; i < rows; i++)
        for (int p = 0; p < kc; p++) dst[p * r + i] = s[i * ts + p];
    } else {
      for (int p = 0; p < kc; p++)
        for (int i = 0; i < rows; i++) dst[p * r + i] = s[i * ts + p * ds];
    }
    for (int p = 0; p < kc; p++)
      for (int i = rows; i < r; i++) dst[p * r + i] = 0.f;
  }
}

// The MR×NR tile at c (row stride ldc floats) = (first ? 0 : c) + Σ_p a[p]ᵀ b[p].
static inline void micro(int kc, const float* restrict a, const float* restrict b, float* c, long ldc, int first) {
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) acc[i][j] = (vf){0};
  for (int p = 0; p < kc; p++, a += MR, b += NR) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) bv[j] = *(const vf*)(b + j * VL);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      vf av = SPLAT(a[i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) acc[i][j] += av * bv[j];
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) {
      vfu* out = (vfu*)(c + i * ldc + j * VL);
      *out = first ? (vfu)acc[i][j] : *out + (vfu)acc[i][j];
    }
}

typedef struct {
  int m, n, k;
  const float *a, *b;
  long ars, acs, brs, bcs, ldc;
  float* c;
} Task;

typedef struct {
  float *pa, *pb;
  size_t pb_floats;
} Buffers;

static void* aligned(size_t floats) {
  void* p = NULL;
  return posix_memalign(&p, 64, floats * 4) ? NULL : p;
}

// Each thread's packing buffers, made on its first GEMM and freed when the thread ends; B's
// grows to the widest block met (KC × at most NC columns: 4 MiB), so small products keep
// small buffers. A's is MC × KC floats (98 KiB with AVX-512).
static pthread_key_t buffers_key;
static pthread_once_t buffers_once = PTHREAD_ONCE_INIT;
static void free_buffers(void* p) {
  Buffers* b = p;
  free(b->pa);
  free(b->pb);
  free(b);
}
static void make_key(void) { pthread_key_create(&buffers_key, free_buffers); }
static Buffers* buffers(size_t pb_floats) {
  pthread_once(&buffers_once, make_key);
  Buffers* b = pthread_getspecific(buffers_key);
  if (!b) {
    b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->pa = aligned((size_t)MC * KC);
    if (!b->pa) {
      free_buffers(b);
      return NULL;
    }
    pthread_setspecific(buffers_key, b);
  }
  if (b->pb_floats < pb_floats) {
    free(b->pb);
    b->pb = aligned(pb_floats);
    b->pb_floats = b->pb ? pb_floats : 0;
    if (!b->pb) return NULL;
  }
  return b;
}

// Goto's loops: B blocks of KC×NC packed once, A blocks of MC×KC per row block, then the
// micro-kernel over MR×NR tiles; edge tiles are computed whole into `tile` and the part
// inside C added.
static int run(const Task* t) {
  int widest = t->n < NC ? t->n : NC;
  Buffers* buf = buffers((size_t)KC * ((widest + NR - 1) / NR * NR));
  if (!buf) return 0;
  float tile[MR * NR] __attribute__((aligned(64)));
  for (int jc = 0; jc < t->n; jc += NC) {
    int nc = t->n - jc < NC ? t->n - jc : NC;
    for (int pc = 0; pc < t->k; pc += KC) {
      int kc = t->k - pc < KC ? t->k - pc : KC, first = pc == 0;
      pack(NR, t->b + pc * t->brs + jc * t->bcs, t->bcs, t->brs, nc, kc, buf->pb);
      for (int ic = 0; ic < t->m; ic += MC) {
        int mc = t->m - ic < MC ? t->m - ic : MC;
        pack(MR, t->a + ic * t->ars + pc * t->acs, t->ars, t->acs, mc, kc, buf->pa);
        for (int jr = 0; jr < nc; jr += NR) {
          const float* pb = buf->pb + (long)jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            const float* pa = buf->pa + (long)ir * kc;
            float* cb = t->c + (ic + ir) * t->ldc + jc + jr;
            if (mc - ir >= MR && nc - jr >= NR) {
              micro(kc, pa, pb, cb, t->ldc, first);
            } else {
              micro(kc, pa, pb, tile, NR, 1);
              int rows = mc - ir < MR ? mc - ir : MR, cols = nc - jr < NR ? nc - jr : NR;
              for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) cb[i * t->ldc + j] = (first ? 0.f : cb[i * t->ldc + j]) + tile[i * NR + j];
            }
          }
        }
      }
    }
  }
  return 1;
}

// A job: tasks claimed one at a time from `next` by the calling thread and the helpers.
typedef struct {
  const Task* work;
  int count, helpers;
  int next, failed;
} Job;

static void work(Job* job) {
  for (int i; (i = __atomic_fetch_add(&job->next, 1, __ATOMIC_RELAXED)) < job->count;)
    if (!run(&job->work[i])) __atomic_store_n(&job->failed, 1, __ATOMIC_RELAXED);
}

// Helper threads, started on first need and parked on `wake` between jobs. One JS thread
// at a time uses them (`busy`); a call that finds them busy runs on its own thread.
#define MAX_HELPERS 63
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER, done = PTHREAD_COND_INITIALIZER;
static Job* current;  // NULL between jobs: a helper waking late must not read a finished one
static long generation;
static int started, active, busy;

static void* helper(void* arg) {
  int index = (int)(intptr_t)arg;
  long seen = 0;
  pthread_mutex_lock(&lock);
  for (;;) {
    while (generation == seen) pthread_cond_wait(&wake, &lock);
    seen = generation;
    Job* job = current;
    if (!job || index >= job->helpers) continue;
    pthread_mutex_unlock(&lock);
    work(job);
    pthread_mutex_lock(&lock);
    if (--active == 0) pthread_cond_signal(&done);
  }
  return NULL;
}

static int run_parallel(const Task* tasks, int count, int threads) {
  Job job = {tasks, count, 0, 0, 0};
  int want = (threads < count ? threads : count) - 1;
  if (want > MAX_HELPERS) want = MAX_HELPERS;
  pthread_mutex_lock(&lock);
  if (want > 0 && !busy) {
    while (started < want) {
      pthread_t th;
      if (pthread_create(&th, NULL, helper, (void*)(intptr_t)started)) break;
      pthread_detach(th);
      started++;
    }
    job.helpers = want < started ? want : started;
  }
  if (job.helpers > 0) {
    busy = 1;
    active = job.helpers;
    current = &job;
    generation++;
    pthread_cond_broadcast(&wake);
  }
  pthread_mutex_unlock(&lock);
  work(&job);
  if (job.helpers > 0) {
    pthread_mutex_lock(&lock);
    while (active > 0) pthread_cond_wait(&done, &lock);
    current = NULL;
    busy = 0;
    pthread_mutex_unlock(&lock);
  }
  return !job.failed;
}

static napi_value fail(napi_env env, const char* msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

// Whether an e0×e1 operand at byte `base`, byte strides s0 and s1, lies inside [0, bytes).
static int inside(int64_t base, int64_t e0, int64_t s0, int64_t e1, int64_t s1, int64_t bytes) {
  if (e0 == 0 || e1 == 0) return 1;
  int64_t d0 = (e0 - 1) * s0, d1 = (e1 - 1) * s1;
  int64_t lo = base + (d0 < 0 ? d0 : 0) + (d1 < 0 ? d1 : 0), hi = base + (d0 > 0 ? d0 : 0) + (d1 > 0 ? d1 : 0) + 4;
  return lo >= 0 && hi <= bytes && base % 4 == 0 && s0 % 4 == 0 && s1 % 4 == 0;
}

// gemm(F, tasks, first, count, threads): runs task records [first, first + count) of
// `tasks` (an Int32Array of 11-int records m, n, k, a, ars, acs, b, brs, bcs, c, ldc:
// addresses and strides in bytes into F's buffer) on up to `threads` threads, the calling
// one included. A record of 4 Mflop or more is split into row or column ranges, whole
// register tiles each, so each element sums in the same order whatever the thread count.
static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_typedarray_type type;
  size_t len, offset, nrec;
  void *data, *rdata;
  napi_value ab;
  int32_t first, count, threads;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) return fail(env, "native gemm: expected (F, tasks, first, count, threads)");
  if (napi_get_typedarray_info(env, argv[0], &type, &len, &data, &ab, &offset) != napi_ok || type != napi_float32_array)
    return fail(env, "native gemm: F must be a Float32Array over the arena");
  char* mem = (char*)data - offset;
  int64_t bytes = (int64_t)offset + (int64_t)len * 4;
  if (napi_get_typedarray_info(env, argv[1], &type, &nrec, &rdata, &ab, &offset) != napi_ok || type != napi_int32_array)
    return fail(env, "native gemm: tasks must be an Int32Array");
  const int32_t* rec = rdata;
  if (napi_get_value_int32(env, argv[2], &first) != napi_ok || napi_get_value_int32(env, argv[3], &count) != napi_ok ||
      napi_get_value_int32(env, argv[4], &threads) != napi_ok)
    return fail(env, "native gemm: first, count and threads must be numbers");
  if (first < 0 || count < 0 || ((int64_t)first + count) * TASK > (int64_t)nrec) return fail(env, "native gemm: task range outside the records");
  if (threads < 1) threads = 1;

  // at most `threads` parts per record, so count·threads bounds the work list; on the stack
  // unless a large batch needs more (no allocation per run otherwise)
  Task local[64];
  size_t cap = (size_t)count * threads + 1;
  Task* list = cap <= 64 ? local : malloc(sizeof(Task) * cap);
  if (!list) return fail(env, "native gemm: out of memory for the task list");
  int n_work = 0;
  char msg[200];
  for (int r = first; r < first + count; r++) {
    const int32_t* q = rec + (size_t)r * TASK;
    int m = q[0], n = q[1], k = q[2];
    if (m < 0 || n < 0 || k < 0 || !inside(q[3], m, q[4], k, q[5], bytes) || !inside(q[6], k, q[7], n, q[8], bytes) ||
        !inside(q[9], m, q[10], n, 4, bytes)) {
      snprintf(msg, sizeof msg, "native gemm: task %d (%dx%d by %dx%d) reaches outside the %lld-byte arena", r, m, k, k, n, (long long)bytes);
      if (list != local) free(list);
      return fail(env, msg);
    }
    if (m == 0 || n == 0) continue;
    Task t = {m, n, k, (const float*)(mem + q[3]), (const float*)(mem + q[6]), q[4] / 4, q[5] / 4, q[7] / 4, q[8] / 4, q[10] / 4, (float*)(mem + q[9])};
    if (k == 0) {
      for (int i = 0; i < m; i++) memset(t.c + i * t.ldc, 0, (size_t)n * 4);
      continue;
    }
    int parts = threads > 1 && 2.0 * m * n * k >= (1 << 22) ? threads : 1;
    if (parts > 1 && m >= n) {
      int step = ((m + parts - 1) / parts + MR - 1) / MR * MR;
      for (int r0 = 0; r0 < m; r0 += step, n_work++) {
        list[n_work] = t;
        list[n_work].m = m - r0 < step ? m - r0 : step;
        list[n_work].a = t.a + r0 * t.ars;
        list[n_work].c = t.c + r0 * t.ldc;
      }
    } else if (parts > 1) {
      int step = ((n + parts - 1) / parts + NR - 1) / NR * NR;
      for (int c0 = 0; c0 < n; c0 += step, n_work++) {
        list[n_work] = t;
        list[n_work].n = n - c0 < step ? n - c0 : step;
        list[n_work].b = t.b + c0 * t.bcs;
        list[n_work].c = t.c + c0;
      }
    } else {
      list[n_work++] = t;
    }
  }
  int ok = run_parallel(list, n_work, threads);
  if (list != local) free(list);
  return ok ? NULL : fail(env, "native gemm: out of memory for packing buffers");
}

// info(): the compiled kernel's shape, for reports.
static napi_value Info(napi_env env, napi_callback_info unused) {
  (void)unused;
  char s[160];
  snprintf(s, sizeof s, "{\"vectorBits\":%d,\"mr\":%d,\"nr\":%d,\"kc\":%d,\"mc\":%d,\"nc\":%d}", VB * 8, MR, NR, KC, MC, NC);
  napi_value out;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, Gemm, NULL, &fn);
  napi_set_named_property(env, exports, "gemm", fn);
  napi_create_function(env, "info", NAPI_AUTO_LENGTH, Info, NULL, &fn);
  napi_set_named_property(env, exports, "info", fn);
  return exports;
}
