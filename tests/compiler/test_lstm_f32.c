// SPDX-License-Identifier: MIT
/*
 * The float LSTM kernel (compiler/ops/nn_rnn.c) against the reference one, which computes in
 * double: the same node in float and in double, on the same values, must give the same
 * outputs within float's rounding, whatever the direction, layout, sequence lengths, initial
 * states and peepholes; and the vector kernels it is built on (compiler/ops/vec_f32.c) against
 * libm and a double sum. The ONNX node tests (test_ops_nn.c) cover the float path too, but
 * only forward, with every sequence full.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/host_exec.h"
#include "compiler/ops/vec_f32.h"
#include "compiler/shape_infer.h"

/* The float path against double: float's rounding over a few dozen steps, no more. */
#define LSTM_TOL 2e-5

/**
 * struct lstm_case - one LSTM node's configuration
 * @seq, @batch, @in, @hidden: its dimensions
 * @dirs: 1 or 2 (bidirectional); @reverse: the one direction runs backwards
 * @layout: 0 (time major) or 1 (batch first)
 * @bias, @initial, @peepholes: whether B, initial_h and initial_c, P are given
 * @lens: sequence_lens ([batch]), or NULL
 */
struct lstm_case {
	int64_t seq, batch, in, hidden, dirs;
	bool reverse;
	int64_t layout;
	bool bias, initial, peepholes;
	const int32_t *lens;
};

/* Deterministic values in [-scale, scale]. */
static double next_value(uint32_t *seed, double scale)
{
	*seed = *seed * 1664525u + 1013904223u;
	return ((double)*seed / 4294967296.0 * 2 - 1) * scale;
}

/* Tensor @name of @dtype and shape @dims as node input @slot (-1: absent inputs before it). */
static int add_tensor(struct ir_graph *g, struct ir_node *n, const char *name,
		      enum ir_dtype dtype, int rank, const int64_t *dims, const void *data)
{
	int t = ir_graph_add_tensor(g, name);
	struct ir_tensor *tt;

	assert_true(t >= 0);
	tt = g->tensors[t];
	tt->dtype = dtype;
	tt->rank = rank;
	memcpy(tt->dims, dims, (size_t)rank * sizeof(*dims));
	if (data) {
		tt->data_size = (size_t)ir_tensor_numel(tt) * ir_dtype_size(dtype);
		tt->data = malloc(tt->data_size);
		assert_non_null(tt->data);
		memcpy(tt->data, data, tt->data_size);
		assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, t), 0);
	} else {
		assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, t), 0);
	}
	assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, t), 0);
	return t;
}

/* @n values of @v as @dtype (float or double), in a new buffer. */
static void *convert(const double *v, size_t n, enum ir_dtype dtype)
{
	void *p = malloc(n * (dtype == IR_DTYPE_FLOAT ? sizeof(float) : sizeof(double)) + 1);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		if (dtype == IR_DTYPE_FLOAT)
			((float *)p)[i] = (float)v[i];
		else
			((double *)p)[i] = v[i];
	}
	return p;
}

/* A constant input from @v (NULL: the input is absent, an empty slot). */
static void add_const(struct ir_graph *g, struct ir_node *n, const char *name,
		      enum ir_dtype dtype, int rank, const int64_t *dims, const double *v)
{
	size_t numel = 1;
	void *data;

	if (!v) {
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, -1), 0);
		return;
	}
	for (int d = 0; d < rank; d++)
		numel *= (size_t)dims[d];
	data = convert(v, numel, dtype);
	add_tensor(g, n, name, dtype, rank, dims, data);
	free(data);
}

/**
 * struct lstm_values - one case's inputs (double) and the outputs of a run
 * @x, @w, @r, @b, @h0, @c0, @p: inputs (the absent ones NULL)
 * @y, @yh, @yc: outputs as doubles; @ny, @nst their sizes
 */
struct lstm_values {
	double *x, *w, *r, *b, *h0, *c0, *p;
	double *y, *yh, *yc;
	size_t ny, nst;
};

static double *random_array(uint32_t *seed, size_t n, double scale)
{
	double *v = malloc(n * sizeof(*v) + 1);

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = next_value(seed, scale);
	return v;
}

