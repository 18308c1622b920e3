// SPDX-License-Identifier: MIT
/*
 * The vnpu compute engine against oneDNN called directly on the same data:
 *
 *   MATMUL 4096^3 f32, 4096^3 bf16 -> f32, 4096^3 s8 -> s32, 1024^3 f32 and 64^3 f32
 *   (row-major, no transposes, bias or activation);
 *   CONV2D 3x3 56x56x64 -> 64 f32, NHWC, padding 1, batch 1 and batch 8, and 7x7x512 -> 512
 *   batch 1, each with OHWI weights and with packed weights (VNPU_CONV2D_F_WEI_PACKED).
 *
 * The vnpu figure is a whole one-packet command stream (parse, check, translate, cached
 * primitive, run); the baseline is the same primitive built once by hand and executed, the
 * convolution's weights reordered once to the primitive's preferred layout. The vnpu engine
 * reorders OHWI weights on every run; packed ones were reordered once, by a PACK_WEIGHTS
 * packet (what a program does at load), and a comment line gives the speed-up. Each case has its
 * own operands (allocated before it, freed after it, so the 4096^3 cases never coexist), the
 * inputs random; its first run of each side is checked on sampled output elements before
 * anything is timed. Rounds of the two sides alternate, and so does which goes first, so that
 * drift in the machine's load falls on both alike.
 *
 * The ratio printed is the vnpu throughput relative to the baseline (baseline time / vnpu
 * time); the goal is >= 0.95. Lines starting with '#' are comments (the CPU's ISA, the
 * int8 baseline's exactness).
 *
 *   bench_vnpu_compute [ignored]
 */
#include "bench.h"

#include <stdarg.h>

#include <oneapi/dnnl/dnnl.h>

#include <uapi/drm/vnpu_accel.h>
#include "../drivers/vnpu/vnpu_cmd.h"

#define ARENA_BASE 0x100000000ull
#define MAX_ROUNDS 16
#define SAMPLES 64

/* ---- the current case's operands: a flat address space at ARENA_BASE ------------------ */

static uint8_t *arena;
static size_t arena_size;
static uint64_t arena_next;

static void *map_flat(void *ctx, uint64_t va, uint64_t len, int write)
{
	(void)ctx;
	(void)write;
	if (va < ARENA_BASE || len > arena_size || va - ARENA_BASE > arena_size - len)
		return NULL;
	return arena + (va - ARENA_BASE);
}

static const struct vnpu_mem_ops flat_ops = { .map = map_flat };

static size_t page_up(size_t bytes)
{
	return (bytes + 4095) & ~(size_t)4095;
}

static void arena_open(size_t bytes)
{
	arena_size = page_up(bytes);
	arena = aligned_alloc(4096, arena_size);
	if (!arena) {
		fprintf(stderr, "bench_vnpu_compute: out of memory for %zu bytes\n", arena_size);
		exit(1);
	}
	arena_next = ARENA_BASE;
}

/* The next @bytes of the arena, page aligned. */
static uint64_t arena_take(size_t bytes)
{
	uint64_t va = arena_next;

	arena_next += page_up(bytes);
	if (arena_next - ARENA_BASE > arena_size)
		abort();
	return va;
}

static void *host(uint64_t va)
{
	return arena + (va - ARENA_BASE);
}

/* ---- data types and random inputs ------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: the same inputs on every run */
static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static float rnd_f32(void)
{
	return (float)((double)rnd() / 2147483648.0 - 1.0); /* [-1, 1] */
}

