// SPDX-License-Identifier: MIT
/*
 * The reduction family (compiler/ops/reduce.c): every libonnx-testdata node test of each op
 * on the host interpreter, and the errors inference and the kernels must give.
 * One behaviour per test.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compiler/host_exec.h"
#include "compiler/op.h"
#include "compiler/ops/elem.h"
#include "compiler/shape_infer.h"
#include "op_graph.h"
#include "testdata_host.h"

/* Every named node test (or, for the older-opset lists, test of @kind) passes on the host. */
#define NODE_TESTS(fn, ...) TESTDATA_HOST_TESTS(fn, "node", __VA_ARGS__)
#define OLD_OPSET_TESTS(fn, kind, ...) TESTDATA_HOST_TESTS(fn, kind, __VA_ARGS__)



/* 8 node tests */
NODE_TESTS(test_reduce_mean_node_tests,
	   "test_reduce_mean_default_axes_keepdims_example",
	   "test_reduce_mean_default_axes_keepdims_random",
	   "test_reduce_mean_do_not_keepdims_example",
	   "test_reduce_mean_do_not_keepdims_random",
	   "test_reduce_mean_keepdims_example",
	   "test_reduce_mean_keepdims_random",
	   "test_reduce_mean_negative_axes_keepdims_example",
	   "test_reduce_mean_negative_axes_keepdims_random")

/* 10 node tests */
NODE_TESTS(test_reduce_sum_node_tests,
	   "test_reduce_sum_default_axes_keepdims_example",
	   "test_reduce_sum_default_axes_keepdims_random",
	   "test_reduce_sum_do_not_keepdims_example",
	   "test_reduce_sum_do_not_keepdims_random",
	   "test_reduce_sum_empty_axes_input_noop_example",
	   "test_reduce_sum_empty_axes_input_noop_random",
	   "test_reduce_sum_keepdims_example",
	   "test_reduce_sum_keepdims_random",
	   "test_reduce_sum_negative_axes_keepdims_example",
	   "test_reduce_sum_negative_axes_keepdims_random")

/* 8 node tests */
NODE_TESTS(test_reduce_sum_square_node_tests,
	   "test_reduce_sum_square_default_axes_keepdims_example",
	   "test_reduce_sum_square_default_axes_keepdims_random",
	   "test_reduce_sum_square_do_not_keepdims_example",
	   "test_reduce_sum_square_do_not_keepdims_random",
	   "test_reduce_sum_square_keepdims_example",
	   "test_reduce_sum_square_keepdims_random",
	   "test_reduce_sum_square_negative_axes_keepdims_example",
	   "test_reduce_sum_square_negative_axes_keepdims_random")

/* 8 node tests */
NODE_TESTS(test_reduce_max_node_tests,
	   "test_reduce_max_default_axes_keepdim_example",
	   "test_reduce_max_default_axes_keepdims_random",
	   "test_reduce_max_do_not_keepdims_example",
	   "test_reduce_max_do_not_keepdims_random",
	   "test_reduce_max_keepdims_example",
	   "test_reduce_max_keepdims_random",
	   "test_reduce_max_negative_axes_keepdims_example",
	   "test_reduce_max_negative_axes_keepdims_random")

/* 8 node tests */
NODE_TESTS(test_reduce_min_node_tests,
	   "test_reduce_min_default_axes_keepdims_example",
	   "test_reduce_min_default_axes_keepdims_random",
	   "test_reduce_min_do_not_keepdims_example",
	   "test_reduce_min_do_not_keepdims_random",
	   "test_reduce_min_keepdims_example",
	   "test_reduce_min_keepdims_random",
	   "test_reduce_min_negative_axes_keepdims_example",
	   "test_reduce_min_negative_axes_keepdims_random")

