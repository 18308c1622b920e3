// SPDX-License-Identifier: MIT
/*
 * vedge: CONV2D and FULLY_CONNECTED through oneDNN's int8 matrix product.
 *
 * A convolution is a product: A = the im2col matrix, one row of kh * kw * IFM_DEPTH bytes
 * per output pixel (padding taps filled with the IFM zero point), B = the OHWI weights, one
 * row per output channel, C = A x B^T in 32-bit integers by dnnl_gemm_s8s8s32. The zero
 * point then costs nothing per tap: sum (q - zp) * w = sum q * w - zp * sum w, and since
 * padding reads zp, sum w runs over the whole kernel for every pixel, so the correction is
 * one constant per output channel, folded into the bias. All of it is modulo 2^32, as the
 * accumulator is, so the result is the reference's bit for bit.
 *
 * oneDNN's int8 product is exact only where the CPU multiplies with VNNI (vpdpbusd adds
 * 8-bit products straight into 32 bits; without it, vpmaddubsw's 16-bit pair sums
 * saturate). Elsewhere the portable loops of vedge_ops.c run. oneDNN's convolution
 * primitive is not used: it takes the accumulators through f32 on the way out, which is not
 * exact beyond 2^24.
 *
 * The output stage (bias, requantization, zero point, clamp, table) runs here in integer C
 * written for the vectoriser; with AVX-512 (checked at run time) the same loop is compiled
 * for it, since 64-bit products and per-lane shifts are what it needs.
 *
 * Nothing is shared between calls but each thread's scratch (the im2col rows and the
 * accumulators, kept from one call to the next so that a layer does not fault fresh pages in
 * on every run): a thread-specific buffer, freed when its thread ends. gemm itself takes no
 * state, so the device model may run several operations at once on different threads.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <immintrin.h>

#include <oneapi/dnnl/dnnl.h>

#include "vedge_ops.h"
#include "vedge_ops_internal.h"

/*
 * Bytes of im2col rows and accumulators per product: bounds the scratch while keeping the
 * products large (each dnnl_gemm_s8s8s32 call is one OpenMP parallel region to start and
 * join, which a busy machine makes expensive).
 */
size_t vedge_gemm_block_bytes = (size_t)4 << 20;

static pthread_once_t vedge_gemm_once = PTHREAD_ONCE_INIT;
static bool vedge_gemm_exact;	/* written once under vedge_gemm_once */
static bool vedge_have_avx512;	/* likewise */
static bool vedge_have_vnni512;	/* likewise: AVX-512 VNNI (vpdpbusd) */
static pthread_key_t vedge_scratch_key;	/* likewise; each thread's struct vedge_scratch */
static bool vedge_scratch_ok;	/* likewise: the key exists */

/* struct vedge_scratch - one thread's working memory: @size bytes at @mem. */
struct vedge_scratch {
	void *mem;
	size_t size;
};

static void vedge_scratch_free(void *p)
{
	struct vedge_scratch *s = p;

	free(s->mem);
	free(s);
}

/*
 * This thread's scratch of at least @size bytes (64-byte aligned), or NULL. It keeps the
 * largest size asked for, so that a model's layers stop allocating after the first run.
 */
static void *vedge_scratch_get(size_t size)
{
	struct vedge_scratch *s;
	void *mem;

	if (!vedge_scratch_ok)
		return NULL;
	s = pthread_getspecific(vedge_scratch_key);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		if (pthread_setspecific(vedge_scratch_key, s)) {
			free(s);
			return NULL;
		}
	}
	if (s->size >= size)
		return s->mem;
	size = (size + 4095) & ~(size_t)4095;
	if (posix_memalign(&mem, 64, size))
		return NULL;
	free(s->mem);
	s->mem = mem;
	s->size = size;
	return mem;
}

static void vedge_gemm_probe(void)
{
	vedge_scratch_ok = !pthread_key_create(&vedge_scratch_key, vedge_scratch_free);
	dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();

	vedge_gemm_exact = isa == dnnl_cpu_isa_avx2_vnni ||
			   (isa & dnnl_cpu_isa_avx512_core_vnni) == dnnl_cpu_isa_avx512_core_vnni;
	__builtin_cpu_init();
	vedge_have_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
	vedge_have_vnni512 = vedge_have_avx512 && __builtin_cpu_supports("avx512vnni");
}

