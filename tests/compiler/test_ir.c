// SPDX-License-Identifier: MIT
/* The graph IR's containers (compiler/ir.h). One behaviour per test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "compiler/ir.h"

static void test_tensor_names_are_unique(void **state)
{
	struct ir_graph *g = ir_graph_create();

	(void)state;
	assert_non_null(g);
	assert_int_equal(ir_graph_add_tensor(g, "x"), 0);
	assert_int_equal(ir_graph_add_tensor(g, "y"), 1);
	assert_int_equal(ir_graph_add_tensor(g, "x"), -EEXIST);
	assert_int_equal(ir_graph_find_tensor(g, "y"), 1);
	assert_int_equal(ir_graph_find_tensor(g, "z"), -ENOENT);
	/* A new tensor's shape is unknown until inferred. */
	assert_int_equal(g->tensors[0]->rank, -1);
	ir_graph_destroy(g);
}

static void test_numel_of_unknown_and_overflowing_shapes(void **state)
{
	struct ir_tensor t = { .rank = -1 };

	(void)state;
	assert_int_equal(ir_tensor_numel(&t), -EINVAL);
	t.rank = 0;
	assert_int_equal(ir_tensor_numel(&t), 1);	/* a scalar */
	t.rank = 3;
	t.dims[0] = 2;
	t.dims[1] = 0;
	t.dims[2] = INT64_MAX;
	assert_int_equal(ir_tensor_numel(&t), 0);
	t.dims[1] = 3;
	assert_int_equal(ir_tensor_numel(&t), -EOVERFLOW);
}

static void test_node_attributes_are_found_by_name(void **state)
{
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	struct ir_attr *a;

	(void)state;
	assert_non_null(g);
	n = ir_graph_add_node(g, NULL, "Conv", NULL);
	assert_non_null(n);
	assert_string_equal(n->name, "");
	assert_string_equal(n->domain, "");
	a = ir_node_add_attr(n, "group", IR_ATTR_INT);
	assert_non_null(a);
	a->i = 2;
	assert_non_null(ir_node_add_attr(n, "auto_pad", IR_ATTR_STRING));
	assert_int_equal(ir_node_find_attr(n, "group")->i, 2);
	assert_int_equal(ir_node_find_attr(n, "auto_pad")->type, IR_ATTR_STRING);
	assert_null(ir_node_find_attr(n, "strides"));
	assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, -1), 0);
	assert_int_equal(n->n_inputs, 1);
	ir_graph_destroy(g);
}

static void test_dtype_sizes_follow_onnx(void **state)
{
	(void)state;
	assert_int_equal(ir_dtype_size(IR_DTYPE_FLOAT), 4);
	assert_int_equal(ir_dtype_size(IR_DTYPE_FLOAT16), 2);
	assert_int_equal(ir_dtype_size(IR_DTYPE_BFLOAT16), 2);
	assert_int_equal(ir_dtype_size(IR_DTYPE_INT64), 8);
	assert_int_equal(ir_dtype_size(IR_DTYPE_BOOL), 1);
	assert_int_equal(ir_dtype_size((enum ir_dtype)8 /* ONNX string */), 0);
	assert_string_equal(ir_dtype_name(IR_DTYPE_BFLOAT16), "bfloat16");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tensor_names_are_unique),
		cmocka_unit_test(test_numel_of_unknown_and_overflowing_shapes),
		cmocka_unit_test(test_node_attributes_are_found_by_name),
		cmocka_unit_test(test_dtype_sizes_follow_onnx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
