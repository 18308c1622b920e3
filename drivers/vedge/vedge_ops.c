// SPDX-License-Identifier: MIT
/*
 * vedge: the NPU's int8 operations in plain C (docs/vedge-arith.md has the arithmetic).
 *
 * Everything here but CONV2D's and FULLY_CONNECTED's accumulation: requantization, the
 * output stage, depthwise convolution, pooling, the elementwise operations and the portable
 * convolution that vedge_ops_gemm.c replaces by an int8 matrix product where the CPU
 * accumulates int8 products exactly.
 *
 * Accumulators are 32-bit and wrap modulo 2^32 (as a 32-bit adder does); the sums are
 * computed in uint32_t so that a wrapping sum is defined behaviour, never signed overflow.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vedge_ops.h"
#include "vedge_ops_internal.h"

int32_t vedge_doubling_high_mul(int32_t a, int32_t b)
{
	int64_t ab;

	/* The one product whose doubled high half does not fit: (-1) * (-1) = +1. */
	if (a == INT32_MIN && b == INT32_MIN)
		return INT32_MAX;
	ab = (int64_t)a * b;
	/* floor((ab + 2^30) / 2^31): gcc's >> of a negative value is arithmetic (floor). */
	return (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
}

int32_t vedge_rounding_divide_pot(int32_t x, int32_t exponent)
{
	int32_t mask, remainder, threshold;

	if (exponent <= 0)
		return x;
	mask = (int32_t)(((uint32_t)1 << exponent) - 1);
	remainder = x & mask;
	/* A negative tie stays at the floor (away from zero), a positive one goes up. */
	threshold = (mask >> 1) + (x < 0);
	return (x >> exponent) + (remainder > threshold);
}

int32_t vedge_requant(int32_t acc, int32_t mult, int32_t shift)
{
	int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
	int64_t x = (int64_t)acc * ((int64_t)1 << left);

	/* acc * 2^left saturates to 32 bits before the multiply (docs/vedge-arith.md). */
	if (x > INT32_MAX)
		x = INT32_MAX;
	else if (x < INT32_MIN)
		x = INT32_MIN;
	return vedge_rounding_divide_pot(vedge_doubling_high_mul((int32_t)x, mult), right);
}

int8_t vedge_output(int32_t v, int32_t zero_point, const struct vedge_act *act)
{
	int64_t q = (int64_t)v + zero_point;

	if (q < act->min)
		q = act->min;
	if (q > act->max)
		q = act->max;
	return act->lut ? act->lut[q + 128] : (int8_t)q;
}

/* The clamped ofm value of a 32-bit accumulator (wrapped) through one channel's scale. */
static inline int8_t vedge_acc_out(uint32_t acc, const struct vedge_scale_entry *sc,
				   int32_t zero_point, const struct vedge_act *act)
{
	return vedge_output(vedge_requant((int32_t)acc, sc->multiplier, sc->shift), zero_point, act);
}

static inline const int8_t *vedge_at(const struct vedge_fmap *m, uint32_t y, uint32_t x)
{
	return m->base + (size_t)y * m->stride_y + (size_t)x * m->stride_x;
}

static inline int8_t *vedge_at_w(const struct vedge_fmap *m, uint32_t y, uint32_t x)
{
	return m->base + (size_t)y * m->stride_y + (size_t)x * m->stride_x;
}

/* The IFM coordinate of tap @k of output @o, or -1 when it falls in the padding. */
static inline int64_t vedge_tap(uint32_t o, uint32_t k, uint32_t stride, uint32_t dil,
				uint32_t pad, uint32_t size)
{
	int64_t i = (int64_t)o * stride - pad + (int64_t)k * dil;

	return i >= 0 && i < size ? i : -1;
}

/*
 * Copy or fill a few bytes: patches are often a handful of channels, too few for a call.
 * Up to 16 bytes go as one 16-byte move when the source has them (@src_end: the end of the
 * map), spilling into the row buffer's slack that the next write covers.
 */
static inline void vedge_copy(int8_t *dst, const int8_t *src, size_t n, const int8_t *src_end)
{
	size_t i;

	if (n <= 16 && src_end - src >= 16) {
		memcpy(dst, src, 16);
		return;
	}
	if (n > 32) {
		memcpy(dst, src, n);
		return;
	}
	for (i = 0; i < n; i++)
		dst[i] = src[i];
}

