// SPDX-License-Identifier: MIT
/*
 * vnpu MATMUL against a float64 reference, on fresh random inputs and a poisoned
 * destination: f32, bf16 (to bf16 and to f32), int8 x int8 -> s32 exactly, transposes,
 * leading dimensions, batches, bias and every activation epilogue; and nothing outside C
 * is written.
 */
#include "vnpu_test.h"

struct mm_case {
	uint32_t src, dst, batch, m, n, k, lda, ldb, ldc, act, flags;
};

/* Element (r, c) of a stored matrix at @va: element index (batch b). */
static size_t mm_index(uint32_t b, uint64_t stored_rows, uint32_t ld, uint32_t r, uint32_t c,
		       bool trans)
{
	return (size_t)b * stored_rows * ld + (trans ? (size_t)c * ld + r : (size_t)r * ld + c);
}

static void run_float_case(struct vt *t, const struct mm_case *mc)
{
	bool ta = mc->flags & VNPU_MATMUL_F_TRANS_A, tb = mc->flags & VNPU_MATMUL_F_TRANS_B;
	bool has_bias = mc->flags & VNPU_MATMUL_F_BIAS;
	uint32_t es = mc->src == VNPU_DT_BF16 ? 2 : 4, des = mc->dst == VNPU_DT_BF16 ? 2 : 4;
	uint32_t a_rows = ta ? mc->k : mc->m, a_cols = ta ? mc->m : mc->k;
	uint32_t b_rows = tb ? mc->n : mc->k, b_cols = tb ? mc->k : mc->n;
	uint32_t lda = mc->lda ? mc->lda : a_cols, ldb = mc->ldb ? mc->ldb : b_cols;
	uint32_t ldc = mc->ldc ? mc->ldc : mc->n;
	size_t a_n = (size_t)mc->batch * a_rows * lda, b_n = (size_t)mc->batch * b_rows * ldb;
	size_t c_n = (size_t)mc->batch * mc->m * ldc;
	double *a = calloc(a_n, sizeof(double)), *b = calloc(b_n, sizeof(double));
	double *bias = calloc(mc->n, sizeof(double));
	double *ref = calloc(c_n, sizeof(double)), *mag = calloc(c_n, sizeof(double));
	struct vnpu_pkt_matmul p = { 0 };
	uint32_t bi, i, j, kk;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(ref);
	assert_non_null(mag);
	p.src_type = mc->src;
	p.dst_type = mc->dst;
	p.batch = mc->batch;
	p.m = mc->m;
	p.n = mc->n;
	p.k = mc->k;
	p.lda = mc->lda;
	p.ldb = mc->ldb;
	p.ldc = mc->ldc;
	p.act = mc->act;
	if (mc->act == VNPU_ACT_CLIP) {
		p.act_alpha = vt_f32_bits(VT_CLIP_LO);
		p.act_beta = vt_f32_bits(VT_CLIP_HI);
	}
	p.a_va = vt_alloc(t, a_n * es);
	p.b_va = vt_alloc(t, b_n * es);
	p.c_va = vt_alloc(t, c_n * des);
	vt_fill_random(t, p.a_va, mc->src, a_n, a);
	vt_fill_random(t, p.b_va, mc->src, b_n, b);
	if (has_bias) {
		p.bias_va = vt_alloc(t, mc->n * 4);
		vt_fill_random(t, p.bias_va, VNPU_DT_F32, mc->n, bias);
	}

	for (bi = 0; bi < mc->batch; bi++) {
		for (i = 0; i < mc->m; i++) {
			for (j = 0; j < mc->n; j++) {
				double s = bias[j], m = fabs(bias[j]);
				size_t ci = (size_t)bi * mc->m * ldc + (size_t)i * ldc + j;

				for (kk = 0; kk < mc->k; kk++) {
					double x = a[mm_index(bi, a_rows, lda, i, kk, ta)];
					double y = b[mm_index(bi, b_rows, ldb, kk, j, tb)];

					s += x * y;
					m += fabs(x * y);
				}
				ref[ci] = vt_act(mc->act, s);
				mag[ci] = m;
			}
		}
	}

	vt_emit(t, VNPU_OP_MATMUL, mc->flags, p);
	assert_int_equal(vt_run(t), 0);
	assert_int_equal(t->res.packets, 1);
	/* rows are compared where C has data; the gaps of a wider ldc must keep their poison */
	for (bi = 0; bi < mc->batch; bi++) {
		for (i = 0; i < mc->m; i++) {
			size_t row = (size_t)bi * mc->m * ldc + (size_t)i * ldc;

			vt_check(t, p.c_va + row * des, mc->dst, mc->n, ref + row, mag + row, 0);
			if (ldc > mc->n) {
				uint8_t *gap = (uint8_t *)vt_ptr(t, p.c_va) + (row + mc->n) * des;
				size_t g;

				for (g = 0; g < (size_t)(ldc - mc->n) * des; g++)
					assert_int_equal(gap[g], VT_POISON);
			}
		}
	}
	vt_assert_only_written(t, p.c_va, c_n * des);
	free(a);
	free(b);
	free(bias);
	free(ref);
	free(mag);
}

