// SPDX-License-Identifier: MIT
/*
 * vedge_ref: the reference arithmetic (vedge_ref.h). Deliberately naive: every output
 * element recomputed from scratch, 64-bit integers, no shared code with drivers/vedge.
 */
#include <math.h>
#include <stdint.h>

#include "vedge_ref.h"

static int64_t ref_sat32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v;
}

/* gemmlowp's SaturatingRoundingDoublingHighMul as TFLite writes it. */
static int32_t ref_high_mul(int32_t a, int32_t b)
{
	int64_t ab = (int64_t)a * (int64_t)b;
	int64_t nudge = ab >= 0 ? (1ll << 30) : 1 - (1ll << 30);

	if (a == INT32_MIN && b == INT32_MIN)
		return INT32_MAX;
	return (int32_t)((ab + nudge) / (1ll << 31));
}

/* round(x / 2^e), ties away from zero, on the magnitude. */
static int32_t ref_div_pot(int32_t x, int e)
{
	int64_t mag = x < 0 ? -(int64_t)x : x, r;

	if (e == 0)
		return x;
	r = (mag + (1ll << (e - 1))) / (1ll << e);
	return (int32_t)(x < 0 ? -r : r);
}

int32_t ref_requant(int32_t acc, int32_t mult, int32_t shift)
{
	int64_t x = acc;
	int i;

	for (i = 0; i < shift; i++)
		x = ref_sat32(x * 2);
	return ref_div_pot(ref_high_mul((int32_t)x, mult), shift < 0 ? -shift : 0);
}

static int8_t ref_get(const struct vedge_fmap *m, int64_t y, int64_t x, int64_t c)
{
	return m->base[y * m->stride_y + x * m->stride_x + c];
}

static void ref_put(const struct vedge_fmap *m, int64_t y, int64_t x, int64_t c, int8_t v)
{
	m->base[y * m->stride_y + x * m->stride_x + c] = v;
}

static int8_t ref_out(int64_t v, int64_t zp, const struct vedge_act *act)
{
	v += zp;
	if (v < act->min)
		v = act->min;
	if (v > act->max)
		v = act->max;
	return act->lut ? act->lut[v + 128] : (int8_t)v;
}

/* A 64-bit sum truncated to the 32-bit accumulator (modulo 2^32). */
static int32_t ref_wrap32(int64_t v)
{
	uint32_t u = (uint32_t)((uint64_t)v & 0xffffffffu);

	return u <= INT32_MAX ? (int32_t)u : (int32_t)((int64_t)u - 4294967296ll);
}

/* The IFM value at tap (iy, ix), or the zero point in the padding. */
static int64_t ref_tap(const struct vedge_fmap *ifm, int64_t iy, int64_t ix, int64_t c)
{
	if (iy < 0 || ix < 0 || iy >= ifm->h || ix >= ifm->w)
		return ifm->zero_point;
	return ref_get(ifm, iy, ix, c);
}

void ref_conv2d(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		const struct vedge_window *win, const int8_t *weights,
		const struct vedge_scale_entry *scales, const struct vedge_act *act)
{
	int64_t oy, ox, o, ky, kx, ci;

	for (oy = 0; oy < ofm->h; oy++)
		for (ox = 0; ox < ofm->w; ox++)
			for (o = 0; o < ofm->c; o++) {
				int64_t acc = scales[o].bias;

				for (ky = 0; ky < win->kh; ky++)
					for (kx = 0; kx < win->kw; kx++)
						for (ci = 0; ci < ifm->c; ci++) {
							int64_t iy = oy * win->sy - win->pad_top + ky * win->dy;
							int64_t ix = ox * win->sx - win->pad_left + kx * win->dx;
							int64_t w = weights[((o * win->kh + ky) * win->kw + kx) *
									    ifm->c + ci];

							acc += (ref_tap(ifm, iy, ix, ci) - ifm->zero_point) * w;
						}
				ref_put(ofm, oy, ox, o,
					ref_out(ref_requant(ref_wrap32(acc), scales[o].multiplier,
							    scales[o].shift),
						ofm->zero_point, act));
			}
}

void ref_depthwise_conv2d(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			  const struct vedge_window *win, const int8_t *weights,
			  const struct vedge_scale_entry *scales, const struct vedge_act *act)
{
	int64_t oy, ox, c, ky, kx;

	for (oy = 0; oy < ofm->h; oy++)
		for (ox = 0; ox < ofm->w; ox++)
			for (c = 0; c < ofm->c; c++) {
				int64_t acc = scales[c].bias;

				for (ky = 0; ky < win->kh; ky++)
					for (kx = 0; kx < win->kw; kx++) {
						int64_t iy = oy * win->sy - win->pad_top + ky * win->dy;
						int64_t ix = ox * win->sx - win->pad_left + kx * win->dx;
						int64_t w = weights[(ky * win->kw + kx) * ofm->c + c];

						acc += (ref_tap(ifm, iy, ix, c) - ifm->zero_point) * w;
					}
				ref_put(ofm, oy, ox, c,
					ref_out(ref_requant(ref_wrap32(acc), scales[c].multiplier,
							    scales[c].shift),
						ofm->zero_point, act));
			}
}

