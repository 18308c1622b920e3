// SPDX-License-Identifier: MIT
/*
 * The quantization ops' host kernels (compiler/ops/quant.c, compiler/ops/quant_linear.c): ONNX's
 * node tests of each op pass on the host interpreter, and on graphs built in code the cases
 * the test data leaves out: rounding half to even, saturation, int8 per-axis, and the
 * fixed-point ("device") requantization of QLinearConv and QLinearMatMul.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compiler/host_exec.h"
#include "compiler/ops/quant.h"
#include "compiler/passes/passes.h"
#include "compiler/passes/pass_util.h"
#include "compiler/quant_params.h"
#include "compiler/shape_infer.h"
#include "tests/compiler/testdata_host.h"

TESTDATA_HOST_TESTS(test_quantizelinear_node_tests_pass, "node", "test_quantizelinear",
		    "test_quantizelinear_axis")
TESTDATA_HOST_TESTS(test_dequantizelinear_node_tests_pass, "node", "test_dequantizelinear",
		    "test_dequantizelinear_axis")
TESTDATA_HOST_TESTS(test_dynamicquantizelinear_node_tests_pass, "node",
		    "test_dynamicquantizelinear", "test_dynamicquantizelinear_max_adjusted",
		    "test_dynamicquantizelinear_min_adjusted",
		    "test_dynamicquantizelinear_expanded",
		    "test_dynamicquantizelinear_max_adjusted_expanded",
		    "test_dynamicquantizelinear_min_adjusted_expanded")
TESTDATA_HOST_TESTS(test_qlinearconv_node_test_passes, "node", "test_qlinearconv")
TESTDATA_HOST_TESTS(test_qlinearmatmul_node_tests_pass, "node", "test_qlinearmatmul_2D",
		    "test_qlinearmatmul_3D")
TESTDATA_HOST_TESTS(test_convinteger_node_tests_pass, "node", "test_basic_convinteger",
		    "test_convinteger_with_padding", "test_convinteger_without_padding")
TESTDATA_HOST_TESTS(test_matmulinteger_node_test_passes, "node", "test_matmulinteger")

/* A constant of @dt and shape @dims (@rank) holding a copy of @size bytes at @data. */
static int add_const(struct ir_graph *g, const char *name, enum ir_dtype dt, int rank,
		     const int64_t *dims, const void *data, size_t size)
{
	static const int64_t scalar_dims[1];
	void *copy = malloc(size);
	int t;

	assert_non_null(copy);
	memcpy(copy, data, size);
	t = pass_add_constant(g, name, dt, rank, dims ? dims : scalar_dims, copy, size);
	assert_true(t >= 0);
	return t;
}

static int add_input(struct ir_graph *g, const char *name, enum ir_dtype dt, int rank,
		     const int64_t *dims)
{
	int t = ir_graph_add_tensor(g, name);

	assert_true(t >= 0);
	g->tensors[t]->dtype = dt;
	g->tensors[t]->rank = rank;
	if (rank)
		memcpy(g->tensors[t]->dims, dims, sizeof(int64_t) * (size_t)rank);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, t), 0);
	return t;
}

/* Node @op of inputs @in (@n_in) and one output "y" (a graph output); the node. */
static struct ir_node *add_node(struct ir_graph *g, const char *op, const int *in, size_t n_in)
{
	struct ir_node *n = ir_graph_add_node(g, "", op, "");
	int y = ir_graph_add_tensor(g, "y");

	assert_non_null(n);
	assert_true(y >= 0);
	for (size_t i = 0; i < n_in; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, y), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	return n;
}

/* Infer @g, run it with input 0 = @x; the output's data (the caller frees @v). */
static void *run(struct ir_graph *g, const void *x, struct host_values *v)
{
	char err[256];

	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(g, v), 0);
	v->ptr[g->inputs[0]] = (void *)x;
	if (host_exec_graph(g, v, err, sizeof(err)))
		fail_msg("%s", err);
	return v->ptr[g->outputs[0]];
}

