// SPDX-License-Identifier: MIT
/*
 * Quantization parameters and the device's integer arithmetic (compiler/quant_params.c):
 * float scales to (M, s), requantization as TFLite computes it, scale and zero point choice,
 * per-channel weights, biases, activation clamps, the quantized ADD and activation tables.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "compiler/quant_params.h"

static void test_known_scales_give_known_multipliers(void **state)
{
	struct quant_multiplier q;

	(void)state;
	assert_int_equal(quant_multiplier_from_real(0.5, &q), 0);
	assert_int_equal(q.m, 1 << 30);
	assert_int_equal(q.shift, 0);
	assert_int_equal(quant_multiplier_from_real(1.0, &q), 0);
	assert_int_equal(q.m, 1 << 30);
	assert_int_equal(q.shift, 1);
	assert_int_equal(quant_multiplier_from_real(0.75, &q), 0);
	assert_int_equal(q.m, 3 << 29);
	assert_int_equal(q.shift, 0);
	assert_int_equal(quant_multiplier_from_real(0.0625, &q), 0);
	assert_int_equal(q.m, 1 << 30);
	assert_int_equal(q.shift, -3);
}

static void test_multiplier_stays_in_the_devices_range(void **state)
{
	(void)state;
	for (double r = 1e-9; r < 1e6; r *= 1.37) {
		struct quant_multiplier q;
		double back;

		assert_int_equal(quant_multiplier_from_real(r, &q), 0);
		assert_true(q.m >= (1 << 30));
		assert_true(q.shift >= -31 && q.shift <= 31);
		back = q.m * ldexp(1.0, q.shift - 31);
		assert_true(fabs(back - r) <= r * 1e-9);
	}
}

static void test_multiplier_refuses_what_it_cannot_represent(void **state)
{
	struct quant_multiplier q;

	(void)state;
	assert_int_equal(quant_multiplier_from_real(0x1p31, &q), -ERANGE);
	assert_int_equal(quant_multiplier_from_real(-0.5, &q), -EINVAL);
	assert_int_equal(quant_multiplier_from_real(NAN, &q), -EINVAL);
	assert_int_equal(quant_multiplier_from_real(1e-12, &q), 0);
	assert_int_equal(q.m, 0);
	assert_int_equal(q.shift, 0);
}

/*
 * TFLite's two roundings: the doubling high multiply nudges by 2^30 up for a positive product
 * and by 1 - 2^30 for a negative one, so that an exact negative tie goes toward zero there;
 * the rounding right shift takes every tie away from zero.
 */
static void test_requant_rounds_ties_as_tflite_does(void **state)
{
	struct quant_multiplier half, quarter;

	(void)state;
	assert_int_equal(quant_multiplier_from_real(0.5, &half), 0);
	assert_int_equal(quant_requant(3, half), 2);
	assert_int_equal(quant_requant(5, half), 3);
	assert_int_equal(quant_requant(-3, half), -1);
	assert_int_equal(quant_requant(4, half), 2);
	assert_int_equal(quant_multiplier_from_real(0.25, &quarter), 0);
	assert_int_equal(quarter.shift, -1);
	assert_int_equal(quant_requant(6, quarter), 2);
	assert_int_equal(quant_requant(-6, quarter), -2);
	assert_int_equal(quant_requant(-2, quarter), -1);
	assert_int_equal(quant_requant(2, quarter), 1);
}

static void test_requant_is_within_one_lsb_of_the_float_formula(void **state)
{
	static const double reals[] = { 0.000123, 0.0031, 0.02, 0.4999, 0.77, 1.0, 3.3, 17.0 };

	(void)state;
	for (size_t r = 0; r < sizeof(reals) / sizeof(reals[0]); r++) {
		struct quant_multiplier q;

		assert_int_equal(quant_multiplier_from_real(reals[r], &q), 0);
		for (int64_t acc = -1000000; acc <= 1000000; acc += 997) {
			double want = (double)acc * reals[r];

			if (fabs(want) > 2e9)
				continue;
			assert_true(fabs(quant_requant((int32_t)acc, q) - want) <= 1.0);
		}
	}
}

