// SPDX-License-Identifier: MIT
/*
 * The elementwise op families (compiler/ops/elementwise*.c): ONNX's own node tests of each op
 * on the host interpreter (tests/compiler/testdata_host.h), and graphs built here for what
 * those tests do not reach (opsets before 7, integer corner cases, inference errors).
 * One behaviour per test.
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
#include "compiler/ir.h"
#include "compiler/onnx_import.h"
#include "compiler/ops/elementwise.h"
#include "compiler/shape_infer.h"
#include "compiler/tensor_compare.h"
#include "testdata_host.h"

/* Every named node test (or, for the older-opset lists, test of @kind) passes on the host. */
#define NODE_TESTS(fn, ...) TESTDATA_HOST_TESTS(fn, "node", __VA_ARGS__)
#define OLD_OPSET_TESTS(fn, kind, ...) TESTDATA_HOST_TESTS(fn, kind, __VA_ARGS__)

NODE_TESTS(test_node_abs_neg_sign, "test_abs", "test_neg", "test_neg_example", "test_sign")
NODE_TESTS(test_node_floor_ceil_round, "test_floor", "test_floor_example", "test_ceil",
	   "test_ceil_example", "test_round")
NODE_TESTS(test_node_sqrt_reciprocal_exp_log, "test_sqrt", "test_sqrt_example", "test_reciprocal",
	   "test_reciprocal_example", "test_exp", "test_exp_example", "test_log", "test_log_example")
NODE_TESTS(test_node_trigonometric, "test_sin", "test_sin_example", "test_cos", "test_cos_example",
	   "test_tan", "test_tan_example", "test_asin", "test_asin_example", "test_acos",
	   "test_acos_example", "test_atan", "test_atan_example")
NODE_TESTS(test_node_hyperbolic, "test_sinh", "test_sinh_example", "test_cosh", "test_cosh_example",
	   "test_asinh", "test_asinh_example", "test_acosh", "test_acosh_example", "test_atanh",
	   "test_atanh_example", "test_tanh", "test_tanh_example")
NODE_TESTS(test_node_erf_sigmoid, "test_erf", "test_sigmoid", "test_sigmoid_example")
NODE_TESTS(test_node_relu_leakyrelu, "test_relu", "test_leakyrelu", "test_leakyrelu_default",
	   "test_leakyrelu_example")
NODE_TESTS(test_node_celu, "test_celu", "test_celu_expanded")
NODE_TESTS(test_node_hardswish_thresholdedrelu, "test_hardswish", "test_hardswish_expanded",
	   "test_thresholdedrelu", "test_thresholdedrelu_default", "test_thresholdedrelu_example")
NODE_TESTS(test_node_shrink, "test_shrink_hard", "test_shrink_soft")
NODE_TESTS(test_node_prelu, "test_prelu_broadcast", "test_prelu_example")
NODE_TESTS(test_node_isnan_isinf, "test_isnan", "test_isinf", "test_isinf_negative",
	   "test_isinf_positive")
NODE_TESTS(test_node_identity, "test_identity")
NODE_TESTS(test_node_clip, "test_clip", "test_clip_default_inbounds", "test_clip_default_int8_inbounds",
	   "test_clip_default_int8_max", "test_clip_default_int8_min", "test_clip_default_max",
	   "test_clip_default_min", "test_clip_example", "test_clip_inbounds", "test_clip_outbounds",
	   "test_clip_splitbounds")
NODE_TESTS(test_node_add_sub, "test_add", "test_add_bcast", "test_add_uint8", "test_sub",
	   "test_sub_bcast", "test_sub_example", "test_sub_uint8")
NODE_TESTS(test_node_mul_div, "test_mul", "test_mul_bcast", "test_mul_example", "test_mul_uint8",
	   "test_div", "test_div_bcast", "test_div_example", "test_div_uint8")
NODE_TESTS(test_node_pow, "test_pow", "test_pow_bcast_array", "test_pow_bcast_scalar",
	   "test_pow_example", "test_pow_types_float", "test_pow_types_float32_int32",
	   "test_pow_types_float32_int64", "test_pow_types_float32_uint32",
	   "test_pow_types_float32_uint64", "test_pow_types_int", "test_pow_types_int32_float32",
	   "test_pow_types_int32_int32", "test_pow_types_int64_float32", "test_pow_types_int64_int64")