static void test_matmul_f32_matches_reference(void **state)
{
	struct mm_case mc = { VNPU_DT_F32, VNPU_DT_F32, 1, 37, 29, 61 };

	run_float_case(*state, &mc);
}

static void test_matmul_f32_transposes_bias_relu(void **state)
{
	struct mm_case mc = { VNPU_DT_F32, VNPU_DT_F32, 1, 33, 40, 48, .act = VNPU_ACT_RELU,
			      .flags = VNPU_MATMUL_F_TRANS_A | VNPU_MATMUL_F_TRANS_B |
				       VNPU_MATMUL_F_BIAS };

	run_float_case(*state, &mc);
}

static void test_matmul_f32_leading_dims_and_batch(void **state)
{
	struct mm_case mc = { VNPU_DT_F32, VNPU_DT_F32, 3, 17, 19, 23, .lda = 31, .ldb = 30,
			      .ldc = 25, .flags = VNPU_MATMUL_F_TRANS_B | VNPU_MATMUL_F_BIAS };

	run_float_case(*state, &mc);
}

static void test_matmul_f32_every_epilogue(void **state)
{
	static const uint32_t acts[] = { VNPU_ACT_GELU_ERF, VNPU_ACT_GELU_TANH, VNPU_ACT_SIGMOID,
					 VNPU_ACT_TANH };
	size_t i;

	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		struct mm_case mc = { VNPU_DT_F32, VNPU_DT_F32, 1, 16, 24, 32, .act = acts[i],
				      .flags = VNPU_MATMUL_F_BIAS };

		run_float_case(*state, &mc);
	}
}

/* The CLIP epilogue takes its bounds from act_alpha and act_beta (ReLU6's shape). */
static void test_matmul_f32_bias_clip(void **state)
{
	struct mm_case mc = { VNPU_DT_F32, VNPU_DT_F32, 2, 19, 23, 17, .act = VNPU_ACT_CLIP,
			      .flags = VNPU_MATMUL_F_BIAS };

	run_float_case(*state, &mc);
}

/* A packet of the first version's 80 bytes still runs, its bounds read as zero. */
static void test_matmul_v1_packet_runs_without_bounds(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_matmul p = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32,
				     .batch = 1, .m = 1, .n = 2, .k = 1, .act = VNPU_ACT_RELU };
	const float a[] = { 2.0f }, b[] = { -1.0f, 3.0f };
	float c[2];

	p.a_va = vt_alloc(t, sizeof(a));
	p.b_va = vt_alloc(t, sizeof(b));
	p.c_va = vt_alloc(t, sizeof(c));
	memcpy(vt_ptr(t, p.a_va), a, sizeof(a));
	memcpy(vt_ptr(t, p.b_va), b, sizeof(b));
	vt_emit_sized(t, VNPU_OP_MATMUL, 0, &p, VNPU_PKT_MATMUL_SIZE_V1);
	assert_int_equal(vt_run(t), 0);
	memcpy(c, vt_ptr(t, p.c_va), sizeof(c));
	assert_true(c[0] == 0.0f && c[1] == 6.0f);
}

static void test_matmul_bf16_to_bf16(void **state)
{
	struct mm_case mc = { VNPU_DT_BF16, VNPU_DT_BF16, 2, 24, 40, 56, .flags = VNPU_MATMUL_F_BIAS };

	run_float_case(*state, &mc);
}

