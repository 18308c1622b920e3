// SPDX-License-Identifier: MIT
/*
 * The indexing family (compiler/ops/index.c): every libonnx-testdata node test of each op
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
#include "compiler/shape_infer.h"
#include "op_graph.h"
#include "testdata_host.h"

/* Every named node test (or, for the older-opset lists, test of @kind) passes on the host. */
#define NODE_TESTS(fn, ...) TESTDATA_HOST_TESTS(fn, "node", __VA_ARGS__)
#define OLD_OPSET_TESTS(fn, kind, ...) TESTDATA_HOST_TESTS(fn, kind, __VA_ARGS__)



/* 4 node tests */
NODE_TESTS(test_gather_node_tests,
	   "test_gather_0",
	   "test_gather_1",
	   "test_gather_2d_indices",
	   "test_gather_negative_indices")

/* 3 node tests */
NODE_TESTS(test_gather_elements_node_tests,
	   "test_gather_elements_0",
	   "test_gather_elements_1",
	   "test_gather_elements_negative_indices")

/* 3 node tests */
NODE_TESTS(test_gathernd_node_tests,
	   "test_gathernd_example_float32",
	   "test_gathernd_example_int32",
	   "test_gathernd_example_int32_batch_dim1")

/* 4 node tests */
NODE_TESTS(test_scatter_elements_node_tests,
	   "test_scatter_elements_with_axis",
	   "test_scatter_elements_with_duplicate_indices",
	   "test_scatter_elements_with_negative_indices",
	   "test_scatter_elements_without_axis")

/* 3 node tests */
NODE_TESTS(test_scatternd_node_tests,
	   "test_scatternd",
	   "test_scatternd_add",
	   "test_scatternd_multiply")

/* 4 node tests */
NODE_TESTS(test_onehot_node_tests,
	   "test_onehot_negative_indices",
	   "test_onehot_with_axis",
	   "test_onehot_with_negative_axis",
	   "test_onehot_without_axis")

/* 7 node tests */
NODE_TESTS(test_cumsum_node_tests,
	   "test_cumsum_1d",
	   "test_cumsum_1d_exclusive",
	   "test_cumsum_1d_reverse",
	   "test_cumsum_1d_reverse_exclusive",
	   "test_cumsum_2d_axis_0",
	   "test_cumsum_2d_axis_1",
	   "test_cumsum_2d_negative_axis")

/* 3 node tests */
NODE_TESTS(test_top_k_node_tests,
	   "test_top_k",
	   "test_top_k_negative_axis",
	   "test_top_k_smallest")

/* 4 node tests */
NODE_TESTS(test_compress_node_tests,
	   "test_compress_0",
	   "test_compress_1",
	   "test_compress_default_axis",
	   "test_compress_negative_axis")

/* 1 node tests */
NODE_TESTS(test_nonzero_node_tests,
	   "test_nonzero_example")

/* 5 node tests */
NODE_TESTS(test_einsum_node_tests,
	   "test_einsum_batch_diagonal",
	   "test_einsum_batch_matmul",
	   "test_einsum_inner_prod",
	   "test_einsum_sum",
	   "test_einsum_transpose")

/* 2 node tests (Scatter, opset 10) */
NODE_TESTS(test_scatter_node_tests,
	   "test_scatter_with_axis",
	   "test_scatter_without_axis")


/* PyTorch's exports, opset 6. */
OLD_OPSET_TESTS(test_gather_pytorch_converted_tests, "pytorch-converted", "test_Embedding",
		"test_Embedding_sparse")

static char err[512];

static const float x23[6] = { 1, 2, 3, 4, 5, 6 };