static inline void vedge_fill(int8_t *dst, int8_t v, size_t n)
{
	if (n <= 16) {
		memset(dst, v, 16);
		return;
	}
	memset(dst, v, n);
}

static inline __attribute__((always_inline)) void
vedge_im2col_one(const struct vedge_fmap *ifm, const struct vedge_window *win, uint32_t oy,
		 uint32_t ox, int8_t *row)
{
	uint32_t ky, kx, c = ifm->c;
	int8_t zp = (int8_t)ifm->zero_point;
	/* A kernel row's taps are one run of memory when pixels are dense and not dilated. */
	bool runs = win->dx == 1 && ifm->stride_x == c;
	int64_t x0 = (int64_t)ox * win->sx - win->pad_left;
	/* The taps [kx_lo, kx_hi) inside the map, for the runs. */
	int64_t kx_lo = x0 < 0 ? -x0 : 0, kx_hi = (int64_t)ifm->w - x0;

	const int8_t *end = ifm->base + (size_t)(ifm->h - 1) * ifm->stride_y +
			    (size_t)(ifm->w - 1) * ifm->stride_x + c;

	kx_hi = kx_hi > win->kw ? win->kw : kx_hi;
	for (ky = 0; ky < win->kh; ky++) {
		int64_t iy = vedge_tap(oy, ky, win->sy, win->dy, win->pad_top, ifm->h);

		/* Padding reads as the zero point: its (q - zp) is 0. */
		if (iy < 0) {
			vedge_fill(row, zp, (size_t)win->kw * c);
			row += (size_t)win->kw * c;
			continue;
		}
		if (runs) {
			vedge_fill(row, zp, (size_t)kx_lo * c);
			if (kx_hi > kx_lo)
				vedge_copy(row + (size_t)kx_lo * c,
					   vedge_at(ifm, (uint32_t)iy, (uint32_t)(x0 + kx_lo)),
					   (size_t)(kx_hi - kx_lo) * c, end);
			else
				kx_hi = kx_lo;
			vedge_fill(row + (size_t)kx_hi * c, zp, (size_t)(win->kw - kx_hi) * c);
			row += (size_t)win->kw * c;
			continue;
		}
		for (kx = 0; kx < win->kw; kx++) {
			int64_t ix = vedge_tap(ox, kx, win->sx, win->dx, win->pad_left, ifm->w);

			if (ix < 0)
				vedge_fill(row, zp, c);
			else
				vedge_copy(row, vedge_at(ifm, (uint32_t)iy, (uint32_t)ix), c, end);
			row += c;
		}
	}
}

int vedge_im2col_row(const struct vedge_fmap *ifm, const struct vedge_window *win,
		     uint32_t oy, uint32_t ox, int8_t *row)
{
	vedge_im2col_one(ifm, win, oy, ox, row);
	return 0;
}

void vedge_im2col_block(const struct vedge_fmap *ifm, const struct vedge_window *win,
			uint32_t ow, uint64_t p0, uint32_t m, int8_t *rows)
{
	uint32_t oy = (uint32_t)(p0 / ow), ox = (uint32_t)(p0 % ow), i;
	size_t k = (size_t)win->kh * win->kw * ifm->c;

	for (i = 0; i < m; i++, rows += k) {
		vedge_im2col_one(ifm, win, oy, ox, rows);
		if (++ox == ow) {
			ox = 0;
			oy++;
		}
	}
}

/*
 * The portable CONV2D: each output pixel's patch gathered once as (q - zp) in 16 bits,
 * then one contiguous dot product per output channel (vectorisable by the compiler).
 */
int vedge_conv2d_plain(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		       const struct vedge_window *win, const int8_t *weights,
		       const struct vedge_scale_entry *scales, const struct vedge_act *act)
{
	size_t k = (size_t)win->kh * win->kw * ifm->c, i;
	int8_t *row;
	int16_t *patch;
	uint32_t oy, ox, o;

	row = malloc(k + VEDGE_IM2COL_SLACK);
	patch = malloc(k * sizeof(*patch));
	if (!row || !patch) {
		free(row);
		free(patch);
		return -ENOMEM;
	}
	for (oy = 0; oy < ofm->h; oy++) {
		for (ox = 0; ox < ofm->w; ox++) {
			int8_t *out = vedge_at_w(ofm, oy, ox);

			vedge_im2col_row(ifm, win, oy, ox, row);
			for (i = 0; i < k; i++)
				patch[i] = (int16_t)(row[i] - ifm->zero_point);
			for (o = 0; o < ofm->c; o++) {
				const int8_t *w = weights + (size_t)o * k;
				uint32_t acc = (uint32_t)scales[o].bias;

				for (i = 0; i < k; i++)
					acc += (uint32_t)(patch[i] * w[i]);
				out[o] = vedge_acc_out(acc, &scales[o], ofm->zero_point, act);
			}
		}
	}
	free(row);
	free(patch);
	return 0;
}