static void test_requant_with_a_left_shift_saturates(void **state)
{
	struct quant_multiplier q;

	(void)state;
	assert_int_equal(quant_multiplier_from_real(3.0, &q), 0);
	assert_int_equal(q.shift, 2);
	assert_int_equal(quant_requant(100, q), 300);
	/* The shifted accumulator saturates at INT32_MAX before the multiply by 0.75. */
	assert_int_equal(quant_requant(INT32_MAX / 2, q), 1610612735);
	assert_int_equal(quant_requant(INT32_MIN + 5, q), -1610612736);
}

static void test_round_half_even_takes_ties_to_even(void **state)
{
	(void)state;
	assert_true(quant_round_half_even(0.5) == 0.0);
	assert_true(quant_round_half_even(1.5) == 2.0);
	assert_true(quant_round_half_even(2.5) == 2.0);
	assert_true(quant_round_half_even(-2.5) == -2.0);
	assert_true(quant_round_half_even(2.6) == 3.0);
}

static void test_asymmetric_choice_makes_zero_exact_and_covers_the_range(void **state)
{
	float scale;
	int8_t zp;

	(void)state;
	assert_int_equal(quant_choose_asymmetric(0.0f, 2.55f, &scale, &zp), 0);
	assert_float_equal(scale, 0.01f, 1e-7);
	assert_int_equal(zp, -128);
	/* A range above 0 is widened to include it. */
	assert_int_equal(quant_choose_asymmetric(1.0f, 2.55f, &scale, &zp), 0);
	assert_int_equal(zp, -128);
	assert_int_equal(quant_choose_asymmetric(-1.0f, 3.0f, &scale, &zp), 0);
	assert_float_equal(scale, 4.0f / 255.0f, 1e-7);
	assert_true(fabs((-128 - zp) * scale - -1.0f) <= scale / 2);
	assert_true(fabs((127 - zp) * scale - 3.0f) <= scale / 2);
}

static void test_asymmetric_choice_of_an_empty_range_is_the_identity(void **state)
{
	float scale;
	int8_t zp;

	(void)state;
	assert_int_equal(quant_choose_asymmetric(0.0f, 0.0f, &scale, &zp), 0);
	assert_true(scale == 1.0f);
	assert_int_equal(zp, 0);
	assert_int_equal(quant_choose_asymmetric(2.0f, 1.0f, &scale, &zp), -EINVAL);
}

static void test_weights_are_symmetric_per_channel(void **state)
{
	static const float w[] = { 0.5f, -1.0f, 0.25f, 0.0f, 0.0f, 0.0f, 3.0f, -3.0f, 1.5f };
	int8_t q[9];
	float scale[3];

	(void)state;
	assert_int_equal(quant_weights_per_channel(w, 3, 3, q, scale), 0);
	assert_float_equal(scale[0], 1.0f / 127, 1e-9);
	assert_int_equal(q[0], 64);	/* 63.5 to even */
	assert_int_equal(q[1], -127);
	assert_int_equal(q[2], 32);	/* 31.75 */
	assert_true(scale[1] == 1.0f);
	assert_int_equal(q[3], 0);
	assert_float_equal(scale[2], 3.0f / 127, 1e-9);
	assert_int_equal(q[6], 127);
	assert_int_equal(q[7], -127);
	assert_int_equal(q[8], 64);
}

static void test_bias_is_at_input_times_weight_scale(void **state)
{
	(void)state;
	assert_int_equal(quant_bias(1.0f, 0.01f, 0.1f), 1000);
	assert_int_equal(quant_bias(-0.0025f, 0.1f, 0.01f), -2);	/* -2.5 to even */
	assert_int_equal(quant_bias(1e12f, 1e-3f, 1e-3f), INT32_MAX);
	assert_int_equal(quant_bias(1.0f, 0.0f, 1.0f), 0);
}