static void test_gather_index_out_of_range_is_einval_at_run_time(void **state)
{
	static const int64_t idx[2] = { 0, 2 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT64, 1, { 2 }, idx, false, false },
	};
	struct ir_graph *g = op_graph_create("Gather", 13, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node 'n0' (Gather)"));
	assert_non_null(strstr(err, "index 2 out of range"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_gather_negative_index_below_minus_dim_is_einval(void **state)
{
	static const int32_t idx[1] = { -3 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT32, 1, { 1 }, idx, false, false },
	};
	struct ir_graph *g = op_graph_create("Gather", 13, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "index -3 out of range"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_gather_axis_out_of_range_is_einval_at_inference(void **state)
{
	static const int64_t idx[1] = { 0 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT64, 1, { 1 }, idx, false, false },
	};
	struct ir_graph *g = op_graph_create("Gather", 13, in, 2, 1);

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_int(g, "axis", 2));
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node 'n0' (Gather): axis 2 out of range"));
	ir_graph_destroy(g);
}

static void test_gather_elements_index_out_of_range_is_einval_at_run_time(void **state)
{
	static const int64_t idx[2] = { 1, 3 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT64, 2, { 1, 2 }, idx, false, false },
	};
	struct ir_graph *g = op_graph_create("GatherElements", 13, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_int(g, "axis", 1));
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node 'n0' (GatherElements): index 3 out of range"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_gathernd_index_out_of_range_is_einval_at_run_time(void **state)
{
	static const int64_t idx[2] = { 1, -4 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT64, 2, { 1, 2 }, idx, false, false },
	};
	struct ir_graph *g = op_graph_create("GatherND", 13, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node 'n0' (GatherND): index -4 out of range"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_gathernd_tuple_longer_than_rank_is_einval_at_inference(void **state)
{
	static const int64_t idx[3] = { 0, 0, 0 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT64, 2, { 1, 3 }, idx, false, false },
	};
	struct ir_graph *g = op_graph_create("GatherND", 13, in, 2, 1);

	(void)state;
	assert_non_null(g);
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "index tuples of 3"));
	ir_graph_destroy(g);
}