bool vedge_gemm_available(void)
{
	pthread_once(&vedge_gemm_once, vedge_gemm_probe);
	return vedge_gemm_exact;
}

/*
 * struct vedge_epilogue - the per-channel constants of the output stage.
 * @add: bias[o] - zp_ifm * sum(w[o]) (mod 2^32), added to the raw product.
 * @mult: M[o]. @lscale: 2^max(s, 0). @rshift: max(-s, 0); @rmask: 2^rshift - 1.
 * @simd_ok: the CPU has AVX-512 and no channel shifts left or has a negative multiplier.
 */
struct vedge_epilogue {
	uint32_t *add;
	int32_t *mult;
	int64_t *lscale;
	int32_t *rshift;
	int32_t *rmask;
	int32_t zp, min, max;
	const int8_t *lut;
	bool simd_ok;
};

static int vedge_epilogue_init(struct vedge_epilogue *e, uint32_t n, uint32_t k,
			       const int8_t *weights, int32_t ifm_zp,
			       const struct vedge_scale_entry *scales, int32_t ofm_zp,
			       const struct vedge_act *act)
{
	uint32_t o, i;

	e->add = malloc((size_t)n * sizeof(*e->add));
	e->mult = malloc((size_t)n * sizeof(*e->mult));
	e->lscale = malloc((size_t)n * sizeof(*e->lscale));
	e->rshift = malloc((size_t)n * sizeof(*e->rshift));
	e->rmask = malloc((size_t)n * sizeof(*e->rmask));
	if (!e->add || !e->mult || !e->lscale || !e->rshift || !e->rmask) {
		free(e->add);
		free(e->mult);
		free(e->lscale);
		free(e->rshift);
		free(e->rmask);
		return -ENOMEM;
	}
	e->simd_ok = vedge_have_avx512;
	for (o = 0; o < n; o++) {
		const int8_t *w = weights + (size_t)o * k;
		int32_t s = scales[o].shift;
		uint32_t sum = 0;

		for (i = 0; i < k; i++)
			sum += (uint32_t)(int32_t)w[i];
		e->add[o] = (uint32_t)scales[o].bias - (uint32_t)ifm_zp * sum;
		e->mult[o] = scales[o].multiplier;
		e->lscale[o] = (int64_t)1 << (s > 0 ? s : 0);
		e->rshift[o] = s > 0 ? 0 : -s;
		e->rmask[o] = (int32_t)(((uint32_t)1 << e->rshift[o]) - 1);
		if (s > 0 || scales[o].multiplier < 0)
			e->simd_ok = false;
	}
	e->zp = ofm_zp;
	e->min = act->min;
	e->max = act->max;
	e->lut = act->lut;
	return 0;
}

static void vedge_epilogue_fini(struct vedge_epilogue *e)
{
	free(e->add);
	free(e->mult);
	free(e->lscale);
	free(e->rshift);
	free(e->rmask);
}

/*
 * One output pixel, lane by lane: vedge_requant() then vedge_output() without the table,
 * in 64-bit integer steps (the tests hold it to the reference).
 */
static void vedge_epilogue_row_generic(const struct vedge_epilogue *e, const int32_t *acc,
				       int8_t *out, uint32_t n)
{
	uint32_t o;

	for (o = 0; o < n; o++) {
		int32_t x = (int32_t)((uint32_t)acc[o] + e->add[o]);
		int64_t xs = (int64_t)x * e->lscale[o];
		int32_t xl, hi, rem, thr, v;

		xs = xs > INT32_MAX ? INT32_MAX : xs;
		xs = xs < INT32_MIN ? INT32_MIN : xs;
		xl = (int32_t)xs;
		hi = (int32_t)(((int64_t)xl * e->mult[o] + ((int64_t)1 << 30)) >> 31);
		/* The one product past 32 bits: INT32_MIN * INT32_MIN (a multiplier the checker
		 * refuses, but defined anyway). */
		hi = (xl == INT32_MIN && e->mult[o] == INT32_MIN) ? INT32_MAX : hi;
		rem = hi & e->rmask[o];
		thr = (e->rmask[o] >> 1) + (hi < 0);
		v = (hi >> e->rshift[o]) + (rem > thr);
		/* Clamp before adding the zero point: v + zp could overflow, the clamp cannot. */
		v = v < -256 ? -256 : v;
		v = v > 256 ? 256 : v;
		v += e->zp;
		v = v < e->min ? e->min : v;
		v = v > e->max ? e->max : v;
		out[o] = (int8_t)v;
	}
}