NODE_TESTS(test_node_mod, "test_mod_broadcast", "test_mod_int64_fmod", "test_mod_mixed_sign_float16",
	   "test_mod_mixed_sign_float32", "test_mod_mixed_sign_float64", "test_mod_mixed_sign_int16",
	   "test_mod_mixed_sign_int32", "test_mod_mixed_sign_int64", "test_mod_mixed_sign_int8",
	   "test_mod_uint16", "test_mod_uint32", "test_mod_uint64", "test_mod_uint8")
NODE_TESTS(test_node_bitshift, "test_bitshift_left_uint16", "test_bitshift_left_uint32",
	   "test_bitshift_left_uint64", "test_bitshift_left_uint8", "test_bitshift_right_uint16",
	   "test_bitshift_right_uint32", "test_bitshift_right_uint64", "test_bitshift_right_uint8")
NODE_TESTS(test_node_and, "test_and2d", "test_and3d", "test_and4d", "test_and_bcast3v1d",
	   "test_and_bcast3v2d", "test_and_bcast4v2d", "test_and_bcast4v3d", "test_and_bcast4v4d")
NODE_TESTS(test_node_or, "test_or2d", "test_or3d", "test_or4d", "test_or_bcast3v1d",
	   "test_or_bcast3v2d", "test_or_bcast4v2d", "test_or_bcast4v3d", "test_or_bcast4v4d")
NODE_TESTS(test_node_xor, "test_xor2d", "test_xor3d", "test_xor4d", "test_xor_bcast3v1d",
	   "test_xor_bcast3v2d", "test_xor_bcast4v2d", "test_xor_bcast4v3d", "test_xor_bcast4v4d")
NODE_TESTS(test_node_max, "test_max_example", "test_max_float16", "test_max_float32",
	   "test_max_float64", "test_max_int16", "test_max_int32", "test_max_int64", "test_max_int8",
	   "test_max_one_input", "test_max_two_inputs", "test_max_uint16", "test_max_uint32",
	   "test_max_uint64", "test_max_uint8")
NODE_TESTS(test_node_min, "test_min_example", "test_min_float16", "test_min_float32",
	   "test_min_float64", "test_min_int16", "test_min_int32", "test_min_int64", "test_min_int8",
	   "test_min_one_input", "test_min_two_inputs", "test_min_uint16", "test_min_uint32",
	   "test_min_uint64", "test_min_uint8")
NODE_TESTS(test_node_sum_mean, "test_sum_example", "test_sum_one_input", "test_sum_two_inputs",
	   "test_mean_example", "test_mean_one_input", "test_mean_two_inputs")
NODE_TESTS(test_node_comparisons, "test_equal", "test_equal_bcast", "test_less", "test_less_bcast",
	   "test_greater", "test_greater_bcast", "test_less_equal", "test_less_equal_bcast",
	   "test_less_equal_expanded", "test_less_equal_bcast_expanded", "test_greater_equal",
	   "test_greater_equal_bcast", "test_greater_equal_expanded",
	   "test_greater_equal_bcast_expanded")
NODE_TESTS(test_node_where, "test_where_example", "test_where_long_example")
NODE_TESTS(test_node_cast, "test_cast_BFLOAT16_to_FLOAT", "test_cast_DOUBLE_to_FLOAT",
	   "test_cast_DOUBLE_to_FLOAT16", "test_cast_FLOAT16_to_DOUBLE", "test_cast_FLOAT16_to_FLOAT",
	   "test_cast_FLOAT_to_BFLOAT16", "test_cast_FLOAT_to_DOUBLE", "test_cast_FLOAT_to_FLOAT16")
/*
 * Not test_castlike_{BFLOAT16_to_FLOAT,FLOAT_to_BFLOAT16}{,_expanded}: their models declare
 * `like` [3, 4] and their data gives it [1] (ONNX 1.12's test data), which a static graph refuses.
 */
NODE_TESTS(test_node_castlike, "test_castlike_DOUBLE_to_FLOAT",
	   "test_castlike_DOUBLE_to_FLOAT_expanded", "test_castlike_DOUBLE_to_FLOAT16",
	   "test_castlike_DOUBLE_to_FLOAT16_expanded", "test_castlike_FLOAT16_to_DOUBLE",
	   "test_castlike_FLOAT16_to_DOUBLE_expanded", "test_castlike_FLOAT16_to_FLOAT",
	   "test_castlike_FLOAT16_to_FLOAT_expanded", "test_castlike_FLOAT_to_DOUBLE",
	   "test_castlike_FLOAT_to_DOUBLE_expanded", "test_castlike_FLOAT_to_FLOAT16",
	   "test_castlike_FLOAT_to_FLOAT16_expanded")