int vedge_fully_connected_plain(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
				const int8_t *weights, const struct vedge_scale_entry *scales,
				const struct vedge_act *act)
{
	uint32_t n = ifm->c, i, o;
	int16_t *in;

	in = malloc((size_t)n * sizeof(*in));
	if (!in)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		in[i] = (int16_t)(ifm->base[i] - ifm->zero_point);
	for (o = 0; o < ofm->c; o++) {
		const int8_t *w = weights + (size_t)o * n;
		uint32_t acc = (uint32_t)scales[o].bias;

		for (i = 0; i < n; i++)
			acc += (uint32_t)(in[i] * w[i]);
		ofm->base[o] = vedge_acc_out(acc, &scales[o], ofm->zero_point, act);
	}
	free(in);
	return 0;
}

/*
 * DEPTHWISE_CONV2D: per output pixel, one accumulator per channel; each tap adds a
 * contiguous run of channels (the inner loop vectorises), padding taps are skipped (they
 * add (zp - zp) * w = 0).
 */
int vedge_op_depthwise_conv2d(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			      const struct vedge_window *win, const int8_t *weights,
			      const struct vedge_scale_entry *scales, const struct vedge_act *act)
{
	uint32_t c = ofm->c, oy, ox, ky, kx, i;
	int32_t zp = ifm->zero_point;
	uint32_t *acc;

	acc = malloc((size_t)c * sizeof(*acc));
	if (!acc)
		return -ENOMEM;
	for (oy = 0; oy < ofm->h; oy++) {
		for (ox = 0; ox < ofm->w; ox++) {
			int8_t *out = vedge_at_w(ofm, oy, ox);

			for (i = 0; i < c; i++)
				acc[i] = (uint32_t)scales[i].bias;
			for (ky = 0; ky < win->kh; ky++) {
				int64_t iy = vedge_tap(oy, ky, win->sy, win->dy, win->pad_top, ifm->h);

				if (iy < 0)
					continue;
				for (kx = 0; kx < win->kw; kx++) {
					int64_t ix = vedge_tap(ox, kx, win->sx, win->dx, win->pad_left,
							       ifm->w);
					const int8_t *in, *w;

					if (ix < 0)
						continue;
					in = vedge_at(ifm, (uint32_t)iy, (uint32_t)ix);
					w = weights + ((size_t)ky * win->kw + kx) * c;
					for (i = 0; i < c; i++)
						acc[i] += (uint32_t)((in[i] - zp) * w[i]);
				}
			}
			for (i = 0; i < c; i++)
				out[i] = vedge_acc_out(acc[i], &scales[i], ofm->zero_point, act);
		}
	}
	free(acc);
	return 0;
}

/*
 * Pooling: the window's elements inside the IFM (padding excluded). A window with none
 * (possible only with dilation larger than the map) gives the zero point, the real 0.
 */