/* 8 node tests */
NODE_TESTS(test_reduce_prod_node_tests,
	   "test_reduce_prod_default_axes_keepdims_example",
	   "test_reduce_prod_default_axes_keepdims_random",
	   "test_reduce_prod_do_not_keepdims_example",
	   "test_reduce_prod_do_not_keepdims_random",
	   "test_reduce_prod_keepdims_example",
	   "test_reduce_prod_keepdims_random",
	   "test_reduce_prod_negative_axes_keepdims_example",
	   "test_reduce_prod_negative_axes_keepdims_random")

/* 8 node tests */
NODE_TESTS(test_reduce_l1_node_tests,
	   "test_reduce_l1_default_axes_keepdims_example",
	   "test_reduce_l1_default_axes_keepdims_random",
	   "test_reduce_l1_do_not_keepdims_example",
	   "test_reduce_l1_do_not_keepdims_random",
	   "test_reduce_l1_keep_dims_example",
	   "test_reduce_l1_keep_dims_random",
	   "test_reduce_l1_negative_axes_keep_dims_example",
	   "test_reduce_l1_negative_axes_keep_dims_random")

/* 8 node tests */
NODE_TESTS(test_reduce_l2_node_tests,
	   "test_reduce_l2_default_axes_keepdims_example",
	   "test_reduce_l2_default_axes_keepdims_random",
	   "test_reduce_l2_do_not_keepdims_example",
	   "test_reduce_l2_do_not_keepdims_random",
	   "test_reduce_l2_keep_dims_example",
	   "test_reduce_l2_keep_dims_random",
	   "test_reduce_l2_negative_axes_keep_dims_example",
	   "test_reduce_l2_negative_axes_keep_dims_random")

/* 5 node tests */
NODE_TESTS(test_reduce_log_sum_node_tests,
	   "test_reduce_log_sum_asc_axes",
	   "test_reduce_log_sum_default",
	   "test_reduce_log_sum_desc_axes",
	   "test_reduce_log_sum_negative_axes")

/* 8 node tests */
NODE_TESTS(test_reduce_log_sum_exp_node_tests,
	   "test_reduce_log_sum_exp_default_axes_keepdims_example",
	   "test_reduce_log_sum_exp_default_axes_keepdims_random",
	   "test_reduce_log_sum_exp_do_not_keepdims_example",
	   "test_reduce_log_sum_exp_do_not_keepdims_random",
	   "test_reduce_log_sum_exp_keepdims_example",
	   "test_reduce_log_sum_exp_keepdims_random",
	   "test_reduce_log_sum_exp_negative_axes_keepdims_example",
	   "test_reduce_log_sum_exp_negative_axes_keepdims_random")

/* 16 node tests */
NODE_TESTS(test_argmax_node_tests,
	   "test_argmax_default_axis_example",
	   "test_argmax_default_axis_example_select_last_index",
	   "test_argmax_default_axis_random",
	   "test_argmax_default_axis_random_select_last_index",
	   "test_argmax_keepdims_example",
	   "test_argmax_keepdims_example_select_last_index",
	   "test_argmax_keepdims_random",
	   "test_argmax_keepdims_random_select_last_index",
	   "test_argmax_negative_axis_keepdims_example",
	   "test_argmax_negative_axis_keepdims_example_select_last_index",
	   "test_argmax_negative_axis_keepdims_random",
	   "test_argmax_negative_axis_keepdims_random_select_last_index",
	   "test_argmax_no_keepdims_example",
	   "test_argmax_no_keepdims_example_select_last_index",
	   "test_argmax_no_keepdims_random",
	   "test_argmax_no_keepdims_random_select_last_index")

/* 16 node tests */
NODE_TESTS(test_argmin_node_tests,
	   "test_argmin_default_axis_example",
	   "test_argmin_default_axis_example_select_last_index",
	   "test_argmin_default_axis_random",
	   "test_argmin_default_axis_random_select_last_index",
	   "test_argmin_keepdims_example",
	   "test_argmin_keepdims_example_select_last_index",
	   "test_argmin_keepdims_random",
	   "test_argmin_keepdims_random_select_last_index",
	   "test_argmin_negative_axis_keepdims_example",
	   "test_argmin_negative_axis_keepdims_example_select_last_index",
	   "test_argmin_negative_axis_keepdims_random",
	   "test_argmin_negative_axis_keepdims_random_select_last_index",
	   "test_argmin_no_keepdims_example",
	   "test_argmin_no_keepdims_example_select_last_index",
	   "test_argmin_no_keepdims_random",
	   "test_argmin_no_keepdims_random_select_last_index")