static void test_matmul_bf16_to_f32_gelu(void **state)
{
	struct mm_case mc = { VNPU_DT_BF16, VNPU_DT_F32, 1, 30, 20, 40, .act = VNPU_ACT_GELU_ERF,
			      .flags = VNPU_MATMUL_F_TRANS_A };

	run_float_case(*state, &mc);
}

static void run_s8_case(struct vt *t, uint32_t flags)
{
	bool ta = flags & VNPU_MATMUL_F_TRANS_A, tb = flags & VNPU_MATMUL_F_TRANS_B;
	const uint32_t m = 19, n = 27, k = 70;
	struct vnpu_pkt_matmul p = {
		.src_type = VNPU_DT_S8, .dst_type = VNPU_DT_S32, .batch = 1, .m = m, .n = n, .k = k,
		.act = VNPU_ACT_RELU,
	};
	int8_t *a, *b;
	int32_t *bias, *c;
	uint32_t i, j, kk;

	p.a_va = vt_alloc(t, m * k);
	p.b_va = vt_alloc(t, k * n);
	p.bias_va = vt_alloc(t, n * 4);
	p.c_va = vt_alloc(t, m * n * 4);
	a = vt_ptr(t, p.a_va);
	b = vt_ptr(t, p.b_va);
	bias = vt_ptr(t, p.bias_va);
	c = vt_ptr(t, p.c_va);
	for (i = 0; i < m * k; i++)
		a[i] = (int8_t)vt_rand(t);
	for (i = 0; i < k * n; i++)
		b[i] = (int8_t)vt_rand(t);
	/* extremes too: -128 * -128 pairs must accumulate exactly */
	a[0] = a[1] = -128;
	b[0] = b[ta || tb ? 1 : n] = -128;
	for (i = 0; i < n; i++)
		bias[i] = (int32_t)(vt_rand(t) % 20001) - 10000;

	vt_emit(t, VNPU_OP_MATMUL, flags | VNPU_MATMUL_F_BIAS, p);
	assert_int_equal(vt_run(t), 0);
	for (i = 0; i < m; i++) {
		for (j = 0; j < n; j++) {
			int64_t s = bias[j];

			for (kk = 0; kk < k; kk++)
				s += (int64_t)a[ta ? kk * m + i : i * k + kk] *
				     b[tb ? j * k + kk : kk * n + j];
			assert_int_equal(c[i * n + j], s > 0 ? s : 0);
		}
	}
	vt_assert_only_written(t, p.c_va, m * n * 4);
}

static void test_matmul_s8_to_s32_exact(void **state)
{
	uint32_t flags;

	for (flags = 0; flags < 4; flags++)
		run_s8_case(*state, flags);
}

static void test_matmul_cached_shape_at_new_addresses(void **state)
{
	struct mm_case mc = { VNPU_DT_F32, VNPU_DT_F32, 1, 21, 22, 23, .flags = VNPU_MATMUL_F_BIAS };

	/* the second run hits the primitive cache with different operands */
	run_float_case(*state, &mc);
	run_float_case(*state, &mc);
}

static void test_matmul_s8_rejects_float_epilogue(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_matmul p = { .src_type = VNPU_DT_S8, .dst_type = VNPU_DT_S32, .batch = 1,
				     .m = 4, .n = 4, .k = 4, .act = VNPU_ACT_SIGMOID };

	p.a_va = vt_alloc(t, 16);
	p.b_va = vt_alloc(t, 16);
	p.c_va = vt_alloc(t, 64);
	vt_emit(t, VNPU_OP_MATMUL, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_matmul_f32_matches_reference, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_matmul_f32_transposes_bias_relu, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_matmul_f32_leading_dims_and_batch, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_matmul_f32_every_epilogue, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_matmul_bf16_to_bf16, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_matmul_bf16_to_f32_gelu, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_matmul_s8_to_s32_exact, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_matmul_f32_bias_clip, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_matmul_v1_packet_runs_without_bounds, vt_setup,
						vt_teardown),
		cmocka_unit_test_setup_teardown(test_matmul_cached_shape_at_new_addresses, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_matmul_s8_rejects_float_epilogue, vt_setup, vt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