/* Node tests written at opsets 1 and 6. */
OLD_OPSET_TESTS(test_node_old_opset_activations, "node", "test_elu", "test_elu_default",
		"test_elu_example", "test_selu", "test_selu_default", "test_selu_example",
		"test_hardsigmoid", "test_hardsigmoid_default", "test_hardsigmoid_example",
		"test_softplus", "test_softplus_example", "test_softsign", "test_softsign_example")
OLD_OPSET_TESTS(test_node_old_opset_not, "node", "test_not_2d", "test_not_3d", "test_not_4d")
/* PyTorch's opset-6 exports made of these ops only (Constant aside). */
OLD_OPSET_TESTS(test_pytorch_operator_elementwise, "pytorch-operator", "test_operator_add_broadcast",
		"test_operator_add_size1_broadcast", "test_operator_add_size1_right_broadcast",
		"test_operator_add_size1_singleton_broadcast", "test_operator_addconstant",
		"test_operator_basic", "test_operator_clip", "test_operator_exp", "test_operator_max",
		"test_operator_min", "test_operator_non_float_params", "test_operator_params",
		"test_operator_pow", "test_operator_selu", "test_operator_sqrt",
		"test_operator_symbolic_override_nested")
OLD_OPSET_TESTS(test_pytorch_converted_elementwise, "pytorch-converted", "test_ELU",
		"test_LeakyReLU", "test_LeakyReLU_with_negval", "test_PReLU_1d",
		"test_PReLU_1d_multiparam", "test_PReLU_2d", "test_PReLU_2d_multiparam", "test_PReLU_3d",
		"test_PReLU_3d_multiparam", "test_PoissonNLLLLoss_no_reduce", "test_ReLU", "test_SELU",
		"test_Sigmoid", "test_Softplus", "test_Softsign", "test_Tanh")

/* Graphs built here ---------------------------------------------------------------------------- */

/* A graph of opset @opset, to which tests add constant inputs and one node. */
static struct ir_graph *graph_new(int64_t opset)
{
	struct ir_graph *g = ir_graph_create();

	if (g)
		g->opset = opset;
	return g;
}

/* A constant input of @dtype and shape @dims (@rank of them) holding @data; its index. */
static int graph_const(struct ir_graph *g, const char *name, enum ir_dtype dtype, int rank,
		       const int64_t *dims, const void *data)
{
	int t = ir_graph_add_tensor(g, name);
	struct ir_tensor *x;
	size_t size;

	if (t < 0)
		return t;
	x = g->tensors[t];
	x->dtype = dtype;
	x->rank = rank;
	if (rank)
		memcpy(x->dims, dims, rank * sizeof(*dims));
	size = (size_t)ir_tensor_numel(x) * ir_dtype_size(dtype);
	x->data = malloc(size ? size : 1);
	if (!x->data)
		return -ENOMEM;
	memcpy(x->data, data, size);
	x->data_size = size;
	return t;
}

/* Node @op from tensors @in (n_in of them; -1: omitted) to a new tensor "y"; the node. */
static struct ir_node *graph_node(struct ir_graph *g, const char *op, const int *in, size_t n_in)
{
	struct ir_node *n = ir_graph_add_node(g, "n", op, "");
	int y = ir_graph_add_tensor(g, "y");

	if (!n || y < 0)
		return NULL;
	for (size_t i = 0; i < n_in; i++)
		if (ir_index_append(&n->inputs, &n->n_inputs, in[i]))
			return NULL;
	if (ir_index_append(&n->outputs, &n->n_outputs, y))
		return NULL;
	return n;
}

static void node_attr_int(struct ir_node *n, const char *name, int64_t v)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_INT);

	if (a)
		a->i = v;
}

static void node_attr_float(struct ir_node *n, const char *name, float v)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_FLOAT);

	if (a)
		a->f = v;
}

static void node_attr_string(struct ir_node *n, const char *name, const char *v)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_STRING);

	if (a) {
		a->s = strdup(v);
		a->len = strlen(v);
	}
}

/*
 * Infer @g and run its node on the host; the output "y" (@bytes of it) into @out.
 * Return: the inference or kernel errno, 0 on success.
 */