void ref_fully_connected(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			 const int8_t *weights, const struct vedge_scale_entry *scales,
			 const struct vedge_act *act)
{
	int64_t o, i;

	for (o = 0; o < ofm->c; o++) {
		int64_t acc = scales[o].bias;

		for (i = 0; i < ifm->c; i++)
			acc += (ifm->base[i] - (int64_t)ifm->zero_point) * weights[o * ifm->c + i];
		ofm->base[o] = ref_out(ref_requant(ref_wrap32(acc), scales[o].multiplier,
						   scales[o].shift),
				       ofm->zero_point, act);
	}
}

void ref_pool(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
	      const struct vedge_window *win, const struct vedge_act *act, int avg)
{
	int64_t oy, ox, c, ky, kx;

	for (oy = 0; oy < ofm->h; oy++)
		for (ox = 0; ox < ofm->w; ox++)
			for (c = 0; c < ofm->c; c++) {
				int64_t sum = 0, max = -1000, n = 0, v;

				for (ky = 0; ky < win->kh; ky++)
					for (kx = 0; kx < win->kw; kx++) {
						int64_t iy = oy * win->sy - win->pad_top + ky * win->dy;
						int64_t ix = ox * win->sx - win->pad_left + kx * win->dx;
						int64_t q;

						if (iy < 0 || ix < 0 || iy >= ifm->h || ix >= ifm->w)
							continue;
						q = ref_get(ifm, iy, ix, c);
						sum += q;
						max = q > max ? q : max;
						n++;
					}
				if (!n)
					v = ifm->zero_point;
				else if (avg)
					v = llround((double)sum / (double)n);
				else
					v = max;
				ref_put(ofm, oy, ox, c, ref_out(v, 0, act));
			}
}

/* IFM2's value paired with OFM element (y, x, c) under its broadcast mode. */
static int64_t ref_ifm2(const struct vedge_fmap *ifm2, int64_t y, int64_t x, int64_t c)
{
	if (ifm2->h == 1 && ifm2->w == 1 && ifm2->c == 1)
		return ref_get(ifm2, 0, 0, 0);
	if (ifm2->h == 1 && ifm2->w == 1)
		return ref_get(ifm2, 0, 0, c);
	return ref_get(ifm2, y, x, c);
}

void ref_add(const struct vedge_fmap *ifm, const struct vedge_fmap *ifm2,
	     const struct vedge_fmap *ofm, const struct vedge_act *act)
{
	int64_t y, x, c;

	for (y = 0; y < ofm->h; y++)
		for (x = 0; x < ofm->w; x++)
			for (c = 0; c < ofm->c; c++) {
				int64_t a = ref_get(ifm, y, x, c) - (int64_t)ifm->zero_point;
				int64_t b = ref_ifm2(ifm2, y, x, c) - ifm2->zero_point;
				int64_t sa = ref_requant((int32_t)(a * 1048576), ifm->mult, ifm->shift);
				int64_t sb = ref_requant((int32_t)(b * 1048576), ifm2->mult, ifm2->shift);

				ref_put(ofm, y, x, c,
					ref_out(ref_requant((int32_t)ref_sat32(sa + sb), ofm->mult,
							    ofm->shift),
						ofm->zero_point, act));
			}
}

void ref_mul(const struct vedge_fmap *ifm, const struct vedge_fmap *ifm2,
	     const struct vedge_fmap *ofm, const struct vedge_act *act)
{
	int64_t y, x, c;

	for (y = 0; y < ofm->h; y++)
		for (x = 0; x < ofm->w; x++)
			for (c = 0; c < ofm->c; c++) {
				int64_t a = ref_get(ifm, y, x, c) - (int64_t)ifm->zero_point;
				int64_t b = ref_ifm2(ifm2, y, x, c) - ifm2->zero_point;

				ref_put(ofm, y, x, c,
					ref_out(ref_requant((int32_t)(a * b), ofm->mult, ofm->shift),
						ofm->zero_point, act));
			}
}

void ref_lut(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm, const int8_t *lut)
{
	int64_t y, x, c;

	for (y = 0; y < ofm->h; y++)
		for (x = 0; x < ofm->w; x++)
			for (c = 0; c < ofm->c; c++)
				ref_put(ofm, y, x, c, lut[ref_get(ifm, y, x, c) + 128]);
}
