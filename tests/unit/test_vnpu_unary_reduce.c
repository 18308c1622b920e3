// SPDX-License-Identifier: MIT
/*
 * vnpu UNARY and REDUCE: every UNARY function against a float64 reference (f32, and bf16 in
 * place), every REDUCE operation over a set of axes of a 4-D tensor (f32 and bf16); and the
 * parser refuses parameters a function does not take, an empty clip range, unknown
 * operations and bad axes, before anything is written.
 */
#include "vnpu_test.h"

static double un_ref(uint32_t op, double x, double a, double b)
{
	switch (op) {
	case VNPU_UNARY_EXP: return exp(x);
	case VNPU_UNARY_LOG: return log(x);
	case VNPU_UNARY_SQRT: return sqrt(x);
	case VNPU_UNARY_ABS: return fabs(x);
	case VNPU_UNARY_NEG: return -x;
	case VNPU_UNARY_RECIPROCAL: return 1 / x;
	case VNPU_UNARY_ERF: return erf(x);
	case VNPU_UNARY_FLOOR: return floor(x);
	case VNPU_UNARY_CEIL: return ceil(x);
	case VNPU_UNARY_ROUND: return nearbyint(x);
	case VNPU_UNARY_SIGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
	case VNPU_UNARY_SIN: return sin(x);
	case VNPU_UNARY_COS: return cos(x);
	case VNPU_UNARY_LEAKY_RELU: return x >= 0 ? x : a * x;
	case VNPU_UNARY_ELU: return x >= 0 ? x : a * (exp(x) - 1);
	case VNPU_UNARY_SELU: return b * (x > 0 ? x : a * (exp(x) - 1));
	case VNPU_UNARY_CLIP: return fmin(fmax(x, a), b);
	case VNPU_UNARY_HARDSIGMOID: return fmax(0, fmin(1, a * x + b));
	case VNPU_UNARY_HARDSWISH: return x * fmax(0, fmin(1, x / 6 + 0.5));
	case VNPU_UNARY_SOFTPLUS: return log1p(exp(x));
	case VNPU_UNARY_SOFTSIGN: return x / (1 + fabs(x));
	default: return a * x + b; /* LINEAR */
	}
}

/* The parameters each function is tested with (0 for those it takes none of). */
static void un_params(uint32_t op, float *a, float *b)
{
	*a = *b = 0;
	switch (op) {
	case VNPU_UNARY_LEAKY_RELU:
	case VNPU_UNARY_ELU:
		*a = 0.3f;
		break;
	case VNPU_UNARY_SELU:
		*a = 1.5f;
		*b = 1.25f;
		break;
	case VNPU_UNARY_CLIP:
		*a = -0.25f;
		*b = 0.5f;
		break;
	case VNPU_UNARY_HARDSIGMOID:
		*a = 0.4f;
		*b = 0.5f;
		break;
	case VNPU_UNARY_LINEAR:
		*a = 2.5f;
		*b = -1.0f;
		break;
	}
}

/* Run @op over @n values in [-4, 4) (positive where the function needs it). */
static void run_unary(struct vt *t, uint32_t dt, uint32_t op, bool in_place)
{
	const size_t n = 517;
	uint32_t es = dt == VNPU_DT_BF16 ? 2 : 4;
	struct vnpu_pkt_unary p = { .dtype = dt, .op = op, .count = n };
	double *ref = calloc(n, sizeof(double));
	float a, b;

	assert_non_null(ref);
	un_params(op, &a, &b);
	p.alpha = vt_f32_bits(a);
	p.beta = vt_f32_bits(b);
	p.src_va = vt_alloc(t, n * es);
	p.dst_va = in_place ? p.src_va : vt_alloc(t, n * es);
	for (size_t i = 0; i < n; i++) {
		float x = 4 * vt_randf(t);

		if (op == VNPU_UNARY_LOG || op == VNPU_UNARY_SQRT || op == VNPU_UNARY_RECIPROCAL)
			x = fabsf(x) + 0.125f;
		if (dt == VNPU_DT_BF16) {
			uint16_t h = vt_f32_to_bf16(x);

			memcpy((uint8_t *)vt_ptr(t, p.src_va) + 2 * i, &h, 2);
			x = vt_bf16_to_f32(h);
		} else {
			memcpy((uint8_t *)vt_ptr(t, p.src_va) + 4 * i, &x, 4);
		}
		ref[i] = un_ref(op, x, a, b);
	}
	vt_emit(t, VNPU_OP_UNARY, 0, p);
	assert_int_equal(vt_run(t), 0);
	/* near 0, oneDNN's exp - 1 (ELU) loses digits: an absolute 1e-5 there */
	vt_check(t, p.dst_va, dt, n, ref, NULL, 0.1);
	vt_assert_only_written(t, p.dst_va, n * es);
	free(ref);
}

static void test_unary_every_function_f32(void **state)
{
	for (uint32_t op = 1; op <= VNPU_UNARY_MAX; op++)
		run_unary(*state, VNPU_DT_F32, op, false);
}

static void test_unary_bf16_in_place(void **state)
{
	/* one function oneDNN runs, one it lacks */
	run_unary(*state, VNPU_DT_BF16, VNPU_UNARY_EXP, true);
	run_unary(*state, VNPU_DT_BF16, VNPU_UNARY_ERF, true);
}