static int graph_run(struct ir_graph *g, void *out, size_t bytes)
{
	struct host_values v = { 0 };
	char err[256];
	int y = ir_graph_find_tensor(g, "y");
	int ret = ir_infer_shapes(g, err, sizeof(err));

	if (ret)
		return ret;
	ret = host_values_create(g, &v);
	if (!ret)
		ret = host_exec_graph(g, &v, err, sizeof(err));
	if (!ret)
		memcpy(out, v.ptr[y], bytes);
	host_values_free(&v);
	return ret;
}

/* Inference of @g's node: 0 or its errno. */
static int graph_infer(struct ir_graph *g)
{
	char err[256];

	return ir_infer_shapes(g, err, sizeof(err));
}

static void test_opset6_add_broadcasts_along_axis(void **state)
{
	static const float a[6] = { 1, 2, 3, 4, 5, 6 }, b[2] = { 10, 20 };
	static const int64_t da[2] = { 2, 3 }, db[1] = { 2 };
	struct ir_graph *g = graph_new(6);
	float y[6];
	int in[2];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "a", IR_DTYPE_FLOAT, 2, da, a);
	in[1] = graph_const(g, "b", IR_DTYPE_FLOAT, 1, db, b);
	struct ir_node *n = graph_node(g, "Add", in, 2);

	assert_non_null(n);
	node_attr_int(n, "broadcast", 1);
	node_attr_int(n, "axis", 0);
	/* b [2] at axis 0 of a [2, 3]: one value per row (numpy would align it with the 3). */
	assert_int_equal(graph_run(g, y, sizeof(y)), 0);
	assert_true(y[0] == 11 && y[2] == 13 && y[3] == 24 && y[5] == 26);
	ir_graph_destroy(g);
}

static void test_opset6_add_without_broadcast_wants_equal_shapes(void **state)
{
	static const float a[6] = { 0 }, b[3] = { 0 };
	static const int64_t da[2] = { 2, 3 }, db[1] = { 3 };
	struct ir_graph *g = graph_new(6);
	int in[2];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "a", IR_DTYPE_FLOAT, 2, da, a);
	in[1] = graph_const(g, "b", IR_DTYPE_FLOAT, 1, db, b);
	assert_non_null(graph_node(g, "Add", in, 2));
	assert_int_equal(graph_infer(g), -EINVAL);
	ir_graph_destroy(g);
}

static void test_opset6_prelu_slope_is_per_channel(void **state)
{
	static const float x[8] = { -1, -1, -1, -1, -1, -1, 2, 2 }, s[2] = { 0.5f, 0.25f };
	static const int64_t dx[3] = { 2, 2, 2 }, ds[1] = { 2 };
	struct ir_graph *g = graph_new(6);
	float y[8];
	int in[2];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "x", IR_DTYPE_FLOAT, 3, dx, x);
	in[1] = graph_const(g, "s", IR_DTYPE_FLOAT, 1, ds, s);
	assert_non_null(graph_node(g, "PRelu", in, 2));
	/* Slope [C] on X [N, C, L] is [C, 1]: channel 0 gets 0.5, channel 1 0.25. */
	assert_int_equal(graph_run(g, y, sizeof(y)), 0);
	assert_true(y[0] == -0.5f && y[1] == -0.5f && y[2] == -0.25f && y[3] == -0.25f);
	assert_true(y[4] == -0.5f && y[6] == 2.0f);
	ir_graph_destroy(g);
}

static void test_opset6_clip_bounds_are_attributes(void **state)
{
	static const float x[3] = { -2, 0.25f, 2 };
	static const int64_t dx[1] = { 3 };
	struct ir_graph *g = graph_new(6);
	float y[3];
	int in[1];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "x", IR_DTYPE_FLOAT, 1, dx, x);
	struct ir_node *n = graph_node(g, "Clip", in, 1);

	assert_non_null(n);
	node_attr_float(n, "min", -0.5f);
	node_attr_float(n, "max", 0.5f);
	assert_int_equal(graph_run(g, y, sizeof(y)), 0);
	assert_true(y[0] == -0.5f && y[1] == 0.25f && y[2] == 0.5f);
	ir_graph_destroy(g);
}

