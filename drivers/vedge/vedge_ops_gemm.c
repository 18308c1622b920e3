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

/*
 * The same with AVX-512, 16 channels at a time, for layers whose every shift is <= 0 and
 * every multiplier >= 0 (@e->simd_ok: real layers; no left shift to saturate, and no
 * INT32_MIN * INT32_MIN). The 64-bit products are taken on even and odd lanes apart
 * (vpmuldq), rounded and shifted as vedge_doubling_high_mul() does, and put back together.
 */
__attribute__((target("avx512f,avx512bw")))
static void vedge_epilogue_rows_avx512(const struct vedge_epilogue *e, const int32_t *acc,
				       uint32_t n, const struct vedge_fmap *ofm, uint64_t p0,
				       uint32_t m)
{
	const __m512i half = _mm512_set1_epi64((int64_t)1 << 30), one = _mm512_set1_epi32(1);
	const __m512i lo = _mm512_set1_epi32(-256), hi = _mm512_set1_epi32(256);
	const __m512i zp = _mm512_set1_epi32(e->zp), amin = _mm512_set1_epi32(e->min);
	const __m512i amax = _mm512_set1_epi32(e->max);
	uint32_t py = (uint32_t)(p0 / ofm->w), px = (uint32_t)(p0 % ofm->w), i, o;

	for (i = 0; i < m; i++, acc += n) {
		int8_t *out = ofm->base + (size_t)py * ofm->stride_y + (size_t)px * ofm->stride_x;

		if (++px == ofm->w) {
			px = 0;
			py++;
		}
		for (o = 0; o < n; o += 16) {
			__mmask16 k = n - o >= 16 ? 0xffff : (__mmask16)((1u << (n - o)) - 1);
			__m512i x = _mm512_add_epi32(_mm512_maskz_loadu_epi32(k, acc + o),
						     _mm512_maskz_loadu_epi32(k, e->add + o));
			__m512i mult = _mm512_maskz_loadu_epi32(k, e->mult + o);
			__m512i rshift = _mm512_maskz_loadu_epi32(k, e->rshift + o);
			__m512i rmask = _mm512_maskz_loadu_epi32(k, e->rmask + o);
			__m512i even, odd, h, rem, thr, v;

			even = _mm512_srai_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, mult), half),
						 31);
			odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(mult, 32));
			odd = _mm512_srai_epi64(_mm512_add_epi64(odd, half), 31);
			h = _mm512_mask_blend_epi32(0xaaaa, even, _mm512_slli_epi64(odd, 32));
			rem = _mm512_and_si512(h, rmask);
			thr = _mm512_add_epi32(_mm512_srai_epi32(rmask, 1), _mm512_srli_epi32(h, 31));
			v = _mm512_srav_epi32(h, rshift);
			v = _mm512_mask_add_epi32(v, _mm512_cmpgt_epi32_mask(rem, thr), v, one);
			v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
			v = _mm512_add_epi32(v, zp);
			v = _mm512_min_epi32(_mm512_max_epi32(v, amin), amax);
			_mm512_mask_cvtsepi32_storeu_epi8(out + o, k, v);
		}
	}
}

/* The output stage of @m pixels from pixel @p0 on (row-major over the OFM): @acc is m x n. */
static void vedge_epilogue_rows(const struct vedge_epilogue *e, const int32_t *acc, uint32_t n,
				const struct vedge_fmap *ofm, uint64_t p0, uint32_t m)
{
	uint32_t i, o;

	if (e->simd_ok)
		vedge_epilogue_rows_avx512(e, acc, n, ofm, p0, m);
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

static int vedge_conv2d_gemm(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
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

int vedge_op_conv2d(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		    const struct vedge_window *win, const int8_t *weights,
		    const struct vedge_scale_entry *scales, const struct vedge_act *act)
{
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