static void un_expect_einval(struct vt *t, struct vnpu_pkt_unary p)
{
	p.src_va = vt_alloc(t, 64);
	p.dst_va = vt_alloc(t, 64);
	vt_emit(t, VNPU_OP_UNARY, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_unary_rejects_a_parameter_the_function_lacks(void **state)
{
	struct vnpu_pkt_unary p = { .dtype = VNPU_DT_F32, .op = VNPU_UNARY_EXP, .count = 16,
				    .alpha = vt_f32_bits(1.0f) };

	un_expect_einval(*state, p);
}

static void test_unary_rejects_an_empty_clip_range(void **state)
{
	struct vnpu_pkt_unary p = { .dtype = VNPU_DT_F32, .op = VNPU_UNARY_CLIP, .count = 16,
				    .alpha = vt_f32_bits(1.0f), .beta = vt_f32_bits(-1.0f) };

	un_expect_einval(*state, p);
}

static void test_unary_rejects_an_unknown_function(void **state)
{
	struct vnpu_pkt_unary p = { .dtype = VNPU_DT_F32, .op = VNPU_UNARY_MAX + 1, .count = 16 };

	un_expect_einval(*state, p);
}

/* ---- reduce ---- */

static void run_reduce(struct vt *t, uint32_t dt, uint32_t op, uint32_t axes)
{
	static const uint32_t dims[4] = { 3, 4, 5, 6 };
	uint32_t es = dt == VNPU_DT_BF16 ? 2 : 4, rd[4];
	struct vnpu_pkt_reduce p = { .dtype = dt, .op = op, .ndims = 4, .axes = axes,
				     .dims = { 3, 4, 5, 6 } };
	size_t n = 3 * 4 * 5 * 6, rn = 1;
	double *src = calloc(n, sizeof(double)), *ref, *mag;

	assert_non_null(src);
	for (int d = 0; d < 4; d++) {
		rd[d] = axes & (1u << d) ? 1 : dims[d];
		rn *= rd[d];
	}
	ref = calloc(rn, sizeof(double));
	mag = calloc(rn, sizeof(double));
	assert_non_null(ref);
	assert_non_null(mag);
	p.src_va = vt_alloc(t, n * es);
	p.dst_va = vt_alloc(t, rn * es);
	vt_fill_random(t, p.src_va, dt, n, src);
	for (size_t o = 0; o < rn; o++)
		ref[o] = op == VNPU_REDUCE_MAX ? -INFINITY : op == VNPU_REDUCE_MIN ? INFINITY :
			 op == VNPU_REDUCE_PROD ? 1 : 0;
	for (size_t i = 0; i < n; i++) {
		size_t rem = i, o = 0, idx[4];
		double x = src[i];

		for (int d = 4; d-- > 0;) {
			idx[d] = rem % dims[d];
			rem /= dims[d];
		}
		for (int d = 0; d < 4; d++)
			o = o * rd[d] + (axes & (1u << d) ? 0 : idx[d]);
		switch (op) {
		case VNPU_REDUCE_MAX: ref[o] = fmax(ref[o], x); break;
		case VNPU_REDUCE_MIN: ref[o] = fmin(ref[o], x); break;
		case VNPU_REDUCE_PROD: ref[o] *= x; break;
		case VNPU_REDUCE_L1: ref[o] += fabs(x); break;
		case VNPU_REDUCE_L2:
		case VNPU_REDUCE_SUM_SQUARE: ref[o] += x * x; break;
		default: ref[o] += x; break;
		}
		mag[o] += op == VNPU_REDUCE_SUM || op == VNPU_REDUCE_MEAN ? fabs(x) : 0;
	}
	for (size_t o = 0; o < rn; o++) {
		if (op == VNPU_REDUCE_MEAN) {
			ref[o] /= (double)(n / rn);
			mag[o] /= (double)(n / rn);
		}
		if (op == VNPU_REDUCE_L2)
			ref[o] = sqrt(ref[o]);
	}
	vt_emit(t, VNPU_OP_REDUCE, 0, p);
	assert_int_equal(vt_run(t), 0);
	vt_check(t, p.dst_va, dt, rn, ref, mag, 1e-6);
	vt_assert_only_written(t, p.dst_va, rn * es);
	free(src);
	free(ref);
	free(mag);
}

static void test_reduce_every_operation_over_two_axes(void **state)
{
	for (uint32_t op = VNPU_REDUCE_SUM; op <= VNPU_REDUCE_SUM_SQUARE; op++)
		run_reduce(*state, VNPU_DT_F32, op, (1u << 1) | (1u << 3));
}

static void test_reduce_all_axes(void **state)
{
	run_reduce(*state, VNPU_DT_F32, VNPU_REDUCE_MAX, 0xf);
}

static void test_reduce_bf16_mean(void **state)
{
	run_reduce(*state, VNPU_DT_BF16, VNPU_REDUCE_MEAN, 1u << 0);
}

static void re_expect_einval(struct vt *t, uint32_t axes)
{
	struct vnpu_pkt_reduce p = { .dtype = VNPU_DT_F32, .op = VNPU_REDUCE_SUM, .ndims = 2,
				     .axes = axes, .dims = { 4, 4 } };

	p.src_va = vt_alloc(t, 64);
	p.dst_va = vt_alloc(t, 64);
	vt_emit(t, VNPU_OP_REDUCE, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_reduce_rejects_no_axes(void **state)
{
	re_expect_einval(*state, 0);
}

static void test_reduce_rejects_an_axis_past_ndims(void **state)
{
	re_expect_einval(*state, 1u << 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, vt_setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_unary_every_function_f32),
		T(test_unary_bf16_in_place),
		T(test_unary_rejects_a_parameter_the_function_lacks),
		T(test_unary_rejects_an_empty_clip_range),
		T(test_unary_rejects_an_unknown_function),
		T(test_reduce_every_operation_over_two_axes),
		T(test_reduce_all_axes),
		T(test_reduce_bf16_mean),
		T(test_reduce_rejects_no_axes),
		T(test_reduce_rejects_an_axis_past_ndims),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