static void test_cast1_to_is_a_type_name(void **state)
{
	static const float x[2] = { -1.75f, 3.5f };
	static const int64_t dx[1] = { 2 };
	struct ir_graph *g = graph_new(1);
	int32_t y[2];
	int in[1];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "x", IR_DTYPE_FLOAT, 1, dx, x);
	struct ir_node *n = graph_node(g, "Cast", in, 1);

	assert_non_null(n);
	node_attr_string(n, "to", "INT32");
	/* Float to integer truncates toward zero. */
	assert_int_equal(graph_run(g, y, sizeof(y)), 0);
	assert_int_equal(y[0], -1);
	assert_int_equal(y[1], 3);
	ir_graph_destroy(g);
}

static void test_integer_div_truncates_and_survives_zero(void **state)
{
	static const int32_t a[4] = { 7, -7, 5, INT32_MIN }, b[4] = { 2, 2, 0, -1 };
	static const int64_t d[1] = { 4 };
	struct ir_graph *g = graph_new(14);
	int32_t y[4];
	int in[2];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "a", IR_DTYPE_INT32, 1, d, a);
	in[1] = graph_const(g, "b", IR_DTYPE_INT32, 1, d, b);
	assert_non_null(graph_node(g, "Div", in, 2));
	assert_int_equal(graph_run(g, y, sizeof(y)), 0);
	assert_int_equal(y[0], 3);
	assert_int_equal(y[1], -3);
	assert_int_equal(y[2], 0);		/* by zero: 0, not a trap */
	assert_int_equal(y[3], INT32_MIN);	/* wraps, as int32 arithmetic */
	ir_graph_destroy(g);
}

static void test_integer_mod_takes_the_divisor_sign(void **state)
{
	static const int64_t a[3] = { -7, 7, -7 }, b[3] = { 3, -3, 0 };
	static const int64_t d[1] = { 3 };
	struct ir_graph *g = graph_new(13);
	int64_t y[3];
	int in[2];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "a", IR_DTYPE_INT64, 1, d, a);
	in[1] = graph_const(g, "b", IR_DTYPE_INT64, 1, d, b);
	assert_non_null(graph_node(g, "Mod", in, 2));
	assert_int_equal(graph_run(g, y, sizeof(y)), 0);
	assert_int_equal(y[0], 2);
	assert_int_equal(y[1], -2);
	assert_int_equal(y[2], 0);
	ir_graph_destroy(g);
}

/* @op over @dt on the extremes of @dt (min, -1, 0, 1, max in every pairing): its result. */
static int run_on_extremes(const char *op, enum ir_dtype dt, const char *attr, int64_t attr_val)
{
	/* As int64, stored wrapped to @dt's width: -1 is the max of an unsigned type. */
	static const int64_t vals[5] = { INT64_MIN, -1, 0, 1, INT64_MAX };
	static const int64_t da[2] = { 5, 1 }, db[1] = { 5 };
	unsigned char a[5 * 8], b[5 * 8], y[25 * 8];
	struct ir_graph *g = graph_new(15);
	struct ir_node *n;
	int in[2], ret;

	if (!g)
		return -ENOMEM;
	for (int i = 0; i < 5; i++) {
		ew_store_s(dt, a, i, dt == IR_DTYPE_INT8 ? vals[i] >> 56 : dt == IR_DTYPE_INT32 ?
			   vals[i] >> 32 : vals[i]);
		ew_store_s(dt, b, i, dt == IR_DTYPE_INT8 ? vals[i] >> 56 : dt == IR_DTYPE_INT32 ?
			   vals[i] >> 32 : vals[i]);
	}
	in[0] = graph_const(g, "a", dt, 2, da, a);
	in[1] = graph_const(g, "b", dt, 1, db, b);
	n = graph_node(g, op, in, 2);
	if (n && attr && !strcmp(attr, "direction"))
		node_attr_string(n, attr, attr_val ? "LEFT" : "RIGHT");
	else if (n && attr)
		node_attr_int(n, attr, attr_val);
	ret = n ? graph_run(g, y, 25 * ir_dtype_size(dt)) : -ENOMEM;
	ir_graph_destroy(g);
	return ret;
}