/* One block of 16 channels' constants of the output stage, in registers. */
struct vedge_epi16 {
	__m512i add, mult, multo, rshift, rmask, rhalf;
};

__attribute__((target("avx512f,avx512bw")))
static inline void vedge_epi16_load(struct vedge_epi16 *q, const struct vedge_epilogue *e,
				    uint32_t o, __mmask16 k)
{
	q->add = _mm512_maskz_loadu_epi32(k, e->add + o);
	q->mult = _mm512_maskz_loadu_epi32(k, e->mult + o);
	q->multo = _mm512_srli_epi64(q->mult, 32);
	q->rshift = _mm512_maskz_loadu_epi32(k, e->rshift + o);
	q->rmask = _mm512_maskz_loadu_epi32(k, e->rmask + o);
	q->rhalf = _mm512_srai_epi32(q->rmask, 1);
}

/*
 * The output stage of 16 raw accumulators @acc, up to the zero point: the int8 values in
 * 32-bit lanes. @lo, @hi: the clamp less the zero point; @zp: the zero point.
 */
__attribute__((target("avx512f,avx512bw")))
static inline __m512i vedge_epi16_apply(const struct vedge_epi16 *q, __m512i acc, __m512i lo,
					__m512i hi, __m512i zp)
{
	const __m512i half = _mm512_set1_epi64((int64_t)1 << 30), one = _mm512_set1_epi32(1);
	__m512i x = _mm512_add_epi32(acc, q->add);
	__m512i even, odd, h, thr, v;

	even = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, q->mult), half), 31);
	odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), q->multo);
	odd = _mm512_slli_epi64(_mm512_add_epi64(odd, half), 1);
	h = _mm512_mask_blend_epi32(0xaaaa, even, odd);
	thr = _mm512_add_epi32(q->rhalf, _mm512_srli_epi32(h, 31));
	v = _mm512_srav_epi32(h, q->rshift);
	v = _mm512_mask_add_epi32(v, _mm512_cmpgt_epi32_mask(_mm512_and_si512(h, q->rmask), thr),
				  v, one);
	v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
	return _mm512_add_epi32(v, zp);
}

/*
 * The same with AVX-512, 16 channels at a time, for layers whose every shift is <= 0 and
 * every multiplier >= 0 (@e->simd_ok: real layers; no left shift to saturate, and no
 * INT32_MIN * INT32_MIN). The 64-bit products are taken on even and odd lanes apart
 * (vpmuldq), rounded as vedge_doubling_high_mul() does (the odd lanes' bits 31..62 land in
 * the high half by a shift left of 1, the even lanes' by a shift right of 31), then divided
 * by 2^rshift as vedge_requant() does. Channel blocks are the outer loop, so that a block's
 * constants stay in registers over all @m pixels (the accumulators are in cache).
 *
 * The two clamps are one: clamp(v, -256, 256) + zp clamped to [min, max] equals
 * clamp(v, min - zp, max - zp) + zp, as min - zp and max - zp lie in [-255, 255].
 */
__attribute__((target("avx512f,avx512bw")))
static void vedge_epilogue_rows_avx512(const struct vedge_epilogue *e, const int32_t *acc,
				       uint32_t n, const struct vedge_fmap *ofm, uint64_t p0,
				       uint32_t m)
{
	const __m512i zp = _mm512_set1_epi32(e->zp), lo = _mm512_set1_epi32(e->min - e->zp);
	const __m512i hi = _mm512_set1_epi32(e->max - e->zp);
	uint32_t py0 = (uint32_t)(p0 / ofm->w), px0 = (uint32_t)(p0 % ofm->w), i, o;

	for (o = 0; o < n; o += 16) {
		__mmask16 k = n - o >= 16 ? 0xffff : (__mmask16)((1u << (n - o)) - 1);
		const int32_t *a = acc + o;
		uint32_t py = py0, px = px0;
		struct vedge_epi16 q;

		vedge_epi16_load(&q, e, o, k);
		for (i = 0; i < m; i++, a += n) {
			int8_t *out = ofm->base + (size_t)py * ofm->stride_y +
				      (size_t)px * ofm->stride_x + o;

			if (++px == ofm->w) {
				px = 0;
				py++;
			}
			_mm512_mask_cvtepi32_storeu_epi8(out, k, vedge_epi16_apply(
					&q, _mm512_maskz_loadu_epi32(k, a), lo, hi, zp));
		}
	}
}