static void test_activation_ranges_clamp_in_the_quantized_domain(void **state)
{
	int32_t lo, hi;

	(void)state;
	quant_act_range(QUANT_ACT_NONE, 0, 0, 0.1f, 5, &lo, &hi);
	assert_int_equal(lo, -128);
	assert_int_equal(hi, 127);
	quant_act_range(QUANT_ACT_RELU, 0, 0, 0.1f, 5, &lo, &hi);
	assert_int_equal(lo, 5);
	assert_int_equal(hi, 127);
	quant_act_range(QUANT_ACT_CLIP, 0.0f, 6.0f, 0.1f, -10, &lo, &hi);
	assert_int_equal(lo, -10);
	assert_int_equal(hi, 50);
	quant_act_range(QUANT_ACT_CLIP, -100.0f, 100.0f, 0.1f, 0, &lo, &hi);
	assert_int_equal(lo, -128);
	assert_int_equal(hi, 127);
}

static void test_quantized_add_is_within_one_lsb_of_the_float_sum(void **state)
{
	const float s1 = 0.02f, s2 = 0.05f, so = 0.06f;
	const int8_t z1 = 3, z2 = -7, zo = 10;
	struct quant_add_params p;

	(void)state;
	assert_int_equal(quant_add_params(s1, s2, so, &p), 0);
	for (int a = -128; a < 128; a += 5) {
		for (int b = -128; b < 128; b += 3) {
			double want = ((a - z1) * s1 + (b - z2) * s2) / so + zo;
			int8_t got = quant_add((int8_t)a, z1, (int8_t)b, z2, zo, &p, -128, 127);

			want = want < -128 ? -128 : want > 127 ? 127 : want;
			assert_true(fabs(got - want) <= 1.0);
		}
	}
}

static float sigmoid(float x)
{
	return 1.0f / (1.0f + expf(-x));
}

static void test_lut_tabulates_the_activation_on_the_input_grid(void **state)
{
	const float in_scale = 8.0f / 255, out_scale = 1.0f / 256;
	const int8_t in_zp = 0, out_zp = -128;
	int8_t lut[256];

	(void)state;
	assert_int_equal(quant_lut_build(sigmoid, in_scale, in_zp, out_scale, out_zp, lut), 0);
	for (int q = -128; q < 128; q++) {
		double want = sigmoid((q - in_zp) * in_scale) / out_scale + out_zp;

		want = want > 127 ? 127 : want;
		assert_true(fabs(lut[q + 128] - want) <= 0.5 + 1e-6);
		if (q > -128)
			assert_true(lut[q + 128] >= lut[q + 127]);
	}
	assert_int_equal(quant_lut_build(sigmoid, 0.0f, 0, 1.0f, 0, lut), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_scales_give_known_multipliers),
		cmocka_unit_test(test_multiplier_stays_in_the_devices_range),
		cmocka_unit_test(test_multiplier_refuses_what_it_cannot_represent),
		cmocka_unit_test(test_requant_rounds_ties_as_tflite_does),
		cmocka_unit_test(test_requant_is_within_one_lsb_of_the_float_formula),
		cmocka_unit_test(test_requant_with_a_left_shift_saturates),
		cmocka_unit_test(test_round_half_even_takes_ties_to_even),
		cmocka_unit_test(test_asymmetric_choice_makes_zero_exact_and_covers_the_range),
		cmocka_unit_test(test_asymmetric_choice_of_an_empty_range_is_the_identity),
		cmocka_unit_test(test_weights_are_symmetric_per_channel),
		cmocka_unit_test(test_bias_is_at_input_times_weight_scale),
		cmocka_unit_test(test_activation_ranges_clamp_in_the_quantized_domain),
		cmocka_unit_test(test_quantized_add_is_within_one_lsb_of_the_float_sum),
		cmocka_unit_test(test_lut_tabulates_the_activation_on_the_input_grid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