/* Opset 6. */
OLD_OPSET_TESTS(test_reduce_log_sum_opset6_node_test, "node", "test_reduce_log_sum")
/* PyTorch's exports, opset 6. */
OLD_OPSET_TESTS(test_reduce_pytorch_operator_tests, "pytorch-operator",
		"test_operator_reduced_mean", "test_operator_reduced_mean_keepdim",
		"test_operator_reduced_sum", "test_operator_reduced_sum_keepdim")

static char err[512];

static const float x232[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

static void test_reduce_axis_out_of_range_is_einval_at_inference(void **state)
{
	struct op_graph_input in[] = { { IR_DTYPE_FLOAT, 3, { 2, 3, 2 }, x232, false, false } };
	struct ir_graph *g = op_graph_create("ReduceMean", 13, in, 1, 1);
	static const int64_t axes[] = { 3 };

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_ints(g, "axes", axes, 1));
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node 'n0' (ReduceMean)"));
	assert_non_null(strstr(err, "axis 3 out of range"));
	ir_graph_destroy(g);
}

static void test_reduce_sum_axes_input_out_of_range_is_einval_at_run_time(void **state)
{
	static const int64_t axes[] = { -4 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 3, { 2, 3, 2 }, x232, false, false },
		{ IR_DTYPE_INT64, 1, { 1 }, axes, false, false },
	};
	struct ir_graph *g = op_graph_create("ReduceSum", 13, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	/* What a model declares for the output when its axes come at run time. */
	op_graph_declare(g, 0, IR_DTYPE_FLOAT, 3, (const int64_t[]){ 1, 3, 2 });
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node 'n0' (ReduceSum)"));
	assert_non_null(strstr(err, "axis -4 out of range"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_reduce_sum_axes_input_must_give_the_declared_shape(void **state)
{
	static const int64_t axes[] = { 1 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 3, { 2, 3, 2 }, x232, false, false },
		{ IR_DTYPE_INT64, 1, { 1 }, axes, false, false },
	};
	struct ir_graph *g = op_graph_create("ReduceSum", 13, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	op_graph_declare(g, 0, IR_DTYPE_FLOAT, 3, (const int64_t[]){ 1, 3, 2 });
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "do not give the output's shape"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_reduce_sum_axes_input_with_declared_shape_runs(void **state)
{
	static const int64_t axes[] = { 0 };
	static const float want[6] = { 8, 10, 12, 14, 16, 18 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 3, { 2, 3, 2 }, x232, false, false },
		{ IR_DTYPE_INT64, 1, { 1 }, axes, false, false },
	};
	struct ir_graph *g = op_graph_create("ReduceSum", 13, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	op_graph_declare(g, 0, IR_DTYPE_FLOAT, 3, (const int64_t[]){ 1, 3, 2 });
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), 0);
	assert_memory_equal(op_graph_output(g, &v, 0), want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_reduce_sum_axes_input_without_declared_shape_is_eopnotsupp(void **state)
{
	static const int64_t axes[] = { 0 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 3, { 2, 3, 2 }, x232, false, false },
		{ IR_DTYPE_INT64, 1, { 1 }, axes, false, false },
	};
	struct ir_graph *g = op_graph_create("ReduceSum", 13, in, 2, 1);

	(void)state;
	assert_non_null(g);
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "axes 'x1' is not a constant"));
	ir_graph_destroy(g);
}

/*
 * Reducing an axis of size 0 (x of [2, 0]) over axis 1 with @op_type; y0 of 2 floats. Opset 11:
 * the axes an attribute for every op.
 */
static void reduce_empty(const char *op_type, float *y)
{
	static const int64_t axes[] = { 1 };
	struct op_graph_input in[] = { { IR_DTYPE_FLOAT, 2, { 2, 0 }, NULL, false, false } };
	struct ir_graph *g = op_graph_create(op_type, 11, in, 1, 1);
	struct host_values v = { 0 };

	assert_non_null(g);
	assert_true(op_graph_attr_ints(g, "axes", axes, 1));
	assert_true(op_graph_attr_int(g, "keepdims", 0));
	assert_int_equal(op_graph_run(g, in, 1, &v, err, sizeof(err)), 0);
	assert_int_equal(ir_tensor_numel(g->tensors[g->outputs[0]]), 2);
	memcpy(y, op_graph_output(g, &v, 0), 2 * sizeof(*y));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_reduce_sum_of_empty_set_is_zero(void **state)
{
	float y[2];

	(void)state;
	reduce_empty("ReduceSum", y);
	assert_true(y[0] == 0 && y[1] == 0);
}

static void test_reduce_prod_of_empty_set_is_one(void **state)
{
	float y[2];

	(void)state;
	reduce_empty("ReduceProd", y);
	assert_true(y[0] == 1 && y[1] == 1);
}

static void test_reduce_max_of_empty_set_is_minus_infinity(void **state)
{
	float y[2];

	(void)state;
	reduce_empty("ReduceMax", y);
	assert_true(isinf(y[0]) && y[0] < 0);
}

static void test_reduce_log_sum_exp_of_empty_set_is_minus_infinity(void **state)
{
	float y[2];

	(void)state;
	reduce_empty("ReduceLogSumExp", y);
	assert_true(isinf(y[0]) && y[0] < 0);
}

static void test_reduce_sum_of_int64_is_exact(void **state)
{
	static const int64_t x[2] = { (1LL << 60) + 1, 1 };
	static const int64_t axes[] = { 0 };
	struct op_graph_input in[] = { { IR_DTYPE_INT64, 1, { 2 }, x, false, false } };
	struct ir_graph *g = op_graph_create("ReduceSum", 11, in, 1, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_ints(g, "axes", axes, 1));
	assert_int_equal(op_graph_run(g, in, 1, &v, err, sizeof(err)), 0);
	assert_int_equal(*(const int64_t *)op_graph_output(g, &v, 0), (1LL << 60) + 2);
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_reduce_noop_with_empty_axes_copies_the_input(void **state)
{
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 3, { 2, 3, 2 }, x232, false, false },
		{ IR_DTYPE_INT64, 1, { 0 }, NULL, false, false },
	};
	struct ir_graph *g = op_graph_create("ReduceSum", 13, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_int(g, "noop_with_empty_axes", 1));
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), 0);
	assert_int_equal(g->tensors[g->outputs[0]]->rank, 3);
	assert_memory_equal(op_graph_output(g, &v, 0), x232, sizeof(x232));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_argmax_axis_out_of_range_is_einval_at_inference(void **state)
{
	struct op_graph_input in[] = { { IR_DTYPE_FLOAT, 3, { 2, 3, 2 }, x232, false, false } };
	struct ir_graph *g = op_graph_create("ArgMax", 13, in, 1, 1);

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_int(g, "axis", -4));
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node 'n0' (ArgMax)"));
	ir_graph_destroy(g);
}