/* The output stage of @m pixels from pixel @p0 on (row-major over the OFM): @acc is m x n. */
static void vedge_epilogue_rows(const struct vedge_epilogue *e, const int32_t *acc, uint32_t n,
				const struct vedge_fmap *ofm, uint64_t p0, uint32_t m)
{
	uint32_t i, o;

	if (e->simd_ok) {
		vedge_epilogue_rows_avx512(e, acc, n, ofm, p0, m);
		if (!e->lut)
			return;
	}
	for (i = 0; i < m; i++) {
		uint64_t p = p0 + i;
		int8_t *out = ofm->base + (p / ofm->w) * ofm->stride_y + (p % ofm->w) * ofm->stride_x;

		if (!e->simd_ok)
			vedge_epilogue_row_generic(e, acc + (size_t)i * n, out, n);
		if (e->lut) {
			for (o = 0; o < n; o++)
				out[o] = e->lut[out[o] + 128];
		}
	}
}

/* C (m x n, 32-bit) = A (m x k, row stride lda) x B^T (B: n x k, dense), exactly. */
static int vedge_gemm(uint32_t m, uint32_t n, uint32_t k, const int8_t *a, size_t lda,
		      const int8_t *b, int32_t *c)
{
	const int32_t zero = 0;
	dnnl_status_t s;

	s = dnnl_gemm_s8s8s32('N', 'T', 'F', m, n, k, 1.0f, a, (dnnl_dim_t)lda, 0, b, k, 0, 0.0f,
			      c, n, &zero);
	if (s == dnnl_success)
		return 0;
	return s == dnnl_out_of_memory ? -ENOMEM : -EIO;
}

/*
 * A 1x1 convolution with stride 1 and no padding reads its rows straight from the IFM
 * (each pixel's channels are one row of A, pixels stride_x apart) when rows follow rows.
 */
static bool vedge_conv_is_pointwise(const struct vedge_fmap *ifm, const struct vedge_window *win)
{
	return win->kh == 1 && win->kw == 1 && win->sy == 1 && win->sx == 1 &&
	       !win->pad_top && !win->pad_left && !win->pad_bottom && !win->pad_right &&
	       ifm->stride_y == (uint64_t)ifm->w * ifm->stride_x;
}

int vedge_conv2d_gemm(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		      const struct vedge_window *win, const int8_t *weights,
		      const struct vedge_scale_entry *scales, const struct vedge_act *act)
{
	uint32_t k = win->kh * win->kw * ifm->c, n = ofm->c;
	uint64_t pixels = (uint64_t)ofm->h * ofm->w, p0;
	bool direct = vedge_conv_is_pointwise(ifm, win);
	uint64_t fit = vedge_gemm_block_bytes / ((direct ? 0 : k) + (uint64_t)n * sizeof(int32_t));
	uint32_t rows = pixels < fit ? (uint32_t)pixels : fit ? (uint32_t)fit : 1;
	size_t c_bytes = ((size_t)rows * n * sizeof(int32_t) + 63) & ~(size_t)63;
	struct vedge_epilogue e;
	int8_t *a = NULL;
	int32_t *c;
	int ret;

	ret = vedge_epilogue_init(&e, n, k, weights, ifm->zero_point, scales, ofm->zero_point,
				  act);
	if (ret)
		return ret;
	c = vedge_scratch_get(c_bytes + (direct ? 0 : (size_t)rows * k + VEDGE_IM2COL_SLACK));
	if (!c) {
		ret = -ENOMEM;
		goto out;
	}
	if (!direct)
		a = (int8_t *)c + c_bytes;
	for (p0 = 0; p0 < pixels; p0 += rows) {
		uint32_t m = pixels - p0 < rows ? (uint32_t)(pixels - p0) : rows;
		const int8_t *rows_a;
		size_t lda;

		if (direct) {
			rows_a = ifm->base + p0 * ifm->stride_x;
			lda = ifm->stride_x;
		} else {
			vedge_im2col_block(ifm, win, ofm->w, p0, m, a);
			rows_a = a;
			lda = k;
		}
		ret = vedge_gemm(m, n, k, rows_a, lda, weights, c);
		if (ret)
			goto out;
		vedge_epilogue_rows(&e, c, n, ofm, p0, m);
	}
	ret = 0;
out:
	vedge_epilogue_fini(&e);
	return ret;
}