static void values_init(const struct lstm_case *k, struct lstm_values *v)
{
	uint32_t seed = 12345;
	size_t gh = (size_t)(4 * k->hidden), nst = (size_t)(k->dirs * k->batch * k->hidden);

	memset(v, 0, sizeof(*v));
	v->x = random_array(&seed, (size_t)(k->seq * k->batch * k->in), 1.0);
	v->w = random_array(&seed, (size_t)k->dirs * gh * (size_t)k->in, 0.4);
	v->r = random_array(&seed, (size_t)k->dirs * gh * (size_t)k->hidden, 0.4);
	if (k->bias)
		v->b = random_array(&seed, (size_t)k->dirs * 2 * gh, 0.3);
	if (k->initial) {
		v->h0 = random_array(&seed, nst, 0.5);
		v->c0 = random_array(&seed, nst, 0.5);
	}
	if (k->peepholes)
		v->p = random_array(&seed, (size_t)(k->dirs * 3 * k->hidden), 0.3);
	v->ny = (size_t)(k->seq * k->dirs * k->batch * k->hidden);
	v->nst = nst;
}

static void values_free(struct lstm_values *v)
{
	free(v->x);
	free(v->w);
	free(v->r);
	free(v->b);
	free(v->h0);
	free(v->c0);
	free(v->p);
	free(v->y);
	free(v->yh);
	free(v->yc);
}

static double *output_doubles(const void *p, size_t n, enum ir_dtype dtype)
{
	double *v = malloc(n * sizeof(*v) + 1);

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = dtype == IR_DTYPE_FLOAT ? ((const float *)p)[i] : ((const double *)p)[i];
	return v;
}

/* Run @k's node in @dtype on @in's values; its outputs into @out (y, yh, yc). Return: errno. */
static int run_lstm(const struct lstm_case *k, enum ir_dtype dtype, const struct lstm_values *in,
		    struct lstm_values *out)
{
	int64_t xd[3], wd[3] = { k->dirs, 4 * k->hidden, k->in }, rd[3] = { k->dirs, 4 * k->hidden,
									    k->hidden };
	int64_t bd[2] = { k->dirs, 8 * k->hidden }, ld[1] = { k->batch }, sd[3],
		pd[2] = { k->dirs, 3 * k->hidden };
	struct ir_graph *g = ir_graph_create();
	struct host_values hv;
	struct ir_node *n;
	char err[256];
	void *xbuf;
	int ret, x, outs[3];

	assert_non_null(g);
	g->opset = 14;
	n = ir_graph_add_node(g, "lstm", "LSTM", "");
	assert_non_null(n);
	xd[0] = k->layout ? k->batch : k->seq;
	xd[1] = k->layout ? k->seq : k->batch;
	xd[2] = k->in;
	sd[0] = k->layout ? k->batch : k->dirs;
	sd[1] = k->layout ? k->dirs : k->batch;
	sd[2] = k->hidden;
	x = add_tensor(g, n, "x", dtype, 3, xd, NULL);
	add_const(g, n, "w", dtype, 3, wd, in->w);
	add_const(g, n, "r", dtype, 3, rd, in->r);
	add_const(g, n, "b", dtype, 2, bd, in->b);
	if (k->lens)
		add_tensor(g, n, "lens", IR_DTYPE_INT32, 1, ld, k->lens);
	else
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, -1), 0);
	add_const(g, n, "h0", dtype, 3, sd, in->h0);
	add_const(g, n, "c0", dtype, 3, sd, in->c0);
	add_const(g, n, "p", dtype, 2, pd, in->p);
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = { "y", "yh", "yc" };

		outs[i] = ir_graph_add_tensor(g, names[i]);
		assert_true(outs[i] >= 0);
		assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, outs[i]), 0);
		assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, outs[i]), 0);
	}
	{
		struct ir_attr *a = ir_node_add_attr(n, "hidden_size", IR_ATTR_INT);

		assert_non_null(a);
		a->i = k->hidden;
		a = ir_node_add_attr(n, "layout", IR_ATTR_INT);
		assert_non_null(a);
		a->i = k->layout;
		if (k->dirs == 2 || k->reverse) {
			a = ir_node_add_attr(n, "direction", IR_ATTR_STRING);
			assert_non_null(a);
			a->s = strdup(k->dirs == 2 ? "bidirectional" : "reverse");
			assert_non_null(a->s);
		}
	}
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(g, &hv), 0);
	xbuf = convert(in->x, (size_t)(k->seq * k->batch * k->in), dtype);
	hv.ptr[x] = xbuf;
	ret = host_exec_graph(g, &hv, err, sizeof(err));
	if (!ret) {
		out->y = output_doubles(hv.ptr[outs[0]], in->ny, dtype);
		out->yh = output_doubles(hv.ptr[outs[1]], in->nst, dtype);
		out->yc = output_doubles(hv.ptr[outs[2]], in->nst, dtype);
	}
	hv.ptr[x] = NULL;
	free(xbuf);
	host_values_free(&hv);
	ir_graph_destroy(g);
	return ret;
}