static void test_quantizelinear_rounds_half_to_even_and_saturates(void **state)
{
	static const float x[] = { 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1000.0f, -1000.0f };
	static const int8_t want[] = { 0, 2, 2, 0, -2, 127, -128 };
	const int64_t dims[] = { 7 };
	const float scale = 1.0f;
	const int8_t zp = 0;
	struct host_values v = { 0 };
	struct ir_graph *g = ir_graph_create();
	int in[3];
	int8_t *y;

	(void)state;
	in[0] = add_input(g, "x", IR_DTYPE_FLOAT, 1, dims);
	in[1] = add_const(g, "s", IR_DTYPE_FLOAT, 0, NULL, &scale, sizeof(scale));
	in[2] = add_const(g, "z", IR_DTYPE_INT8, 0, NULL, &zp, sizeof(zp));
	add_node(g, "QuantizeLinear", in, 3);
	y = run(g, x, &v);
	assert_memory_equal(y, want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_dequantizelinear_int8_per_axis_uses_each_channels_parameters(void **state)
{
	static const int8_t x[] = { 10, -10, 10, -10 };	/* [2][2], axis 0 */
	static const float scale[] = { 0.5f, 2.0f };
	static const int8_t zp[] = { 0, -10 };
	static const float want[] = { 5.0f, -5.0f, 40.0f, 0.0f };
	const int64_t dims[] = { 2, 2 }, two[] = { 2 };
	struct host_values v = { 0 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in[3];

	(void)state;
	in[0] = add_input(g, "x", IR_DTYPE_INT8, 2, dims);
	in[1] = add_const(g, "s", IR_DTYPE_FLOAT, 1, two, scale, sizeof(scale));
	in[2] = add_const(g, "z", IR_DTYPE_INT8, 1, two, zp, sizeof(zp));
	n = add_node(g, "DequantizeLinear", in, 3);
	ir_node_add_attr(n, "axis", IR_ATTR_INT)->i = 0;
	assert_memory_equal(run(g, x, &v), want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

/*
 * A 1x1 QLinearMatMul [1, K] x [K, 2] in fixed point: each output is quant_requant() of its
 * accumulator plus bias with the (M, s) of its column, then the zero point, clamped by the
 * fused Relu.
 */
static void test_qlinearmatmul_fixed_point_matches_the_device_formula(void **state)
{
	static const int8_t a[] = { 3, -7, 100, -128 };
	static const int8_t b[] = { 5, -3, 127, 1, -127, 2, 9, 9 };	/* [4][2] */
	static const float b_scale[] = { 0.013f, 0.0021f };
	static const int8_t b_zp[] = { 0, 0 };
	static const int32_t bias[] = { 1234, -5000 };
	const float a_scale = 0.05f, y_scale = 0.1f;
	const int8_t a_zp = -2, y_zp = 7;
	const int64_t ad[] = { 1, 4 }, bd[] = { 4, 2 }, two[] = { 2 };
	struct host_values v = { 0 };
	struct ir_graph *g = ir_graph_create();
	struct ir_attr *at;
	struct ir_node *n;
	int in[8];
	int8_t *y;

	(void)state;
	in[0] = add_input(g, "a", IR_DTYPE_INT8, 2, ad);
	in[1] = add_const(g, "as", IR_DTYPE_FLOAT, 0, NULL, &a_scale, sizeof(a_scale));
	in[2] = add_const(g, "az", IR_DTYPE_INT8, 0, NULL, &a_zp, sizeof(a_zp));
	in[3] = add_const(g, "b", IR_DTYPE_INT8, 2, bd, b, sizeof(b));
	in[4] = add_const(g, "bs", IR_DTYPE_FLOAT, 1, two, b_scale, sizeof(b_scale));
	in[5] = add_const(g, "bz", IR_DTYPE_INT8, 1, two, b_zp, sizeof(b_zp));
	in[6] = add_const(g, "ys", IR_DTYPE_FLOAT, 0, NULL, &y_scale, sizeof(y_scale));
	in[7] = add_const(g, "yz", IR_DTYPE_INT8, 0, NULL, &y_zp, sizeof(y_zp));
	n = add_node(g, "QLinearMatMul", in, 8);
	at = ir_node_add_attr(n, IR_ATTR_QUANT_REQUANT, IR_ATTR_STRING);
	at->s = strdup(IR_QUANT_REQUANT_FIXED_POINT);
	at->len = strlen(at->s);
	at = ir_node_add_attr(n, IR_ATTR_FUSED_ACTIVATION, IR_ATTR_STRING);
	at->s = strdup("Relu");
	at->len = 4;
	at = ir_node_add_attr(n, IR_ATTR_FUSED_BIAS, IR_ATTR_TENSOR);
	at->t = calloc(1, sizeof(*at->t));
	at->t->name = strdup("bias");
	at->t->dtype = IR_DTYPE_INT32;
	at->t->rank = 1;
	at->t->dims[0] = 2;
	at->t->data = malloc(sizeof(bias));
	at->t->data_size = sizeof(bias);
	memcpy(at->t->data, bias, sizeof(bias));
	y = run(g, a, &v);
	for (int j = 0; j < 2; j++) {
		struct quant_multiplier m;
		int32_t acc = bias[j], want;

		for (int k = 0; k < 4; k++)
			acc += (a[k] - a_zp) * b[k * 2 + j];
		assert_int_equal(quant_output_multiplier(a_scale, b_scale[j], y_scale, &m), 0);
		want = quant_requant(acc, m) + y_zp;
		want = want < y_zp ? y_zp : want > 127 ? 127 : want;
		assert_int_equal(y[j], want);
	}
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_qlinearconv_refuses_a_fused_activation_without_fixed_point(void **state)
{
	const int64_t xd[] = { 1, 1, 2, 2 }, wd[] = { 1, 1, 1, 1 };
	const float one = 1.0f;
	const int8_t zero = 0, w = 1;
	struct ir_graph *g = ir_graph_create();
	struct host_values v = { 0 };
	static const int8_t x[4] = { 1, 2, 3, 4 };
	struct ir_attr *at;
	struct ir_node *n;
	char err[256];
	int in[8];

	(void)state;
	in[0] = add_input(g, "x", IR_DTYPE_INT8, 4, xd);
	in[1] = add_const(g, "xs", IR_DTYPE_FLOAT, 0, NULL, &one, sizeof(one));
	in[2] = add_const(g, "xz", IR_DTYPE_INT8, 0, NULL, &zero, sizeof(zero));
	in[3] = add_const(g, "w", IR_DTYPE_INT8, 4, wd, &w, sizeof(w));
	in[4] = add_const(g, "ws", IR_DTYPE_FLOAT, 0, NULL, &one, sizeof(one));
	in[5] = add_const(g, "wz", IR_DTYPE_INT8, 0, NULL, &zero, sizeof(zero));
	in[6] = add_const(g, "ys", IR_DTYPE_FLOAT, 0, NULL, &one, sizeof(one));
	in[7] = add_const(g, "yz", IR_DTYPE_INT8, 0, NULL, &zero, sizeof(zero));
	n = add_node(g, "QLinearConv", in, 8);
	at = ir_node_add_attr(n, IR_ATTR_FUSED_ACTIVATION, IR_ATTR_STRING);
	at->s = strdup("Relu");
	at->len = 4;
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(g, &v), 0);
	v.ptr[g->inputs[0]] = (void *)x;
	assert_int_equal(host_exec_graph(g, &v, err, sizeof(err)), -EOPNOTSUPP);
	host_values_free(&v);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantizelinear_node_tests_pass),
		cmocka_unit_test(test_dequantizelinear_node_tests_pass),
		cmocka_unit_test(test_dynamicquantizelinear_node_tests_pass),
		cmocka_unit_test(test_qlinearconv_node_test_passes),
		cmocka_unit_test(test_qlinearmatmul_node_tests_pass),
		cmocka_unit_test(test_convinteger_node_tests_pass),
		cmocka_unit_test(test_matmulinteger_node_test_passes),
		cmocka_unit_test(test_quantizelinear_rounds_half_to_even_and_saturates),
		cmocka_unit_test(test_dequantizelinear_int8_per_axis_uses_each_channels_parameters),
		cmocka_unit_test(test_qlinearmatmul_fixed_point_matches_the_device_formula),
		cmocka_unit_test(test_qlinearconv_refuses_a_fused_activation_without_fixed_point),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