/* bf16 is the upper half of an f32; round to nearest even (the inputs hold no NaN) */
static uint16_t f32_to_bf16(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

static float bf16_to_f32(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static size_t dt_size(uint32_t dt)
{
	return dt == VNPU_DT_BF16 ? 2 : dt == VNPU_DT_S8 ? 1 : 4;
}

static const char *dt_name(uint32_t dt)
{
	switch (dt) {
	case VNPU_DT_F32:
		return "f32";
	case VNPU_DT_BF16:
		return "bf16";
	case VNPU_DT_S8:
		return "s8";
	default:
		return "s32";
	}
}

static dnnl_data_type_t dt_dnnl(uint32_t dt)
{
	switch (dt) {
	case VNPU_DT_F32:
		return dnnl_f32;
	case VNPU_DT_BF16:
		return dnnl_bf16;
	case VNPU_DT_S8:
		return dnnl_s8;
	default:
		return dnnl_s32;
	}
}

/* @n random elements at @va: f32 in [-1, 1], bf16 rounded from those, s8 in [-128, 127] */
static void fill(uint64_t va, uint32_t dt, size_t n)
{
	float *f = host(va);
	uint16_t *h = host(va);
	int8_t *s = host(va);

	for (size_t i = 0; i < n; i++) {
		if (dt == VNPU_DT_F32)
			f[i] = rnd_f32();
		else if (dt == VNPU_DT_BF16)
			h[i] = f32_to_bf16(rnd_f32());
		else
			s[i] = (int8_t)(rnd() >> 24);
	}
}

/* Element @i of the array of type @dt at @va. */
static double load(uint64_t va, uint32_t dt, size_t i)
{
	switch (dt) {
	case VNPU_DT_F32:
		return ((const float *)host(va))[i];
	case VNPU_DT_BF16:
		return bf16_to_f32(((const uint16_t *)host(va))[i]);
	case VNPU_DT_S8:
		return ((const int8_t *)host(va))[i];
	default:
		return ((const int32_t *)host(va))[i];
	}
}

static double absd(double x)
{
	return x < 0 ? -x : x;
}

/*
 * |@v - @r| <= @tol * (|@r| + sqrt(@ss)), @ss the sum of the squared products behind the
 * element: relative to the element, or to the typical size of such a sum where the element
 * is near 0 by cancellation (without libm).
 */
static bool close_enough(double v, double r, double tol, double ss)
{
	double d = absd(v - r) / tol - absd(r);

	return d <= 0 || d * d <= ss;
}

/* ---- the two sides ---------------------------------------------------------------------- */

static dnnl_engine_t eng;
static dnnl_stream_t strm;

struct vnpu_case {
	struct vnpu_exec_ctx ctx;
	const void *cmds;
	size_t len;
};

struct dnnl_case {
	dnnl_primitive_t prim;
	int nargs;
	dnnl_exec_arg_t args[4];
};

static void run_vnpu(void *arg, long iters)
{
	struct vnpu_case *vc = arg;

	for (long i = 0; i < iters; i++)
		if (vnpu_exec_stream(&vc->ctx, vc->cmds, vc->len, NULL))
			abort();
}

static void run_dnnl(void *arg, long iters)
{
	struct dnnl_case *dc = arg;

	for (long i = 0; i < iters; i++) {
		if (dnnl_primitive_execute(dc->prim, strm, dc->nargs, dc->args) ||
		    dnnl_stream_wait(strm))
			abort();
	}
}

/* NULL where oneDNN has no implementation on this CPU (bf16 before AVX-512, say). */
static dnnl_primitive_t make_prim(const void *desc)
{
	dnnl_primitive_desc_t pd;
	dnnl_primitive_t prim;
	dnnl_status_t s = dnnl_primitive_desc_create(&pd, desc, NULL, eng, NULL);

	if (s == dnnl_unimplemented)
		return NULL;
	if (s || dnnl_primitive_create(&prim, pd))
		abort();
	dnnl_primitive_desc_destroy(pd);
	return prim;
}

static dnnl_memory_t make_mem(const dnnl_memory_desc_t *md, uint64_t va)
{
	dnnl_memory_t m;

	if (dnnl_memory_create(&m, md, eng, host(va)))
		abort();
	return m;
}

/*
 * The baseline as a direct oneDNN user writes it: weights in the layout the primitive
 * prefers, reordered once from OHWI before the timing (they are constant in inference).
 */
static dnnl_memory_t conv_weights(const dnnl_convolution_desc_t *cvd, uint64_t va)
{
	dnnl_memory_desc_t ohwi;
	dnnl_primitive_desc_t pd, rpd;
	const dnnl_memory_desc_t *want;
	dnnl_memory_t user, blocked;
	dnnl_primitive_t reorder;

	if (dnnl_primitive_desc_create(&pd, cvd, NULL, eng, NULL))
		abort();
	want = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
	dnnl_memory_desc_init_by_tag(&ohwi, 4, cvd->weights_desc.dims, dnnl_f32, dnnl_ohwi);
	user = make_mem(&ohwi, va);
	if (dnnl_memory_create(&blocked, want, eng, DNNL_MEMORY_ALLOCATE) ||
	    dnnl_reorder_primitive_desc_create(&rpd, &ohwi, eng, want, eng, NULL) ||
	    dnnl_primitive_create(&reorder, rpd))
		abort();
	if (dnnl_primitive_execute(reorder, strm, 2,
				   (dnnl_exec_arg_t[]){ { DNNL_ARG_FROM, user }, { DNNL_ARG_TO, blocked } }) ||
	    dnnl_stream_wait(strm))
		abort();
	dnnl_primitive_destroy(reorder);
	dnnl_primitive_desc_destroy(rpd);
	dnnl_primitive_desc_destroy(pd);
	dnnl_memory_destroy(user);
	return blocked;
}

/* ---- timing ----------------------------------------------------------------------------- */

/* Milliseconds per operation of one trial of @iters operations. */
static double trial_ms(void (*fn)(void *arg, long iters), void *arg, long iters)
{
	uint64_t t0 = bench_now_ns();

	fn(arg, iters);
	return (double)(bench_now_ns() - t0) / 1e6 / (double)iters;
}

/* Operations per trial for a trial of at least @min_ms, from the vnpu side's speed. */
static long trial_iters(struct vnpu_case *vc, double min_ms)
{
	long n = 1;
	double t;

	for (;;) {
		t = trial_ms(run_vnpu, vc, n) * (double)n;
		if (t >= min_ms / 8 || n >= 1L << 24)
			break;
		n *= 2;
	}
	return t > 0 ? (long)((double)n * min_ms / t) + 1 : n;
}

static struct bench_result stats(double *t, int n)
{
	struct bench_result r;

	qsort(t, n, sizeof(t[0]), bench_cmp);
	r.median = t[n / 2];
	r.min = t[0];
	r.max = t[n - 1];
	return r;
}

/*
 * One figure in bench.h's line format, in milliseconds (@us: microseconds, for the small
 * cases), the ratio as throughput.
 */
static double compare(const char *name, const char *base_name, struct vnpu_case *vc,
		      struct dnnl_case *dc, int rounds, long iters, bool us)
{
	double tv[MAX_ROUNDS], tb[MAX_ROUNDS], scale = us ? 1e3 : 1;
	struct bench_result v, b;
	int i;

	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
	for (i = 0; i < rounds; i++) {
		if (i & 1) {
			tb[i] = trial_ms(run_dnnl, dc, iters);
			tv[i] = trial_ms(run_vnpu, vc, iters);
		} else {
			tv[i] = trial_ms(run_vnpu, vc, iters);
			tb[i] = trial_ms(run_dnnl, dc, iters);
		}
	}
	v = stats(tv, rounds);
	b = stats(tb, rounds);
	printf("BENCH %s|%s|%.3f|%.3f|%.3f|%s|%.3f|%.3f|>= 0.95\n", name, us ? "us" : "ms",
	       v.median * scale, v.min * scale, v.max * scale, base_name, b.median * scale,
	       v.median > 0 ? b.median / v.median : 0.0);
	fflush(stdout);
	return v.median;
}

/* ---- cases ------------------------------------------------------------------------------ */

/*
 * struct bench_case - one figure: the packet (its operands in the arena), the baseline's
 * primitive on the same inputs writing @base_dst, and the check of both results.
 */
struct bench_case {
	char name[96];
	const char *base_name;
	struct vnpu_case vc;
	struct dnnl_case dc;
	union {
		struct vnpu_pkt_matmul mm;
		struct vnpu_pkt_conv2d cv;
	} pkt;
	uint64_t base_dst;
	uint64_t ohwi;	/* the convolution's weights, OHWI (packed or not in the packet) */
	bool us;
	void (*check)(const struct bench_case *bc);
};

static void __attribute__((noreturn, format(printf, 2, 3)))
mismatch(const struct bench_case *bc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_vnpu_compute: %s: wrong result: ", bc->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void case_free(struct bench_case *bc)
{
	for (int i = 0; i < bc->dc.nargs; i++)
		dnnl_memory_destroy(bc->dc.args[i].memory);
	if (bc->dc.prim)
		dnnl_primitive_destroy(bc->dc.prim);
	free(arena);
	arena = NULL;
	arena_size = 0;
}

/*
 * Sampled elements (two corners, the rest random) of C = A x B: for s8, the vnpu's must be
 * the exact sum (a scalar int64 dot product), and how often oneDNN's own result equals it is
 * reported (its int8 kernels saturate without VNNI); for f32 and bf16 the vnpu's must be
 * within the tolerance of oneDNN's and of a scalar dot product in double.
 */
static void matmul_check(const struct bench_case *bc)
{
	const struct vnpu_pkt_matmul *p = &bc->pkt.mm;
	double tol = p->src_type == VNPU_DT_BF16 ? 1e-2 : 1e-3;
	uint64_t m = p->m, n = p->n, k = p->k;
	int agree = 0;

	for (int s = 0; s < SAMPLES; s++) {
		uint64_t i = s == 0 ? 0 : s == 1 ? m - 1 : rnd() % m;
		uint64_t j = s == 0 ? 0 : s == 1 ? n - 1 : rnd() % n;
		double v = load(p->c_va, p->dst_type, i * n + j);
		double b = load(bc->base_dst, p->dst_type, i * n + j);

		if (p->src_type == VNPU_DT_S8) {
			const int8_t *a8 = host(p->a_va), *b8 = host(p->b_va);
			int64_t ref = 0;

			for (uint64_t kk = 0; kk < k; kk++)
				ref += (int64_t)a8[i * k + kk] * b8[kk * n + j];
			if (v != (double)ref)
				mismatch(bc, "C[%lu][%lu] = %.0f, exact %ld (oneDNN %.0f)",
					 (unsigned long)i, (unsigned long)j, v, (long)ref, b);
			agree += b == (double)ref;
		} else {
			double ref = 0, ss = 0;

			for (uint64_t kk = 0; kk < k; kk++) {
				double x = load(p->a_va, p->src_type, i * k + kk) *
					   load(p->b_va, p->src_type, kk * n + j);

				ref += x;
				ss += x * x;
			}
			if (!close_enough(v, b, tol, ss) || !close_enough(v, ref, tol, ss))
				mismatch(bc, "C[%lu][%lu] = %.9g, oneDNN %.9g, scalar %.9g",
					 (unsigned long)i, (unsigned long)j, v, b, ref);
		}
	}
	if (p->src_type == VNPU_DT_S8)
		printf("# %s: vnpu exact at %d of %d sampled elements; oneDNN's own s32 result "
		       "exact at %d\n", bc->name, SAMPLES, SAMPLES, agree);
}

/*
 * MATMUL m x k by k x n, row-major, of @st sources into a @dt destination; the baseline is
 * oneDNN's matmul of the same types. False (and a comment line) where oneDNN has none.
 */
static bool matmul_case(struct bench_case *bc, int64_t m, int64_t n, int64_t k, uint32_t st,
			uint32_t dt)
{
	struct vnpu_pkt_matmul *p = &bc->pkt.mm;
	size_t as = (size_t)(m * k) * dt_size(st), bs = (size_t)(k * n) * dt_size(st);
	size_t cs = (size_t)(m * n) * dt_size(dt);
	char shape[48], types[16];
	dnnl_memory_desc_t a_md, b_md, c_md;
	dnnl_matmul_desc_t d;

	memset(bc, 0, sizeof(*bc));
	if (m == n && n == k)
		snprintf(shape, sizeof(shape), "%ld^3", (long)m);
	else
		snprintf(shape, sizeof(shape), "%ldx%ldx%ld", (long)m, (long)n, (long)k);
	if (st == dt)
		snprintf(types, sizeof(types), "%s", dt_name(st));
	else
		snprintf(types, sizeof(types), "%s->%s", dt_name(st), dt_name(dt));
	snprintf(bc->name, sizeof(bc->name), "vnpu matmul %s %s", shape, types);
	bc->base_name = "oneDNN matmul direct";
	bc->us = m * n * k <= 1 << 21; /* a few microseconds: ms would show one digit */

	arena_open(page_up(as) + page_up(bs) + 2 * page_up(cs));
	*p = (struct vnpu_pkt_matmul){ .hdr = { VNPU_OP_MATMUL, sizeof(*p) / 4, 0 },
				       .src_type = st, .dst_type = dt, .batch = 1,
				       .m = m, .n = n, .k = k };
	p->a_va = arena_take(as);
	p->b_va = arena_take(bs);
	p->c_va = arena_take(cs);
	bc->base_dst = arena_take(cs);
	fill(p->a_va, st, m * k);
	fill(p->b_va, st, k * n);

	dnnl_memory_desc_init_by_tag(&a_md, 2, (dnnl_dims_t){ m, k }, dt_dnnl(st), dnnl_ab);
	dnnl_memory_desc_init_by_tag(&b_md, 2, (dnnl_dims_t){ k, n }, dt_dnnl(st), dnnl_ab);
	dnnl_memory_desc_init_by_tag(&c_md, 2, (dnnl_dims_t){ m, n }, dt_dnnl(dt), dnnl_ab);
	if (dnnl_matmul_desc_init(&d, &a_md, &b_md, NULL, &c_md))
		abort();
	bc->dc.prim = make_prim(&d);
	if (!bc->dc.prim) {
		printf("# %s: skipped, oneDNN has no such matmul on this CPU\n", bc->name);
		case_free(bc);
		return false;
	}
	bc->dc.nargs = 3;
	bc->dc.args[0] = (dnnl_exec_arg_t){ DNNL_ARG_SRC, make_mem(&a_md, p->a_va) };
	bc->dc.args[1] = (dnnl_exec_arg_t){ DNNL_ARG_WEIGHTS, make_mem(&b_md, p->b_va) };
	bc->dc.args[2] = (dnnl_exec_arg_t){ DNNL_ARG_DST, make_mem(&c_md, bc->base_dst) };
	bc->vc.cmds = p;
	bc->vc.len = sizeof(*p);
	bc->check = matmul_check;
	return true;
}

/*
 * Sampled output elements (two corners, to cover the padding, the rest random) of the
 * convolution: within 1e-3 of oneDNN's and of a scalar sum in double.
 */
static void conv_check(const struct bench_case *bc)
{
	const struct vnpu_pkt_conv2d *p = &bc->pkt.cv;
	const float *src = host(p->src_va), *wei = host(bc->ohwi);
	const int H = (int)p->h, W = (int)p->w, C = (int)p->c, OC = (int)p->oc;

	for (int s = 0; s < SAMPLES; s++) {
		int b = s == 0 ? 0 : s == 1 ? (int)p->n - 1 : (int)(rnd() % p->n);
		int y = s == 0 ? 0 : s == 1 ? H - 1 : (int)(rnd() % H);
		int x = s == 0 ? 0 : s == 1 ? W - 1 : (int)(rnd() % W);
		int o = (int)(rnd() % OC);
		size_t at = (((size_t)b * H + y) * W + x) * OC + o;
		double v = load(p->dst_va, VNPU_DT_F32, at), bv = load(bc->base_dst, VNPU_DT_F32, at);
		double ref = 0, ss = 0;

		for (int ky = 0; ky < 3; ky++) {
			for (int kx = 0; kx < 3; kx++) {
				int iy = y + ky - 1, ix = x + kx - 1;

				if (iy < 0 || iy >= H || ix < 0 || ix >= W)
					continue;
				for (int c = 0; c < C; c++) {
					double t = (double)src[(((size_t)b * H + iy) * W + ix) * C + c] *
						   wei[(((size_t)o * 3 + ky) * 3 + kx) * C + c];

					ref += t;
					ss += t * t;
				}
			}
		}
		if (!close_enough(v, bv, 1e-3, ss) || !close_enough(v, ref, 1e-3, ss))
			mismatch(bc, "dst[%d][%d][%d][%d] = %.9g, oneDNN %.9g, scalar %.9g", b, y, x,
				 o, v, bv, ref);
	}
}

/*
 * Pack the weights of @bc's convolution into @packed (@room bytes) on @compute, as a program
 * does at load: PACK_SIZE, then PACK_WEIGHTS; the packet then reads them packed.
 */
static void conv_pack(struct bench_case *bc, struct vnpu_compute *compute, uint64_t packed,
		      uint64_t room)
{
	struct vnpu_pkt_conv2d q = bc->pkt.cv;
	struct vnpu_exec_ctx ctx = { .mem = &flat_ops, .compute = compute };
	uint64_t size_va = arena_take(8), size;

	q.src_va = q.wei_va = q.bias_va = 0;
	q.dst_va = size_va;
	q.hdr.flags = VNPU_CONV2D_F_PACK_SIZE;
	if (vnpu_exec_stream(&ctx, &q, sizeof(q), NULL))
		abort();
	memcpy(&size, host(size_va), sizeof(size));
	if (size > room)
		abort(); /* the arena reserved twice the dense weights */
	q.wei_va = bc->ohwi;
	q.dst_va = packed;
	q.hdr.flags = VNPU_CONV2D_F_PACK_WEIGHTS;
	if (vnpu_exec_stream(&ctx, &q, sizeof(q), NULL))
		abort();
	bc->pkt.cv.wei_va = packed;
	bc->pkt.cv.hdr.flags |= VNPU_CONV2D_F_WEI_PACKED;
}

/*
 * CONV2D 3x3 @hw x @hw x @c -> @oc f32 of @batch images: NHWC, OHWI weights, as the ISA has
 * them, or with @packed, the weights packed first on @compute.
 */
static bool conv_case(struct bench_case *bc, int64_t batch, int64_t hw, int64_t c, int64_t oc,
		      bool packed, struct vnpu_compute *compute)
{
	const int64_t H = hw, W = hw, C = c, OC = oc;
	struct vnpu_pkt_conv2d *p = &bc->pkt.cv;
	size_t ss = (size_t)(batch * H * W * C) * 4, ws = (size_t)(OC * 9 * C) * 4;
	size_t ds = (size_t)(batch * H * W * OC) * 4;
	dnnl_memory_desc_t s_md, w_md, d_md;
	dnnl_convolution_desc_t cvd;

	memset(bc, 0, sizeof(*bc));
	snprintf(bc->name, sizeof(bc->name), "vnpu conv3x3 %ldx%ldx%ld->%ld f32", (long)H, (long)W,
		 (long)C, (long)OC);
	if (batch > 1)
		snprintf(bc->name + strlen(bc->name), sizeof(bc->name) - strlen(bc->name),
			 " batch %ld", (long)batch);
	if (packed)
		snprintf(bc->name + strlen(bc->name), sizeof(bc->name) - strlen(bc->name),
			 " packed weights");
	bc->base_name = "oneDNN conv direct";

	/* the packed weights get twice the dense size, and the packed size's u64 a page */
	arena_open(page_up(ss) + 3 * page_up(ws) + 2 * page_up(ds) + 4096);
	*p = (struct vnpu_pkt_conv2d){ .hdr = { VNPU_OP_CONV2D, sizeof(*p) / 4, 0 },
				       .dtype = VNPU_DT_F32, .n = batch, .h = H, .w = W, .c = C,
				       .oc = OC, .kh = 3, .kw = 3, .groups = 1, .stride_h = 1,
				       .stride_w = 1, .pad_top = 1, .pad_left = 1, .pad_bottom = 1,
				       .pad_right = 1, .dil_h = 1, .dil_w = 1 };
	p->src_va = arena_take(ss);
	p->wei_va = arena_take(ws);
	p->dst_va = arena_take(ds);
	bc->base_dst = arena_take(ds);
	bc->ohwi = p->wei_va;
	fill(p->src_va, VNPU_DT_F32, batch * H * W * C);
	fill(p->wei_va, VNPU_DT_F32, OC * 9 * C);
	if (packed)
		conv_pack(bc, compute, arena_take(2 * ws), 2 * ws);

	dnnl_memory_desc_init_by_tag(&s_md, 4, (dnnl_dims_t){ batch, C, H, W }, dnnl_f32, dnnl_nhwc);
	dnnl_memory_desc_init_by_tag(&w_md, 4, (dnnl_dims_t){ OC, C, 3, 3 }, dnnl_f32,
				     dnnl_format_tag_any);
	dnnl_memory_desc_init_by_tag(&d_md, 4, (dnnl_dims_t){ batch, OC, H, W }, dnnl_f32,
				     dnnl_nhwc);
	if (dnnl_dilated_convolution_forward_desc_init(&cvd, dnnl_forward_inference,
						       dnnl_convolution_direct, &s_md, &w_md, NULL,
						       &d_md, (dnnl_dims_t){ 1, 1 },
						       (dnnl_dims_t){ 0, 0 }, (dnnl_dims_t){ 1, 1 },
						       (dnnl_dims_t){ 1, 1 }))
		abort();
	bc->dc.prim = make_prim(&cvd);
	if (!bc->dc.prim)
		abort(); /* f32 direct convolution exists on every CPU oneDNN runs on */
	bc->dc.nargs = 3;
	bc->dc.args[0] = (dnnl_exec_arg_t){ DNNL_ARG_SRC, make_mem(&s_md, p->src_va) };
	bc->dc.args[1] = (dnnl_exec_arg_t){ DNNL_ARG_WEIGHTS, conv_weights(&cvd, bc->ohwi) };
	bc->dc.args[2] = (dnnl_exec_arg_t){ DNNL_ARG_DST, make_mem(&d_md, bc->base_dst) };
	bc->vc.cmds = p;
	bc->vc.len = sizeof(*p);
	bc->check = conv_check;
	return true;
}

/*
 * Run a built case: one run of each side (the vnpu builds and caches its primitive), the
 * check of their results, then @rounds alternating trials of each, a trial at least
 * @min_trial_ms long (0: one operation per trial, for the long cases); then free it.
 * Return: the vnpu side's median time in milliseconds.
 */
static double run_case(struct bench_case *bc, struct vnpu_compute *compute, int rounds,
		       double min_trial_ms)
{
	long iters = 1;
	double t;

	bc->vc.ctx.mem = &flat_ops;
	bc->vc.ctx.compute = compute;
	run_vnpu(&bc->vc, 1);
	run_dnnl(&bc->dc, 1);
	bc->check(bc);
	if (min_trial_ms > 0) {
		iters = trial_iters(&bc->vc, min_trial_ms); /* warms the vnpu side too */
		run_dnnl(&bc->dc, iters / 10 + 1);
	}
	t = compare(bc->name, bc->base_name, &bc->vc, &bc->dc, rounds, iters, bc->us);
	case_free(bc);
	return t;
}

static const char *isa_name(dnnl_cpu_isa_t isa)
{
	switch (isa) {
	case dnnl_cpu_isa_sse41:
		return "sse41";
	case dnnl_cpu_isa_avx:
		return "avx";
	case dnnl_cpu_isa_avx2:
		return "avx2";
	case dnnl_cpu_isa_avx2_vnni:
		return "avx2_vnni";
	case dnnl_cpu_isa_avx512_core:
		return "avx512_core";
	case dnnl_cpu_isa_avx512_core_vnni:
		return "avx512_core_vnni";
	case dnnl_cpu_isa_avx512_core_bf16:
		return "avx512_core_bf16";
	case dnnl_cpu_isa_avx512_core_amx:
		return "avx512_core_amx";
	default:
		return "other";
	}
}

/* A comment line: what oneDNN runs here, as it decides the int8 and bf16 paths. */
static void print_cpu(void)
{
	const dnnl_version_t *ver = dnnl_version();
	dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
	bool vnni = isa == dnnl_cpu_isa_avx2_vnni ||
		    (isa & dnnl_cpu_isa_avx512_core_vnni) == dnnl_cpu_isa_avx512_core_vnni;
	bool bf16 = (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;

	printf("# oneDNN %d.%d.%d, ISA %s: VNNI %s (int8: %s), native bf16 %s\n", ver->major,
	       ver->minor, ver->patch, isa_name(isa), vnni ? "yes" : "no",
	       vnni ? "the vnpu runs oneDNN's exact kernels" :
		      "the vnpu runs its own exact loop, oneDNN's saturates",
	       bf16 ? "yes" : "no");
	fflush(stdout);
}

int main(void)
{
	static const struct {
		int64_t m, n, k;
		uint32_t st, dt;
		int rounds;
		double min_trial_ms;
	} matmuls[] = {
		{ 4096, 4096, 4096, VNPU_DT_F32, VNPU_DT_F32, 3, 0 },
		{ 4096, 4096, 4096, VNPU_DT_BF16, VNPU_DT_F32, 3, 0 },
		{ 4096, 4096, 4096, VNPU_DT_S8, VNPU_DT_S32, 3, 0 },
		{ 1024, 1024, 1024, VNPU_DT_F32, VNPU_DT_F32, 9, 50 },
		{ 64, 64, 64, VNPU_DT_F32, VNPU_DT_F32, 9, 20 },
	};
	/* ResNet's first 3x3 stage (batch 1 and 8) and its last, where weights outweigh pixels */
	static const struct {
		int64_t batch, hw, c, oc;
	} convs[] = { { 1, 56, 64, 64 }, { 8, 56, 64, 64 }, { 1, 7, 512, 512 } };
	struct vnpu_compute *compute;
	struct bench_case bc;
	size_t i;

	if (vnpu_compute_create(&compute) || dnnl_engine_create(&eng, dnnl_cpu, 0) ||
	    dnnl_stream_create(&strm, eng, dnnl_stream_default_flags))
		abort();
	print_cpu();
	for (i = 0; i < sizeof(matmuls) / sizeof(matmuls[0]); i++)
		if (matmul_case(&bc, matmuls[i].m, matmuls[i].n, matmuls[i].k, matmuls[i].st,
				matmuls[i].dt))
			run_case(&bc, compute, matmuls[i].rounds, matmuls[i].min_trial_ms);
	for (i = 0; i < sizeof(convs) / sizeof(convs[0]); i++) {
		double reorder = 0, packed = 0;

		if (conv_case(&bc, convs[i].batch, convs[i].hw, convs[i].c, convs[i].oc, false,
			      compute))
			reorder = run_case(&bc, compute, 9, 25);
		if (conv_case(&bc, convs[i].batch, convs[i].hw, convs[i].c, convs[i].oc, true,
			      compute))
			packed = run_case(&bc, compute, 9, 25);
		if (reorder > 0 && packed > 0)
			printf("# conv3x3 %ldx%ldx%ld->%ld batch %ld: weights packed at load %.3f ms, "
			       "reordered per run %.3f ms: packed %.2fx the throughput\n",
			       (long)convs[i].hw, (long)convs[i].hw, (long)convs[i].c,
			       (long)convs[i].oc, (long)convs[i].batch, packed, reorder,
			       reorder / packed);
	}

	dnnl_stream_destroy(strm);
	dnnl_engine_destroy(eng);
	vnpu_compute_destroy(compute);
	return 0;
}