static void assert_close(const double *a, const double *b, size_t n, double tol)
{
	for (size_t i = 0; i < n; i++) {
		if (fabs(a[i] - b[i]) > tol)
			fail_msg("element %zu: %.9g vs %.9g", i, a[i], b[i]);
	}
}

/* The float node's outputs match the double node's. */
static void check_float_matches_double(const struct lstm_case *k)
{
	struct lstm_values v, f = { 0 }, d = { 0 };

	values_init(k, &v);
	assert_int_equal(run_lstm(k, IR_DTYPE_FLOAT, &v, &f), 0);
	assert_int_equal(run_lstm(k, IR_DTYPE_DOUBLE, &v, &d), 0);
	assert_close(f.y, d.y, v.ny, LSTM_TOL);
	assert_close(f.yh, d.yh, v.nst, LSTM_TOL);
	assert_close(f.yc, d.yc, v.nst, LSTM_TOL);
	values_free(&f);
	values_free(&d);
	values_free(&v);
}

static void test_forward_with_bias_and_initial_states_matches_double(void **state)
{
	const struct lstm_case k = { .seq = 7, .batch = 3, .in = 5, .hidden = 20, .dirs = 1,
				     .bias = true, .initial = true };

	(void)state;
	check_float_matches_double(&k);
}

/* Hidden 64: the product's four-vector blocks, not only its remainders. */
static void test_wide_hidden_state_matches_double(void **state)
{
	const struct lstm_case k = { .seq = 5, .batch = 2, .in = 33, .hidden = 64, .dirs = 1,
				     .bias = true };

	(void)state;
	check_float_matches_double(&k);
}

static void test_reverse_direction_matches_double(void **state)
{
	const struct lstm_case k = { .seq = 6, .batch = 2, .in = 4, .hidden = 17, .dirs = 1,
				     .reverse = true, .bias = true, .initial = true };

	(void)state;
	check_float_matches_double(&k);
}

static void test_bidirectional_matches_double(void **state)
{
	const struct lstm_case k = { .seq = 6, .batch = 3, .in = 4, .hidden = 9, .dirs = 2,
				     .bias = true, .initial = true };

	(void)state;
	check_float_matches_double(&k);
}

static void test_batch_first_layout_matches_double(void **state)
{
	const struct lstm_case k = { .seq = 5, .batch = 3, .in = 6, .hidden = 8, .dirs = 2,
				     .layout = 1, .bias = true, .initial = true };

	(void)state;
	check_float_matches_double(&k);
}

static void test_peepholes_match_double(void **state)
{
	const struct lstm_case k = { .seq = 5, .batch = 2, .in = 3, .hidden = 19, .dirs = 1,
				     .bias = true, .initial = true, .peepholes = true };

	(void)state;
	check_float_matches_double(&k);
}

/* Rows of 0, 2 and all 6 steps, both directions: Y is zero past each row's length. */
static void test_sequence_lengths_match_double(void **state)
{
	static const int32_t lens[] = { 2, 0, 6 };
	const struct lstm_case k = { .seq = 6, .batch = 3, .in = 4, .hidden = 18, .dirs = 2,
				     .bias = true, .initial = true, .lens = lens };
	struct lstm_values v, f = { 0 };

	(void)state;
	check_float_matches_double(&k);
	values_init(&k, &v);
	assert_int_equal(run_lstm(&k, IR_DTYPE_FLOAT, &v, &f), 0);
	/* Y [seq, dirs, batch, H]: step 3 of row 0 (length 2), both directions */
	for (int64_t d = 0; d < 2; d++)
		for (int64_t j = 0; j < k.hidden; j++)
			assert_true(f.y[((3 * 2 + d) * 3 + 0) * k.hidden + j] == 0);
	values_free(&f);
	values_free(&v);
}

static void test_sequence_length_beyond_seq_is_refused(void **state)
{
	static const int32_t lens[] = { 7, 1 };
	const struct lstm_case k = { .seq = 6, .batch = 2, .in = 4, .hidden = 8, .dirs = 1,
				     .lens = lens };
	struct lstm_values v, f = { 0 };

	(void)state;
	values_init(&k, &v);
	assert_int_equal(run_lstm(&k, IR_DTYPE_FLOAT, &v, &f), -EINVAL);
	values_free(&f);
	values_free(&v);
}