static void test_integer_kernels_survive_extreme_values(void **state)
{
	static const enum ir_dtype types[] = { IR_DTYPE_INT8, IR_DTYPE_INT32, IR_DTYPE_INT64,
					       IR_DTYPE_UINT8, IR_DTYPE_UINT64 };
	static const char *const ops[] = { "Add", "Sub", "Mul", "Div", "Max", "Min", "Pow" };

	(void)state;
	/* Division and Mod by 0 and of the minimum by -1, overflowing powers: no trap, no UB. */
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
			assert_int_equal(run_on_extremes(ops[o], types[t], NULL, 0), 0);
		assert_int_equal(run_on_extremes("Mod", types[t], "fmod", 0), 0);
		assert_int_equal(run_on_extremes("Mod", types[t], "fmod", 1), 0);
	}
	assert_int_equal(run_on_extremes("BitShift", IR_DTYPE_UINT64, "direction", 1), 0);
	assert_int_equal(run_on_extremes("BitShift", IR_DTYPE_UINT8, "direction", 0), 0);
}

static void test_float16_results_round_to_nearest_even(void **state)
{
	(void)state;
	/* 1 + 2^-11 is halfway between 1 and 1 + 2^-10: to the even 1. */
	assert_int_equal(ew_float_to_half(1.0f + 0x1p-11f), 0x3c00);
	/* 1 + 3 * 2^-11 is halfway between 1 + 2^-10 and 1 + 2^-9: to the even 1 + 2^-9. */
	assert_int_equal(ew_float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02);
	assert_int_equal(ew_float_to_half(65520.0f), 0x7c00);
	assert_int_equal(ew_float_to_half(65504.0f), 0x7bff);
	assert_int_equal(ew_float_to_half(0x1p-24f), 0x0001);
	assert_int_equal(ew_float_to_half(0x1p-25f), 0x0000);	/* a tie, to even 0 */
	assert_int_equal(ew_float_to_half(-0.0f), 0x8000);
	assert_true((ew_float_to_half(NAN) & 0x7fff) > 0x7c00);
	/* bfloat16: 1 + 2^-8 is halfway between 1 and 1 + 2^-7. */
	assert_int_equal(ew_float_to_bf16(1.0f + 0x1p-8f), 0x3f80);
	assert_int_equal(ew_float_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82);
}

static void test_infer_refuses_mixed_input_types(void **state)
{
	static const float a[1] = { 1 };
	static const int64_t b[1] = { 1 };
	struct ir_graph *g = graph_new(14);
	int in[2];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "a", IR_DTYPE_FLOAT, 0, NULL, a);
	in[1] = graph_const(g, "b", IR_DTYPE_INT64, 0, NULL, b);
	assert_non_null(graph_node(g, "Add", in, 2));
	assert_int_equal(graph_infer(g), -EINVAL);
	ir_graph_destroy(g);
}

static void test_infer_refuses_a_float_for_a_bool_op(void **state)
{
	static const float a[1] = { 1 };
	struct ir_graph *g = graph_new(13);
	int in[1];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "a", IR_DTYPE_FLOAT, 0, NULL, a);
	assert_non_null(graph_node(g, "Not", in, 1));
	assert_int_equal(graph_infer(g), -EINVAL);
	ir_graph_destroy(g);
}

static void test_infer_refuses_an_attribute_of_the_wrong_type(void **state)
{
	static const float a[1] = { 1 };
	struct ir_graph *g = graph_new(16);
	int in[1];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "a", IR_DTYPE_FLOAT, 0, NULL, a);
	struct ir_node *n = graph_node(g, "LeakyRelu", in, 1);

	assert_non_null(n);
	node_attr_int(n, "alpha", 1);
	assert_int_equal(graph_infer(g), -EINVAL);
	ir_graph_destroy(g);
}

static void test_infer_refuses_float_mod_without_fmod(void **state)
{
	static const float a[1] = { 1 };
	struct ir_graph *g = graph_new(13);
	int in[2];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "a", IR_DTYPE_FLOAT, 0, NULL, a);
	in[1] = graph_const(g, "b", IR_DTYPE_FLOAT, 0, NULL, a);
	assert_non_null(graph_node(g, "Mod", in, 2));
	assert_int_equal(graph_infer(g), -EINVAL);
	ir_graph_destroy(g);
}

static void test_infer_refuses_bitshift_without_direction(void **state)
{
	static const uint8_t a[1] = { 1 };
	struct ir_graph *g = graph_new(11);
	int in[2];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "a", IR_DTYPE_UINT8, 0, NULL, a);
	in[1] = graph_const(g, "b", IR_DTYPE_UINT8, 0, NULL, a);
	assert_non_null(graph_node(g, "BitShift", in, 2));
	assert_int_equal(graph_infer(g), -EINVAL);
	ir_graph_destroy(g);
}