static void test_scatter_elements_index_out_of_range_is_einval_at_run_time(void **state)
{
	static const int64_t idx[2] = { 0, 5 };
	static const float upd[2] = { 7, 8 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT64, 2, { 1, 2 }, idx, false, false },
		{ IR_DTYPE_FLOAT, 2, { 1, 2 }, upd, false, false },
	};
	struct ir_graph *g = op_graph_create("ScatterElements", 16, in, 3, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_int(g, "axis", 1));
	assert_int_equal(op_graph_run(g, in, 3, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node 'n0' (ScatterElements): index 5 out of range"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_scatter_elements_max_reduction_keeps_the_larger(void **state)
{
	static const int64_t idx[2] = { 0, 0 };
	static const float upd[2] = { 0, 9 }, want[6] = { 9, 2, 3, 4, 5, 6 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT64, 2, { 1, 2 }, idx, false, false },
		{ IR_DTYPE_FLOAT, 2, { 1, 2 }, upd, false, false },
	};
	struct ir_graph *g = op_graph_create("ScatterElements", 16, in, 3, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_int(g, "axis", 1));
	assert_true(op_graph_attr_string(g, "reduction", "max"));
	assert_int_equal(op_graph_run(g, in, 3, &v, err, sizeof(err)), 0);
	assert_memory_equal(op_graph_output(g, &v, 0), want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_scatter_unknown_reduction_is_einval_at_inference(void **state)
{
	static const int64_t idx[2] = { 0, 0 };
	static const float upd[2] = { 0, 9 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT64, 2, { 1, 2 }, idx, false, false },
		{ IR_DTYPE_FLOAT, 2, { 1, 2 }, upd, false, false },
	};
	struct ir_graph *g = op_graph_create("ScatterElements", 16, in, 3, 1);

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_string(g, "reduction", "avg"));
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown reduction 'avg'"));
	ir_graph_destroy(g);
}

static void test_scatternd_index_out_of_range_is_einval_at_run_time(void **state)
{
	static const int64_t idx[1] = { 2 };
	static const float upd[3] = { 7, 8, 9 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT64, 2, { 1, 1 }, idx, false, false },
		{ IR_DTYPE_FLOAT, 2, { 1, 3 }, upd, false, false },
	};
	struct ir_graph *g = op_graph_create("ScatterND", 16, in, 3, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_int_equal(op_graph_run(g, in, 3, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node 'n0' (ScatterND): index 2 out of range"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_onehot_index_out_of_range_gives_all_off(void **state)
{
	static const int64_t idx[2] = { 5, -1 }, depth[1] = { 3 };
	static const float vals[2] = { 0, 1 }, want[6] = { 0, 0, 0, 0, 0, 1 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_INT64, 1, { 2 }, idx, false, false },
		{ IR_DTYPE_INT64, 0, { 0 }, depth, true, false },
		{ IR_DTYPE_FLOAT, 1, { 2 }, vals, false, false },
	};
	struct ir_graph *g = op_graph_create("OneHot", 11, in, 3, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_int_equal(op_graph_run(g, in, 3, &v, err, sizeof(err)), 0);
	assert_memory_equal(op_graph_output(g, &v, 0), want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_onehot_depth_differing_from_declared_is_einval(void **state)
{
	static const int64_t idx[2] = { 0, 1 }, depth[1] = { 4 };
	static const float vals[2] = { 0, 1 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_INT64, 1, { 2 }, idx, false, false },
		{ IR_DTYPE_INT64, 0, { 0 }, depth, false, false },
		{ IR_DTYPE_FLOAT, 1, { 2 }, vals, false, false },
	};
	struct ir_graph *g = op_graph_create("OneHot", 11, in, 3, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	op_graph_declare(g, 0, IR_DTYPE_FLOAT, 2, (const int64_t[]){ 2, 3 });
	assert_int_equal(op_graph_run(g, in, 3, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "depth 4, the output has 3"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_cumsum_axis_out_of_range_is_einval_at_run_time(void **state)
{
	static const int32_t axis[1] = { 2 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT32, 0, { 0 }, axis, false, false },
	};
	struct ir_graph *g = op_graph_create("CumSum", 14, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "node 'n0' (CumSum): axis 2 out of range"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_topk_k_larger_than_the_axis_is_einval_at_inference(void **state)
{
	static const int64_t k[1] = { 4 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_INT64, 1, { 1 }, k, true, false },
	};
	struct ir_graph *g = op_graph_create("TopK", 11, in, 2, 2);

	(void)state;
	assert_non_null(g);
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "k 4 for a dimension of 3"));
	ir_graph_destroy(g);
}

static void test_topk_ties_keep_the_lower_index_first(void **state)
{
	static const int64_t k[1] = { 2 };
	static const float x[4] = { 1, 5, 5, 0 };
	static const int64_t want[2] = { 1, 2 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 1, { 4 }, x, false, false },
		{ IR_DTYPE_INT64, 1, { 1 }, k, true, false },
	};
	struct ir_graph *g = op_graph_create("TopK", 11, in, 2, 2);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), 0);
	assert_memory_equal(op_graph_output(g, &v, 1), want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_topk_values_only_node_runs(void **state)
{
	static const int64_t k[1] = { 2 };
	static const float x[4] = { 1, 5, 7, 0 }, want[2] = { 0, 1 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 1, { 4 }, x, false, false },
		{ IR_DTYPE_INT64, 1, { 1 }, k, true, false },
	};
	struct ir_graph *g = op_graph_create("TopK", 11, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_int(g, "largest", 0));
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), 0);
	assert_memory_equal(op_graph_output(g, &v, 0), want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_topk_k_is_an_attribute_before_opset_10(void **state)
{
	static const float x[4] = { 1, 5, 7, 0 }, want[2] = { 7, 5 };
	struct op_graph_input in[] = { { IR_DTYPE_FLOAT, 1, { 4 }, x, false, false } };
	struct ir_graph *g = op_graph_create("TopK", 9, in, 1, 2);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_int(g, "k", 2));
	assert_int_equal(op_graph_run(g, in, 1, &v, err, sizeof(err)), 0);
	assert_memory_equal(op_graph_output(g, &v, 0), want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_compress_condition_not_constant_is_eopnotsupp(void **state)
{
	static const uint8_t cond[2] = { 1, 0 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_BOOL, 1, { 2 }, cond, false, false },
	};
	struct ir_graph *g = op_graph_create("Compress", 11, in, 2, 1);

	(void)state;
	assert_non_null(g);
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "node 'n0' (Compress): condition is not a constant"));
	ir_graph_destroy(g);
}

static void test_compress_constant_condition_selects_rows(void **state)
{
	static const uint8_t cond[2] = { 0, 1 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_BOOL, 1, { 2 }, cond, true, false },
	};
	struct ir_graph *g = op_graph_create("Compress", 11, in, 2, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_int(g, "axis", 0));
	assert_int_equal(op_graph_run(g, in, 2, &v, err, sizeof(err)), 0);
	assert_int_equal(g->tensors[g->outputs[0]]->dims[0], 1);
	assert_memory_equal(op_graph_output(g, &v, 0), x23 + 3, 3 * sizeof(float));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_compress_condition_longer_than_the_axis_is_einval(void **state)
{
	static const uint8_t cond[3] = { 0, 1, 1 };
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_BOOL, 1, { 3 }, cond, true, false },
	};
	struct ir_graph *g = op_graph_create("Compress", 11, in, 2, 1);

	(void)state;
	assert_non_null(g);
	assert_true(op_graph_attr_int(g, "axis", 0));
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "condition of 3 for 2 slices"));
	ir_graph_destroy(g);
}

