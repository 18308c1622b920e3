// SPDX-License-Identifier: MIT
/*
 * Quantization parameters and the device's integer arithmetic (compiler/quant_params.h).
 */
#include "compiler/quant_params.h"

#include <errno.h>
#include <math.h>

int quant_multiplier_from_real(double real, struct quant_multiplier *q)
{
	int64_t m;
	int e;

	q->m = 0;
	q->shift = 0;
	if (!isfinite(real) || real < 0)
		return -EINVAL;
	/* Below 2^-32 even the smallest M and s round every int32 accumulator to 0 or +-1. */
	if (real < 0x1p-32)
		return 0;
	/* real = f * 2^e with f in [0.5, 1): M = f * 2^31 in [2^30, 2^31], s = e. */
	m = llround(frexp(real, &e) * 0x1p31);
	if (m == (1LL << 31)) {
		m /= 2;
		e++;
	}
	if (e > 31)
		return -ERANGE;
	q->m = (int32_t)m;
	q->shift = e;
	return 0;
}

int quant_output_multiplier(float in_scale, float w_scale, float out_scale,
			    struct quant_multiplier *q)
{
	if (!(out_scale > 0)) {
		q->m = 0;
		q->shift = 0;
		return -EINVAL;
	}
	return quant_multiplier_from_real((double)in_scale * w_scale / out_scale, q);
}

/* gemmlowp's SaturatingRoundingDoublingHighMul: round(a * b / 2^31), ties away from zero. */
static int32_t doubling_high_mul(int32_t a, int32_t b)
{
	int64_t ab = (int64_t)a * b;
	int64_t nudge = ab >= 0 ? (1LL << 30) : 1 - (1LL << 30);

	if (a == INT32_MIN && b == INT32_MIN)
		return INT32_MAX;
	/* C's division truncates toward zero: with the nudge, ties go away from zero. */
	return (int32_t)((ab + nudge) / (1LL << 31));
}

/* gemmlowp's RoundingDivideByPOT: round(x / 2^exp), ties away from zero; exp in 0..31. */
static int32_t rounding_divide_pot(int32_t x, int exp)
{
	int64_t mask = (1LL << exp) - 1;
	int64_t rem = (int64_t)x & mask;
	int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
	/* An arithmetic shift, written as a floor division so as not to rely on >> of negatives. */
	int64_t floor_div = (int64_t)x >= 0 ? (int64_t)x >> exp : -((-(int64_t)x + mask) >> exp);

	return (int32_t)(floor_div + (rem > threshold ? 1 : 0));
}

int32_t quant_requant(int32_t acc, struct quant_multiplier q)
{
	int left = q.shift > 0 ? q.shift : 0;
	int right = q.shift > 0 ? 0 : -q.shift;
	int64_t x = (int64_t)acc * ((int64_t)1 << left);

	x = quant_saturate(x, INT32_MIN, INT32_MAX);
	return rounding_divide_pot(doubling_high_mul((int32_t)x, q.m), right);
}

double quant_round_half_even(double v)
{
	double r = round(v);

	/* round() takes ties away from zero; step back to the even neighbour. */
	if (fabs(v - trunc(v)) == 0.5)
		r = 2.0 * round(v / 2.0);
	return r;
}

int64_t quant_saturate(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int quant_choose_asymmetric(float min, float max, float *scale, int8_t *zero_point)
{
	double zp;

	if (!isfinite(min) || !isfinite(max) || min > max)
		return -EINVAL;
	min = fminf(min, 0.0f);
	max = fmaxf(max, 0.0f);
	if (max == min) {
		*scale = 1.0f;
		*zero_point = 0;
		return 0;
	}
	*scale = (max - min) / 255.0f;
	zp = quant_round_half_even(-128.0 - (double)min / *scale);
	*zero_point = (int8_t)quant_saturate((int64_t)zp, -128, 127);
	return 0;
}

int quant_weights_per_channel(const float *w, size_t channels, size_t per, int8_t *q, float *scale)
{
	for (size_t c = 0; c < channels; c++) {
		const float *row = w + c * per;
		float amax = 0.0f;

		for (size_t i = 0; i < per; i++) {
			if (!isfinite(row[i]))
				return -EINVAL;
			amax = fmaxf(amax, fabsf(row[i]));
		}
		scale[c] = amax > 0.0f ? amax / 127.0f : 1.0f;
		for (size_t i = 0; i < per; i++) {
			double v = quant_round_half_even((double)row[i] / scale[c]);

			q[c * per + i] = (int8_t)quant_saturate((int64_t)v, -127, 127);
		}
	}
	return 0;
}

int32_t quant_bias(float b, float in_scale, float w_scale)
{
	double s = (double)in_scale * w_scale, v;

	if (s == 0.0 || !isfinite(b))
		return 0;
	v = quant_round_half_even((double)b / s);
	if (v <= (double)INT32_MIN)
		return INT32_MIN;
	if (v >= (double)INT32_MAX)
		return INT32_MAX;
	return (int32_t)v;
}

/* @v / @scale rounded half to even, plus @zp, clamped to int8. */
static int32_t quantize_one(double v, float scale, int8_t zp)
{
	double q = quant_round_half_even(v / scale) + zp;

	if (q < -128.0)
		return -128;
	if (q > 127.0)
		return 127;
	return (int32_t)q;
}

void quant_act_range(enum quant_act act, float lo, float hi, float scale, int8_t zero_point,
		     int32_t *qmin, int32_t *qmax)
{
	*qmin = -128;
	*qmax = 127;
	switch (act) {
	case QUANT_ACT_NONE:
		break;
	case QUANT_ACT_RELU:
		*qmin = zero_point;
		break;
	case QUANT_ACT_CLIP:
		*qmin = quantize_one(lo, scale, zero_point);
		*qmax = quantize_one(hi, scale, zero_point);
		break;
	}
}

int quant_add_params(float s1, float s2, float s_out, struct quant_add_params *p)
{
	double twice_max;

	if (!(s1 > 0) || !(s2 > 0) || !(s_out > 0))
		return -EINVAL;
	twice_max = 2.0 * fmax(s1, s2);
	return quant_multiplier_from_real(s1 / twice_max, &p->in1) ?:
	       quant_multiplier_from_real(s2 / twice_max, &p->in2) ?:
	       quant_multiplier_from_real(twice_max / ((double)(1 << QUANT_ADD_LEFT_SHIFT) * s_out),
					  &p->out);
}

int8_t quant_add(int8_t q1, int8_t zp1, int8_t q2, int8_t zp2, int8_t zp_out,
		 const struct quant_add_params *p, int32_t act_min, int32_t act_max)
{
	int32_t a = quant_requant((q1 - zp1) * (1 << QUANT_ADD_LEFT_SHIFT), p->in1);
	int32_t b = quant_requant((q2 - zp2) * (1 << QUANT_ADD_LEFT_SHIFT), p->in2);
	int64_t sum = (int64_t)quant_requant(a + b, p->out) + zp_out;

	return (int8_t)quant_saturate(sum, act_min, act_max);
}

int quant_lut_build(float (*f)(float), float in_scale, int8_t in_zp, float out_scale,
		    int8_t out_zp, int8_t lut[256])
{
	if (!(in_scale > 0) || !(out_scale > 0))
		return -EINVAL;
	for (int q = -128; q < 128; q++)
		lut[q + 128] = (int8_t)quantize_one(f((float)((q - in_zp) * (double)in_scale)),
						    out_scale, out_zp);
	return 0;
}