bool vedge_direct_available(void)
{
	pthread_once(&vedge_gemm_once, vedge_gemm_probe);
	return vedge_have_vnni512;
}

/* Output pixels the direct path computes at once, each with its accumulator register. */
#define VEDGE_DIRECT_TILE	8

/*
 * The direct product of VEDGE_DIRECT_TILE output pixels (@t_n of them stored), their
 * channels 16 at a time. The IFM is a padded copy of q + 128 as bytes (padding holds the
 * zero point + 128), so that a pixel's taps are @quads runs of four bytes at @qoff[] from its
 * window corner @xb[t]: one 32-bit load, broadcast, and vpdpbusd multiplies the four
 * unsigned bytes by the four taps' signed weights (@wq: a row of @np words per quad) and adds
 * the four products into a 32-bit lane, exactly (no saturation: |sum| < 2^17). The lanes
 * start at @corr = -128 * sum(w) (mod 2^32), which takes the + 128 back out. A run whose
 * length is not a multiple of 4 reads up to 3 bytes past its end, whose weights are 0. Each
 * weight vector is loaded once for the whole tile. With @e (a layer whose output stage
 * vedge_epilogue_rows_avx512() can run, and no table) the accumulators go through it
 * straight from registers to the pixels at @ob[]; else they are stored at @c (@t_n rows of
 * @n) for vedge_epilogue_rows().
 */
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void vedge_direct_tile_avx512(const uint8_t *const *xb, uint32_t t_n,
				     const size_t *qoff, uint32_t quads, const int32_t *wq,
				     const int32_t *corr, uint32_t np, int32_t *c, uint32_t n,
				     const struct vedge_epilogue *e, int8_t *const *ob)
{
	__m512i zp = _mm512_setzero_si512(), lo = zp, hi = zp;
	uint32_t o, q, t;

	if (e) {
		zp = _mm512_set1_epi32(e->zp);
		lo = _mm512_set1_epi32(e->min - e->zp);
		hi = _mm512_set1_epi32(e->max - e->zp);
	}

	for (o = 0; o < n; o += 16) {
		__mmask16 km = n - o >= 16 ? 0xffff : (__mmask16)((1u << (n - o)) - 1);
		__m512i acc[VEDGE_DIRECT_TILE];
		const int32_t *w = wq + o;

		for (t = 0; t < VEDGE_DIRECT_TILE; t++)
			acc[t] = _mm512_load_si512(corr + o);
		for (q = 0; q < quads; q++, w += np) {
			__m512i wv = _mm512_load_si512(w);

			for (t = 0; t < VEDGE_DIRECT_TILE; t++) {
				int32_t pr;

				memcpy(&pr, xb[t] + qoff[q], sizeof(pr));
				acc[t] = _mm512_dpbusd_epi32(acc[t], _mm512_set1_epi32(pr), wv);
			}
		}
		if (e) {
			struct vedge_epi16 qc;

			vedge_epi16_load(&qc, e, o, km);
			for (t = 0; t < t_n; t++)
				_mm512_mask_cvtepi32_storeu_epi8(ob[t] + o, km, vedge_epi16_apply(
						&qc, acc[t], lo, hi, zp));
			continue;
		}
		for (t = 0; t < t_n; t++)
			_mm512_mask_storeu_epi32(c + (size_t)t * n + o, km, acc[t]);
	}
}

/*
 * struct vedge_direct - the direct path's operands.
 * @x: the IFM as q + 128 bytes, padded with its zero point to rows of @row bytes.
 * @wts: the weights in runs of four taps, [run][quad][np] words, zeros past n and past a run.
 * @corr: -128 * sum(w) per channel (np words), the accumulators' start.
 * @qoff: each quad's offset in @x from a pixel's window corner (@quads of them: @runs runs
 *	of taps, @r4 quads each).
 */
struct vedge_direct {
	uint8_t *x;
	int32_t *wts, *corr;
	size_t *qoff;
	uint32_t runs, r4, quads, np;
	size_t row;
};

static void vedge_direct_free(struct vedge_direct *d)
{
	free(d->x);
	free(d->wts);
	free(d->qoff);
	free(d->corr);
}

