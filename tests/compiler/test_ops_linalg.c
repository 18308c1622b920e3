// SPDX-License-Identifier: MIT
/*
 * The linear-algebra family's host kernels (compiler/ops/linalg.c): every node test of the ops
 * it claims (MatMul, Gemm) passes on the host interpreter, and the cases the test data leaves
 * out (broadcast batches, 1-D operands, integers, C broadcasting) on graphs built in code.
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
#include "compiler/onnx_import.h"
#include "compiler/onnx_tensor.h"
#include "compiler/shape_infer.h"
#include "compiler/tensor_compare.h"
#include "tests/compiler/testdata_host.h"

static void test_node_tests_pass_on_the_host(void **state)
{
	static const char *const names[] = {
		"test_matmul_2d", "test_matmul_3d", "test_matmul_4d",
		"test_gemm_all_attributes", "test_gemm_alpha", "test_gemm_beta",
		"test_gemm_default_matrix_bias", "test_gemm_default_no_bias",
		"test_gemm_default_scalar_bias", "test_gemm_default_single_elem_vector_bias",
		"test_gemm_default_vector_bias", "test_gemm_default_zero_bias",
		"test_gemm_transposeA", "test_gemm_transposeB", NULL,
	};

	(void)state;
	assert_int_equal(testdata_host_check_list("node", names), 0);
}

/* A graph input of @dt and shape @dims (@rank of them); its tensor index. */
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

/* Node @op of inputs @in (@n_in) and one output "y", inferred; y's index. */
static int add_node(struct ir_graph *g, const char *op, const int *in, size_t n_in)
{
	struct ir_node *n = ir_graph_add_node(g, "", op, "");
	int y = ir_graph_add_tensor(g, "y");

	assert_non_null(n);
	assert_true(y >= 0);
	for (size_t i = 0; i < n_in; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, y), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	return y;
}

/* Run @g's one node on the host with input values @vals; the output's buffer in @v. */
static void run(struct ir_graph *g, const void *const *vals, struct host_values *v)
{
	char err[256] = "";

	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(g, v), 0);
	for (size_t i = 0; i < g->n_inputs; i++)
		v->ptr[g->inputs[i]] = (void *)vals[i];
	assert_int_equal(host_exec_graph(g, v, err, sizeof(err)), 0);
}