static int vedge_pool(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		      const struct vedge_window *win, const struct vedge_act *act, bool avg)
{
	uint32_t c = ofm->c, oy, ox, ky, kx, i;
	int32_t *acc;

	acc = malloc((size_t)c * sizeof(*acc));
	if (!acc)
		return -ENOMEM;
	for (oy = 0; oy < ofm->h; oy++) {
		for (ox = 0; ox < ofm->w; ox++) {
			int8_t *out = vedge_at_w(ofm, oy, ox);
			int32_t n = 0;

			for (i = 0; i < c; i++)
				acc[i] = avg ? 0 : INT8_MIN;
			for (ky = 0; ky < win->kh; ky++) {
				int64_t iy = vedge_tap(oy, ky, win->sy, win->dy, win->pad_top, ifm->h);

				if (iy < 0)
					continue;
				for (kx = 0; kx < win->kw; kx++) {
					int64_t ix = vedge_tap(ox, kx, win->sx, win->dx, win->pad_left,
							       ifm->w);
					const int8_t *in;

					if (ix < 0)
						continue;
					in = vedge_at(ifm, (uint32_t)iy, (uint32_t)ix);
					n++;
					if (avg) {
						for (i = 0; i < c; i++)
							acc[i] += in[i];
					} else {
						for (i = 0; i < c; i++)
							acc[i] = in[i] > acc[i] ? in[i] : acc[i];
					}
				}
			}
			for (i = 0; i < c; i++) {
				int32_t v;

				if (!n) {
					v = ifm->zero_point;
				} else if (!avg) {
					v = acc[i];
				} else {
					/* round(sum / n), half away from zero. */
					int32_t mag = acc[i] < 0 ? -acc[i] : acc[i];

					v = (2 * mag + n) / (2 * n);
					v = acc[i] < 0 ? -v : v;
				}
				out[i] = vedge_output(v, 0, act);
			}
		}
	}
	free(acc);
	return 0;
}

int vedge_op_maxpool(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		     const struct vedge_window *win, const struct vedge_act *act)
{
	return vedge_pool(ifm, ofm, win, act, false);
}

int vedge_op_avgpool(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		     const struct vedge_window *win, const struct vedge_act *act)
{
	return vedge_pool(ifm, ofm, win, act, true);
}

/*
 * The IFM2 pixel paired with OFM pixel (y, x) and its channel step: a full map moves
 * with the OFM; a per-channel one (1x1xC) stays at its pixel; a scalar has step 0.
 */
static inline const int8_t *vedge_ifm2_at(const struct vedge_fmap *ifm2, uint32_t y, uint32_t x)
{
	if (ifm2->h == 1 && ifm2->w == 1)
		return ifm2->base;
	return vedge_at(ifm2, y, x);
}

static int vedge_elementwise(const struct vedge_fmap *ifm, const struct vedge_fmap *ifm2,
			     const struct vedge_fmap *ofm, const struct vedge_act *act, bool mul)
{
	uint32_t c = ofm->c, y, x, i;
	size_t step2 = ifm2->c == 1 && c > 1 ? 0 : 1;

	for (y = 0; y < ofm->h; y++) {
		for (x = 0; x < ofm->w; x++) {
			const int8_t *a = vedge_at(ifm, y, x), *b = vedge_ifm2_at(ifm2, y, x);
			int8_t *out = vedge_at_w(ofm, y, x);

			for (i = 0; i < c; i++) {
				int32_t qa = a[i] - ifm->zero_point;
				int32_t qb = b[i * step2] - ifm2->zero_point;
				int32_t v;

				if (mul) {
					v = vedge_requant(qa * qb, ofm->mult, ofm->shift);
				} else {
					int64_t sum = (int64_t)vedge_requant(qa * (1 << 20), ifm->mult,
									     ifm->shift) +
						      vedge_requant(qb * (1 << 20), ifm2->mult,
								    ifm2->shift);

					/* The 32-bit adder saturates (docs/vedge-arith.md). */
					if (sum > INT32_MAX)
						sum = INT32_MAX;
					else if (sum < INT32_MIN)
						sum = INT32_MIN;
					v = vedge_requant((int32_t)sum, ofm->mult, ofm->shift);
				}
				out[i] = vedge_output(v, ofm->zero_point, act);
			}
		}
	}
	return 0;
}

int vedge_op_add(const struct vedge_fmap *ifm, const struct vedge_fmap *ifm2,
		 const struct vedge_fmap *ofm, const struct vedge_act *act)
{
	return vedge_elementwise(ifm, ifm2, ofm, act, false);
}

int vedge_op_mul(const struct vedge_fmap *ifm, const struct vedge_fmap *ifm2,
		 const struct vedge_fmap *ofm, const struct vedge_act *act)
{
	return vedge_elementwise(ifm, ifm2, ofm, act, true);
}

int vedge_op_lut(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm, const int8_t *lut)
{
	uint32_t y, x, i;

	for (y = 0; y < ofm->h; y++) {
		for (x = 0; x < ofm->w; x++) {
			const int8_t *in = vedge_at(ifm, y, x);
			int8_t *out = vedge_at_w(ofm, y, x);

			for (i = 0; i < ofm->c; i++)
				out[i] = lut[in[i] + 128];
		}
	}
	return 0;
}