static int vedge_direct_init(struct vedge_direct *d, const struct vedge_fmap *ifm,
			     const struct vedge_fmap *ofm, const struct vedge_window *win,
			     const int8_t *weights)
{
	uint32_t c = ifm->c, n = ofm->c, k = win->kh * win->kw * c, rlen, ky, kx, r, j, o;
	uint64_t hp = (uint64_t)win->pad_top + ifm->h + win->pad_bottom;
	uint64_t wpx = (uint64_t)win->pad_left + ifm->w + win->pad_right;
	uint64_t need_h = (uint64_t)(ofm->h - 1) * win->sy + (uint64_t)(win->kh - 1) * win->dy + 1;
	uint64_t need_w = (uint64_t)(ofm->w - 1) * win->sx + (uint64_t)(win->kw - 1) * win->dx + 1;
	size_t xs, y, i;

	memset(d, 0, sizeof(*d));
	/* An OFM larger than the window reaches still reads padding there, as im2col does. */
	hp = hp > need_h ? hp : need_h;
	wpx = wpx > need_w ? wpx : need_w;
	/* Dense undilated kernel rows are one run of taps; dilated ones a run per tap. */
	d->runs = win->dx == 1 ? win->kh : win->kh * win->kw;
	rlen = win->dx == 1 ? win->kw * c : c;
	d->r4 = (rlen + 3) / 4;
	d->quads = d->runs * d->r4;
	d->np = (n + 15) & ~15u;
	d->row = (size_t)wpx * c;
	xs = (size_t)hp * d->row + 4;	/* + the taps a short quad reads past the end */
	d->x = malloc(xs * sizeof(*d->x));
	d->qoff = malloc((size_t)d->quads * sizeof(*d->qoff));
	if (posix_memalign((void **)&d->wts, 64, (size_t)d->quads * d->np * sizeof(*d->wts)))
		d->wts = NULL;
	if (posix_memalign((void **)&d->corr, 64, (size_t)d->np * sizeof(*d->corr)))
		d->corr = NULL;
	if (!d->x || !d->qoff || !d->wts || !d->corr) {
		vedge_direct_free(d);
		return -ENOMEM;
	}
	for (i = 0; i < xs; i++)
		d->x[i] = (uint8_t)(ifm->zero_point + 128);
	for (y = 0; y < ifm->h; y++) {
		uint8_t *dst = d->x + (y + win->pad_top) * d->row + (size_t)win->pad_left * c;
		const int8_t *src = ifm->base + y * ifm->stride_y;

		if (ifm->stride_x == c) {
			/* Dense pixels: one run the compiler widens 32 bytes at a time. */
			for (i = 0; i < (size_t)ifm->w * c; i++)
				dst[i] = (uint8_t)(src[i] + 128);
			continue;
		}
		for (i = 0; i < ifm->w; i++)
			for (j = 0; j < c; j++)
				dst[i * c + j] = (uint8_t)(src[i * ifm->stride_x + j] + 128);
	}
	for (r = 0; r < d->runs; r++) {
		ky = win->dx == 1 ? r : r / win->kw;
		kx = win->dx == 1 ? 0 : r % win->kw;
		for (j = 0; j < d->r4; j++)
			d->qoff[r * d->r4 + j] = (size_t)ky * win->dy * d->row +
						 (size_t)kx * win->dx * c + 4 * j;
	}
	/* Tap t of run r is weight column r * rlen + t ([ky][kx][c] order either way). */
	for (r = 0; r < d->runs; r++) {
		for (j = 0; j < d->r4; j++) {
			int32_t *dst = d->wts + ((size_t)r * d->r4 + j) * d->np;

			for (o = 0; o < d->np; o++) {
				const int8_t *w = weights + (size_t)o * k + (size_t)r * rlen;
				uint32_t word = 0, t;

				for (t = 4 * j; t < 4 * j + 4; t++)
					if (o < n && t < rlen)
						word |= (uint32_t)(uint8_t)w[t] << (8 * (t - 4 * j));
				dst[o] = (int32_t)word;
			}
		}
	}
	for (o = 0; o < d->np; o++) {
		uint32_t sum = 0;

		for (i = 0; o < n && i < k; i++)
			sum += (uint32_t)(int32_t)weights[(size_t)o * k + i];
		d->corr[o] = (int32_t)(0u - 128u * sum);
	}
	return 0;
}