static void test_nonzero_not_constant_is_eopnotsupp(void **state)
{
	struct op_graph_input in[] = { { IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false } };
	struct ir_graph *g = op_graph_create("NonZero", 13, in, 1, 1);

	(void)state;
	assert_non_null(g);
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "node 'n0' (NonZero): input is not a constant"));
	ir_graph_destroy(g);
}

static void test_nonzero_of_a_constant_lists_the_coordinates(void **state)
{
	static const int32_t x[4] = { 0, 7, 3, 0 };
	static const int64_t want[4] = { 0, 1, 1, 0 };
	struct op_graph_input in[] = { { IR_DTYPE_INT32, 2, { 2, 2 }, x, true, false } };
	struct ir_graph *g = op_graph_create("NonZero", 13, in, 1, 1);
	struct host_values v = { 0 };

	(void)state;
	assert_non_null(g);
	assert_int_equal(op_graph_run(g, in, 1, &v, err, sizeof(err)), 0);
	assert_int_equal(g->tensors[g->outputs[0]]->dims[1], 2);
	assert_memory_equal(op_graph_output(g, &v, 0), want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

/* Einsum of @eq over x23 (and x23 again when @two): its output and shape in *@out_g. */
static int einsum_run(const char *eq, bool two, struct ir_graph **out_g, struct host_values *v)
{
	struct op_graph_input in[] = {
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
		{ IR_DTYPE_FLOAT, 2, { 2, 3 }, x23, false, false },
	};
	struct ir_graph *g = op_graph_create("Einsum", 12, in, two ? 2 : 1, 1);

	*out_g = g;
	if (!g || !op_graph_attr_string(g, "equation", eq))
		return -ENOMEM;
	return op_graph_run(g, in, two ? 2 : 1, v, err, sizeof(err));
}

static void test_einsum_implicit_output_sorts_the_free_labels(void **state)
{
	/* "ji" has no "->": the output is "ij", the input transposed. */
	static const float want[6] = { 1, 4, 2, 5, 3, 6 };
	struct host_values v = { 0 };
	struct ir_graph *g;

	(void)state;
	assert_int_equal(einsum_run("ji", false, &g, &v), 0);
	assert_memory_equal(op_graph_output(g, &v, 0), want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_einsum_contraction_over_a_shared_label(void **state)
{
	/* x @ x^T: [[14, 32], [32, 77]]. */
	static const float want[4] = { 14, 32, 32, 77 };
	struct host_values v = { 0 };
	struct ir_graph *g;

	(void)state;
	assert_int_equal(einsum_run("ik,jk->ij", true, &g, &v), 0);
	assert_memory_equal(op_graph_output(g, &v, 0), want, sizeof(want));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_einsum_label_of_two_sizes_is_einval(void **state)
{
	struct host_values v = { 0 };
	struct ir_graph *g;

	(void)state;
	assert_int_equal(einsum_run("ii->i", false, &g, &v), -EINVAL);
	assert_non_null(strstr(err, "label 'i' of sizes 2 and 3"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_einsum_term_count_must_match_the_inputs(void **state)
{
	struct host_values v = { 0 };
	struct ir_graph *g;

	(void)state;
	assert_int_equal(einsum_run("ij,jk->ik", false, &g, &v), -EINVAL);
	assert_non_null(strstr(err, "more terms than inputs"));
	host_values_free(&v);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gather_pytorch_converted_tests),
		cmocka_unit_test(test_gather_node_tests),
		cmocka_unit_test(test_gather_elements_node_tests),
		cmocka_unit_test(test_gathernd_node_tests),
		cmocka_unit_test(test_scatter_elements_node_tests),
		cmocka_unit_test(test_scatternd_node_tests),
		cmocka_unit_test(test_onehot_node_tests),
		cmocka_unit_test(test_cumsum_node_tests),
		cmocka_unit_test(test_top_k_node_tests),
		cmocka_unit_test(test_compress_node_tests),
		cmocka_unit_test(test_nonzero_node_tests),
		cmocka_unit_test(test_einsum_node_tests),
		cmocka_unit_test(test_scatter_node_tests),
		cmocka_unit_test(test_gather_index_out_of_range_is_einval_at_run_time),
		cmocka_unit_test(test_gather_negative_index_below_minus_dim_is_einval),
		cmocka_unit_test(test_gather_axis_out_of_range_is_einval_at_inference),
		cmocka_unit_test(test_gather_elements_index_out_of_range_is_einval_at_run_time),
		cmocka_unit_test(test_gathernd_index_out_of_range_is_einval_at_run_time),
		cmocka_unit_test(test_gathernd_tuple_longer_than_rank_is_einval_at_inference),
		cmocka_unit_test(test_scatter_elements_index_out_of_range_is_einval_at_run_time),
		cmocka_unit_test(test_scatter_elements_max_reduction_keeps_the_larger),
		cmocka_unit_test(test_scatter_unknown_reduction_is_einval_at_inference),
		cmocka_unit_test(test_scatternd_index_out_of_range_is_einval_at_run_time),
		cmocka_unit_test(test_onehot_index_out_of_range_gives_all_off),
		cmocka_unit_test(test_onehot_depth_differing_from_declared_is_einval),
		cmocka_unit_test(test_cumsum_axis_out_of_range_is_einval_at_run_time),
		cmocka_unit_test(test_topk_k_larger_than_the_axis_is_einval_at_inference),
		cmocka_unit_test(test_topk_ties_keep_the_lower_index_first),
		cmocka_unit_test(test_topk_values_only_node_runs),
		cmocka_unit_test(test_topk_k_is_an_attribute_before_opset_10),
		cmocka_unit_test(test_compress_condition_not_constant_is_eopnotsupp),
		cmocka_unit_test(test_compress_constant_condition_selects_rows),
		cmocka_unit_test(test_compress_condition_longer_than_the_axis_is_einval),
		cmocka_unit_test(test_nonzero_not_constant_is_eopnotsupp),
		cmocka_unit_test(test_nonzero_of_a_constant_lists_the_coordinates),
		cmocka_unit_test(test_einsum_implicit_output_sorts_the_free_labels),
		cmocka_unit_test(test_einsum_contraction_over_a_shared_label),
		cmocka_unit_test(test_einsum_label_of_two_sizes_is_einval),
		cmocka_unit_test(test_einsum_term_count_must_match_the_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