static void test_infer_refuses_shapes_that_do_not_broadcast(void **state)
{
	static const float a[6] = { 0 };
	static const int64_t da[1] = { 2 }, db[1] = { 3 };
	struct ir_graph *g = graph_new(13);
	int in[2];

	(void)state;
	assert_non_null(g);
	in[0] = graph_const(g, "a", IR_DTYPE_FLOAT, 1, da, a);
	in[1] = graph_const(g, "b", IR_DTYPE_FLOAT, 1, db, a);
	assert_non_null(graph_node(g, "Max", in, 2));
	assert_int_equal(graph_infer(g), -EINVAL);
	ir_graph_destroy(g);
}

static void test_new_integer_types_have_onnx_sizes(void **state)
{
	(void)state;
	assert_int_equal(ir_dtype_size(IR_DTYPE_UINT16), 2);
	assert_int_equal(ir_dtype_size(IR_DTYPE_INT16), 2);
	assert_int_equal(ir_dtype_size(IR_DTYPE_UINT32), 4);
	assert_int_equal(ir_dtype_size(IR_DTYPE_UINT64), 8);
	assert_string_equal(ir_dtype_name(IR_DTYPE_UINT64), "uint64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_abs_neg_sign),
		cmocka_unit_test(test_node_floor_ceil_round),
		cmocka_unit_test(test_node_sqrt_reciprocal_exp_log),
		cmocka_unit_test(test_node_trigonometric),
		cmocka_unit_test(test_node_hyperbolic),
		cmocka_unit_test(test_node_erf_sigmoid),
		cmocka_unit_test(test_node_relu_leakyrelu),
		cmocka_unit_test(test_node_celu),
		cmocka_unit_test(test_node_hardswish_thresholdedrelu),
		cmocka_unit_test(test_node_shrink),
		cmocka_unit_test(test_node_prelu),
		cmocka_unit_test(test_node_isnan_isinf),
		cmocka_unit_test(test_node_identity),
		cmocka_unit_test(test_node_clip),
		cmocka_unit_test(test_node_add_sub),
		cmocka_unit_test(test_node_mul_div),
		cmocka_unit_test(test_node_pow),
		cmocka_unit_test(test_node_mod),
		cmocka_unit_test(test_node_bitshift),
		cmocka_unit_test(test_node_and),
		cmocka_unit_test(test_node_or),
		cmocka_unit_test(test_node_xor),
		cmocka_unit_test(test_node_max),
		cmocka_unit_test(test_node_min),
		cmocka_unit_test(test_node_sum_mean),
		cmocka_unit_test(test_node_comparisons),
		cmocka_unit_test(test_node_where),
		cmocka_unit_test(test_node_cast),
		cmocka_unit_test(test_node_castlike),
		cmocka_unit_test(test_node_old_opset_activations),
		cmocka_unit_test(test_node_old_opset_not),
		cmocka_unit_test(test_pytorch_operator_elementwise),
		cmocka_unit_test(test_pytorch_converted_elementwise),
		cmocka_unit_test(test_opset6_add_broadcasts_along_axis),
		cmocka_unit_test(test_opset6_add_without_broadcast_wants_equal_shapes),
		cmocka_unit_test(test_opset6_prelu_slope_is_per_channel),
		cmocka_unit_test(test_opset6_clip_bounds_are_attributes),
		cmocka_unit_test(test_cast1_to_is_a_type_name),
		cmocka_unit_test(test_integer_div_truncates_and_survives_zero),
		cmocka_unit_test(test_integer_mod_takes_the_divisor_sign),
		cmocka_unit_test(test_integer_kernels_survive_extreme_values),
		cmocka_unit_test(test_float16_results_round_to_nearest_even),
		cmocka_unit_test(test_infer_refuses_mixed_input_types),
		cmocka_unit_test(test_infer_refuses_a_float_for_a_bool_op),
		cmocka_unit_test(test_infer_refuses_an_attribute_of_the_wrong_type),
		cmocka_unit_test(test_infer_refuses_float_mod_without_fmod),
		cmocka_unit_test(test_infer_refuses_bitshift_without_direction),
		cmocka_unit_test(test_infer_refuses_shapes_that_do_not_broadcast),
		cmocka_unit_test(test_new_integer_types_have_onnx_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