static void test_reduce_of_bool_is_einval(void **state)
{
	static const uint8_t x[2] = { 1, 0 };
	struct op_graph_input in[] = { { IR_DTYPE_BOOL, 1, { 2 }, x, false, false } };
	struct ir_graph *g = op_graph_create("ReduceMax", 13, in, 1, 1);

	(void)state;
	assert_non_null(g);
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "input of type bool"));
	ir_graph_destroy(g);
}

static void test_float16_results_round_trip_every_half(void **state)
{
	(void)state;
	for (uint32_t h = 0; h < 0x10000; h++) {
		/* NaNs stay NaNs (their payload aside). */
		if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
			continue;
		assert_int_equal(elem_half_of(ir_half_to_float((uint16_t)h)), h);
	}
}

static void test_float16_results_round_to_nearest_even(void **state)
{
	(void)state;
	/* 1 + 2^-11 is halfway between 1 (0x3c00, even) and 1 + 2^-10: it goes to 1. */
	assert_int_equal(elem_half_of(1.0f + 0x1p-11f), 0x3c00);
	/* 1 + 3 * 2^-11 is halfway between 0x3c01 (odd) and 0x3c02: it goes to 0x3c02. */
	assert_int_equal(elem_half_of(1.0f + 3 * 0x1p-11f), 0x3c02);
	assert_int_equal(elem_half_of(65520.0f), 0x7c00);	/* beyond the largest: inf */
	assert_int_equal(elem_half_of(0x1p-25f), 0);		/* half the smallest subnormal: even */
	assert_int_equal(elem_half_of(0x1.8p-25f), 1);
	assert_int_equal(elem_bf16_of(1.0f + 0x1p-8f), 0x3f80);
	assert_int_equal(elem_bf16_of(1.0f + 3 * 0x1p-8f), 0x3f82);
}