static void test_sigmoid_matches_libm(void **state)
{
	float v[1001];

	(void)state;
	for (int i = 0; i < 1001; i++)
		v[i] = (float)(i - 500) * 0.2f;
	vec_f32_sigmoid(v, 1001);
	for (int i = 0; i < 1001; i++) {
		double x = (i - 500) * 0.2f, want = 1 / (1 + exp(-x));

		/* relative, but for the tail below e^-87 (the clamp of e^x): there, absolute */
		if (fabs(v[i] - want) > 4e-7 * want + 1e-37)
			fail_msg("sigmoid(%g) = %.9g, want %.9g", x, v[i], want);
	}
}

static void test_tanh_matches_libm(void **state)
{
	float v[1001];

	(void)state;
	for (int i = 0; i < 1001; i++)
		v[i] = (float)(i - 500) * 0.05f;
	vec_f32_tanh(v, 1001);
	for (int i = 0; i < 1001; i++) {
		double x = (i - 500) * 0.05f, want = tanh(x);

		if (fabs(v[i] - want) > 2e-7)
			fail_msg("tanh(%g) = %.9g, want %.9g", x, v[i], want);
	}
}

static void test_sigmoid_and_tanh_keep_nan_and_saturate(void **state)
{
	float s[3] = { NAN, INFINITY, -INFINITY }, t[3] = { NAN, INFINITY, -INFINITY };

	(void)state;
	vec_f32_sigmoid(s, 3);
	vec_f32_tanh(t, 3);
	assert_true(isnan(s[0]) && isnan(t[0]));
	assert_true(s[1] == 1.0f && t[1] == 1.0f);
	assert_true(s[2] >= 0.0f && s[2] < 1e-37f && t[2] == -1.0f);
}

/*
 * C [5][37] (ldc 40) += A [5][21] (lda 23) x B^T, B [37][21]: the products added onto C's
 * values (16 columns at once twice, then the last 5 one by one; 16 of k at once, then the
 * last 5 padded).
 */
static void test_matmul_nt_acc_adds_the_product_to_c(void **state)
{
	enum { M = 5, N = 37, K = 21, LDA = 23, LDC = 40 };
	float a[M * LDA], b[N * K], c[M * LDC];
	uint32_t seed = 7;

	(void)state;
	for (int i = 0; i < M * LDA; i++)
		a[i] = (float)next_value(&seed, 1);
	for (int i = 0; i < N * K; i++)
		b[i] = (float)next_value(&seed, 1);
	for (int i = 0; i < M * LDC; i++)
		c[i] = (float)i;
	vec_f32_matmul_nt_acc(M, N, K, a, LDA, b, c, LDC);
	for (int i = 0; i < M; i++) {
		for (int j = 0; j < LDC; j++) {
			double want = i * LDC + j;

			if (j < N)
				for (int k = 0; k < K; k++)
					want += (double)a[i * LDA + k] * b[j * K + k];
			if (fabs(c[i * LDC + j] - want) > 1e-4)
				fail_msg("c[%d][%d] = %.9g, want %.9g", i, j, c[i * LDC + j], want);
		}
	}
}

/*
 * Hidden 100, batch 5, bidirectional, peepholes, initial states: the input's products of
 * the whole sequence and the batch's recurrent ones through the sgemm path (4 rows or more).
 */
static void test_batch_of_five_through_the_gemm_path_matches_double(void **state)
{
	const struct lstm_case k = { .seq = 9, .batch = 5, .in = 40, .hidden = 100, .dirs = 2,
				     .bias = true, .initial = true, .peepholes = true };

	(void)state;
	check_float_matches_double(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_with_bias_and_initial_states_matches_double),
		cmocka_unit_test(test_wide_hidden_state_matches_double),
		cmocka_unit_test(test_reverse_direction_matches_double),
		cmocka_unit_test(test_bidirectional_matches_double),
		cmocka_unit_test(test_batch_first_layout_matches_double),
		cmocka_unit_test(test_peepholes_match_double),
		cmocka_unit_test(test_sequence_lengths_match_double),
		cmocka_unit_test(test_sequence_length_beyond_seq_is_refused),
		cmocka_unit_test(test_sigmoid_matches_libm),
		cmocka_unit_test(test_tanh_matches_libm),
		cmocka_unit_test(test_sigmoid_and_tanh_keep_nan_and_saturate),
		cmocka_unit_test(test_matmul_nt_acc_adds_the_product_to_c),
		cmocka_unit_test(test_batch_of_five_through_the_gemm_path_matches_double),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