int vedge_conv2d_direct(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			const struct vedge_window *win, const int8_t *weights,
			const struct vedge_scale_entry *scales, const struct vedge_act *act)
{
	uint32_t k = win->kh * win->kw * ifm->c, n = ofm->c, rows = VEDGE_DIRECT_ROWS, i;
	uint64_t pixels = (uint64_t)ofm->h * ofm->w, p0;
	struct vedge_epilogue e;
	struct vedge_direct d;
	int32_t *c;
	bool fused;
	int ret;

	if (!vedge_direct_available())
		return -EOPNOTSUPP;
	/* An empty OFM: nothing to write (and no window to size the padded copy by). */
	if (!pixels)
		return 0;
	ret = vedge_epilogue_init(&e, n, k, weights, ifm->zero_point, scales, ofm->zero_point,
				  act);
	if (ret)
		return ret;
	ret = vedge_direct_init(&d, ifm, ofm, win, weights);
	if (ret)
		goto out_e;
	fused = e.simd_ok && !e.lut;
	c = vedge_scratch_get((size_t)rows * n * sizeof(*c));
	if (!c) {
		ret = -ENOMEM;
		goto out;
	}
	for (p0 = 0; p0 < pixels; p0 += rows) {
		uint32_t m = pixels - p0 < rows ? (uint32_t)(pixels - p0) : rows;
		uint32_t oy = (uint32_t)(p0 / ofm->w), ox = (uint32_t)(p0 % ofm->w);

		for (i = 0; i < m; i += VEDGE_DIRECT_TILE) {
			const uint8_t *xb[VEDGE_DIRECT_TILE];
			int8_t *ob[VEDGE_DIRECT_TILE];
			uint32_t t_n = m - i < VEDGE_DIRECT_TILE ? m - i : VEDGE_DIRECT_TILE, t;

			for (t = 0; t < VEDGE_DIRECT_TILE; t++) {
				/* Past the last pixel: computed (from valid memory), not stored. */
				if (t >= t_n) {
					xb[t] = xb[0];
					continue;
				}
				xb[t] = d.x + (size_t)oy * win->sy * d.row +
					(size_t)ox * win->sx * ifm->c;
				ob[t] = ofm->base + (size_t)oy * ofm->stride_y +
					(size_t)ox * ofm->stride_x;
				if (++ox == ofm->w) {
					ox = 0;
					oy++;
				}
			}
			vedge_direct_tile_avx512(xb, t_n, d.qoff, d.quads, d.wts, d.corr, d.np,
						 c + (size_t)i * n, n, fused ? &e : NULL, ob);
		}
		/* The output stage while this block's accumulators are in cache. */
		if (!fused)
			vedge_epilogue_rows(&e, c, n, ofm, p0, m);
	}
	ret = 0;
out:
	vedge_direct_free(&d);
out_e:
	vedge_epilogue_fini(&e);
	return ret;
}

int vedge_op_conv2d(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		    const struct vedge_window *win, const int8_t *weights,
		    const struct vedge_scale_entry *scales, const struct vedge_act *act)
{
	if (win->kh * win->kw * ifm->c <= VEDGE_DIRECT_MAX_K && vedge_direct_available())
		return vedge_conv2d_direct(ifm, ofm, win, weights, scales, act);
	if (!vedge_gemm_available())
		return vedge_conv2d_plain(ifm, ofm, win, weights, scales, act);
	return vedge_conv2d_gemm(ifm, ofm, win, weights, scales, act);
}

int vedge_op_fully_connected(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			     const int8_t *weights, const struct vedge_scale_entry *scales,
			     const struct vedge_act *act)
{
	struct vedge_epilogue e;
	int32_t *c;
	int ret;

	if (!vedge_gemm_available())
		return vedge_fully_connected_plain(ifm, ofm, weights, scales, act);
	ret = vedge_epilogue_init(&e, ofm->c, ifm->c, weights, ifm->zero_point, scales,
				  ofm->zero_point, act);
	if (ret)
		return ret;
	c = malloc((size_t)ofm->c * sizeof(*c));
	if (!c) {
		ret = -ENOMEM;
		goto out;
	}
	/* One row of A: the IFM's values, dense since HEIGHT = WIDTH = 1. */
	ret = vedge_gemm(1, ofm->c, ifm->c, ifm->base, ifm->c, weights, c);
	if (!ret)
		vedge_epilogue_rows(&e, c, ofm->c, ofm, 0, 1);
	free(c);
out:
	vedge_epilogue_fini(&e);
	return ret;
}