static void test_reduce_mean_of_float16(void **state)
{
	/* 1, 2, 3, 4 in binary16: mean 2.5 (0x4100). */
	static const uint16_t x[4] = { 0x3c00, 0x4000, 0x4200, 0x4400 };
	struct op_graph_input in[] = { { IR_DTYPE_FLOAT16, 1, { 4 }, x, false, false } };
	struct ir_graph *g = op_graph_create("ReduceMean", 13, in, 1, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_int_equal(op_graph_run(g, in, 1, &v, err, sizeof(err)), 0);
	assert_int_equal(*(const uint16_t *)op_graph_output(g, &v, 0), 0x4100);
	host_values_free(&v);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reduce_log_sum_opset6_node_test),
		cmocka_unit_test(test_reduce_pytorch_operator_tests),
		cmocka_unit_test(test_reduce_mean_node_tests),
		cmocka_unit_test(test_reduce_sum_node_tests),
		cmocka_unit_test(test_reduce_sum_square_node_tests),
		cmocka_unit_test(test_reduce_max_node_tests),
		cmocka_unit_test(test_reduce_min_node_tests),
		cmocka_unit_test(test_reduce_prod_node_tests),
		cmocka_unit_test(test_reduce_l1_node_tests),
		cmocka_unit_test(test_reduce_l2_node_tests),
		cmocka_unit_test(test_reduce_log_sum_node_tests),
		cmocka_unit_test(test_reduce_log_sum_exp_node_tests),
		cmocka_unit_test(test_argmax_node_tests),
		cmocka_unit_test(test_argmin_node_tests),
		cmocka_unit_test(test_reduce_axis_out_of_range_is_einval_at_inference),
		cmocka_unit_test(test_reduce_sum_axes_input_out_of_range_is_einval_at_run_time),
		cmocka_unit_test(test_reduce_sum_axes_input_must_give_the_declared_shape),
		cmocka_unit_test(test_reduce_sum_axes_input_with_declared_shape_runs),
		cmocka_unit_test(test_reduce_sum_axes_input_without_declared_shape_is_eopnotsupp),
		cmocka_unit_test(test_reduce_sum_of_empty_set_is_zero),
		cmocka_unit_test(test_reduce_prod_of_empty_set_is_one),
		cmocka_unit_test(test_reduce_max_of_empty_set_is_minus_infinity),
		cmocka_unit_test(test_reduce_log_sum_exp_of_empty_set_is_minus_infinity),
		cmocka_unit_test(test_reduce_sum_of_int64_is_exact),
		cmocka_unit_test(test_reduce_noop_with_empty_axes_copies_the_input),
		cmocka_unit_test(test_argmax_axis_out_of_range_is_einval_at_inference),
		cmocka_unit_test(test_reduce_of_bool_is_einval),
		cmocka_unit_test(test_float16_results_round_trip_every_half),
		cmocka_unit_test(test_float16_results_round_to_nearest_even),
		cmocka_unit_test(test_reduce_mean_of_float16),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