static void test_matmul_broadcasts_batches(void **state)
{
	/* A [2, 1, 2] (two batches), B [2, 1] (one): y [2, 1, 1]. */
	static const float a[4] = { 1, 2, 3, 4 }, b[2] = { 10, 100 };
	const int64_t ad[3] = { 2, 1, 2 }, bd[2] = { 2, 1 };
	const void *vals[2] = { a, b };
	struct ir_graph *g = ir_graph_create();
	struct host_values v;
	int in[2], y;

	(void)state;
	in[0] = add_input(g, "a", IR_DTYPE_FLOAT, 3, ad);
	in[1] = add_input(g, "b", IR_DTYPE_FLOAT, 2, bd);
	y = add_node(g, "MatMul", in, 2);
	run(g, vals, &v);
	assert_int_equal(g->tensors[y]->rank, 3);
	assert_float_equal(((float *)v.ptr[y])[0], 210, 0);
	assert_float_equal(((float *)v.ptr[y])[1], 430, 0);
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_matmul_of_1d_operands_drops_their_dimension(void **state)
{
	/* [3] x [3, 2] is [2]. */
	static const double a[3] = { 1, 2, 3 }, b[6] = { 1, 0, 0, 1, 1, 1 };
	const int64_t ad[1] = { 3 }, bd[2] = { 3, 2 };
	const void *vals[2] = { a, b };
	struct ir_graph *g = ir_graph_create();
	struct host_values v;
	int in[2], y;

	(void)state;
	in[0] = add_input(g, "a", IR_DTYPE_DOUBLE, 1, ad);
	in[1] = add_input(g, "b", IR_DTYPE_DOUBLE, 2, bd);
	y = add_node(g, "MatMul", in, 2);
	run(g, vals, &v);
	assert_int_equal(g->tensors[y]->rank, 1);
	assert_int_equal(g->tensors[y]->dims[0], 2);
	assert_float_equal(((double *)v.ptr[y])[0], 4, 0);
	assert_float_equal(((double *)v.ptr[y])[1], 5, 0);
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_matmul_of_int64_is_exact(void **state)
{
	/* Beyond a double's 53 bits: 2^60 + 1 times 1, plus 3 times 2. */
	static const int64_t a[2] = { (1LL << 60) + 1, 3 }, b[2] = { 1, 2 };
	const int64_t ad[2] = { 1, 2 }, bd[2] = { 2, 1 };
	const void *vals[2] = { a, b };
	struct ir_graph *g = ir_graph_create();
	struct host_values v;
	int in[2], y;

	(void)state;
	in[0] = add_input(g, "a", IR_DTYPE_INT64, 2, ad);
	in[1] = add_input(g, "b", IR_DTYPE_INT64, 2, bd);
	y = add_node(g, "MatMul", in, 2);
	run(g, vals, &v);
	assert_int_equal(((int64_t *)v.ptr[y])[0], (1LL << 60) + 7);
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_gemm_broadcasts_a_column_c(void **state)
{
	/* transB, alpha 2, beta 3, C [2, 1]: y = 2 * A B' + 3 * C, C repeated along N. */
	static const float a[4] = { 1, 0, 0, 1 }, b[4] = { 1, 2, 3, 4 }, cc[2] = { 1, -1 };
	const int64_t d2[2] = { 2, 2 }, cd[2] = { 2, 1 };
	const void *vals[3] = { a, b, cc };
	struct ir_graph *g = ir_graph_create();
	struct host_values v;
	struct ir_attr *at;
	int in[3], y;

	(void)state;
	in[0] = add_input(g, "a", IR_DTYPE_FLOAT, 2, d2);
	in[1] = add_input(g, "b", IR_DTYPE_FLOAT, 2, d2);
	in[2] = add_input(g, "c", IR_DTYPE_FLOAT, 2, cd);
	y = add_node(g, "Gemm", in, 3);
	at = ir_node_add_attr(g->nodes[0], "transB", IR_ATTR_INT);
	at->i = 1;
	at = ir_node_add_attr(g->nodes[0], "alpha", IR_ATTR_FLOAT);
	at->f = 2;
	at = ir_node_add_attr(g->nodes[0], "beta", IR_ATTR_FLOAT);
	at->f = 3;
	run(g, vals, &v);
	/* A is the identity, so A B' = B' = [[1, 3], [2, 4]]. */
	assert_float_equal(((float *)v.ptr[y])[0], 2 + 3, 0);
	assert_float_equal(((float *)v.ptr[y])[1], 6 + 3, 0);
	assert_float_equal(((float *)v.ptr[y])[2], 4 - 3, 0);
	assert_float_equal(((float *)v.ptr[y])[3], 8 - 3, 0);
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_matmul_float16_rounds_to_nearest(void **state)
{
	/* 1 x 1.5 + 1 x 0.5 = 2 in binary16: 0x3c00 (1), 0x3e00 (1.5), 0x3800 (0.5), 0x4000 (2). */
	static const uint16_t a[2] = { 0x3c00, 0x3c00 }, b[2] = { 0x3e00, 0x3800 };
	const int64_t ad[2] = { 1, 2 }, bd[2] = { 2, 1 };
	const void *vals[2] = { a, b };
	struct ir_graph *g = ir_graph_create();
	struct host_values v;
	int in[2], y;

	(void)state;
	in[0] = add_input(g, "a", IR_DTYPE_FLOAT16, 2, ad);
	in[1] = add_input(g, "b", IR_DTYPE_FLOAT16, 2, bd);
	y = add_node(g, "MatMul", in, 2);
	run(g, vals, &v);
	assert_int_equal(((uint16_t *)v.ptr[y])[0], 0x4000);
	host_values_free(&v);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_tests_pass_on_the_host),
		cmocka_unit_test(test_matmul_broadcasts_batches),
		cmocka_unit_test(test_matmul_of_1d_operands_drops_their_dimension),
		cmocka_unit_test(test_matmul_of_int64_is_exact),
		cmocka_unit_test(test_gemm_broadcasts_a_column_c),
		cmocka_unit_test(test_matmul_float16_rounds_to_nearest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
