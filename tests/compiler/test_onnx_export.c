// SPDX-License-Identifier: MIT
/*
 * The IR back into ONNX (compiler/onnx_export.h): a graph exported and read back is the same
 * graph. One behaviour per test; the models are libonnx-testdata's (skipped when absent).
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

#include "compiler/onnx_export.h"
#include "compiler/onnx_import.h"

static bool have_testdata(void)
{
	return access(ONNX_TESTDATA_DIR "/node/test_conv_with_strides_padding/model.onnx", R_OK) == 0;
}

static struct ir_graph *import_test(const char *kind, const char *name)
{
	char path[512], err[512];
	struct ir_graph *g = NULL;

	snprintf(path, sizeof(path), "%s/%s/%s/model.onnx", ONNX_TESTDATA_DIR, kind, name);
	if (onnx_import_file(path, NULL, &g, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	return g;
}

static struct ir_graph *round_trip(const struct ir_graph *g)
{
	struct ir_graph *back = NULL;
	char err[512];
	size_t len;
	void *buf;

	assert_int_equal(onnx_export_buffer(g, &buf, &len), 0);
	if (onnx_import_buffer(buf, len, NULL, NULL, &back, err, sizeof(err)))
		fail_msg("re-import: %s", err);
	free(buf);
	return back;
}

static void assert_same_tensor(const struct ir_tensor *a, const struct ir_tensor *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->dtype, b->dtype);
	assert_int_equal(a->rank, b->rank);
	assert_memory_equal(a->dims, b->dims, sizeof(a->dims[0]) * (a->rank > 0 ? a->rank : 0));
	assert_int_equal(a->data != NULL, b->data != NULL);
	if (a->data) {
		assert_int_equal(a->data_size, b->data_size);
		assert_memory_equal(a->data, b->data, a->data_size);
	}
}

static void test_conv_graph_round_trips_with_attributes_and_weights(void **state)
{
	struct ir_graph *g, *back;

	(void)state;
	if (!have_testdata())
		skip();
	g = import_test("node", "test_conv_with_strides_padding");
	back = round_trip(g);
	assert_int_equal(back->n_nodes, g->n_nodes);
	assert_int_equal(back->opset, g->opset);
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ir_node *a = g->nodes[i], *b = back->nodes[i];

		assert_string_equal(a->op_type, b->op_type);
		assert_int_equal(a->n_attrs, b->n_attrs);
		for (size_t k = 0; k < a->n_attrs; k++) {
			assert_string_equal(a->attrs[k].name, b->attrs[k].name);
			assert_int_equal(a->attrs[k].type, b->attrs[k].type);
			assert_int_equal(a->attrs[k].len, b->attrs[k].len);
			if (a->attrs[k].type == IR_ATTR_INTS)
				assert_memory_equal(a->attrs[k].ints, b->attrs[k].ints,
						    a->attrs[k].len * sizeof(int64_t));
		}
	}
	for (size_t i = 0; i < g->n_inputs; i++)
		assert_same_tensor(g->tensors[g->inputs[i]], back->tensors[back->inputs[i]]);
	for (size_t i = 0; i < g->n_outputs; i++)
		assert_same_tensor(g->tensors[g->outputs[i]], back->tensors[back->outputs[i]]);
	ir_graph_destroy(g);
	ir_graph_destroy(back);
}

/* x + W -> y, W a [2, 3] float initializer. */
static struct ir_graph *add_with_initializer(void)
{
	static const float w[6] = { 1, -2, 3.5f, 0, 1e-7f, -1e9f };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int x, wt, y;

	assert_non_null(g);
	g->opset = 13;
	x = ir_graph_add_tensor(g, "x");
	wt = ir_graph_add_tensor(g, "W");
	y = ir_graph_add_tensor(g, "y");
	for (int t = 0; t < 3; t++) {
		g->tensors[t]->dtype = IR_DTYPE_FLOAT;
		g->tensors[t]->rank = 2;
		g->tensors[t]->dims[0] = 2;
		g->tensors[t]->dims[1] = 3;
	}
	g->tensors[wt]->data = malloc(sizeof(w));
	assert_non_null(g->tensors[wt]->data);
	memcpy(g->tensors[wt]->data, w, sizeof(w));
	g->tensors[wt]->data_size = sizeof(w);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, wt), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	n = ir_graph_add_node(g, "add", "Add", NULL);
	assert_non_null(n);
	assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, wt), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, y), 0);
	return g;
}

static void test_initializers_keep_their_bytes(void **state)
{
	struct ir_graph *g = add_with_initializer(), *back;
	int w;

	(void)state;
	back = round_trip(g);
	assert_int_equal(back->n_initializers, 1);
	assert_int_equal(back->n_inputs, 1);
	w = ir_graph_find_tensor(back, "W");
	assert_true(w >= 0);
	assert_same_tensor(g->tensors[1], back->tensors[w]);
	assert_same_tensor(g->tensors[2], back->tensors[back->outputs[0]]);
	ir_graph_destroy(g);
	ir_graph_destroy(back);
}

static void test_folded_constant_node_becomes_an_initializer(void **state)
{
	struct ir_graph *g, *back;
	int out;

	(void)state;
	if (!have_testdata())
		skip();
	/* node/test_constant: one Constant node, whose output the reader computes. */
	g = import_test("node", "test_constant");
	back = round_trip(g);
	assert_int_equal(back->n_nodes, 0);
	out = back->outputs[0];
	assert_non_null(back->tensors[out]->data);
	assert_same_tensor(g->tensors[g->outputs[0]], back->tensors[out]);
	ir_graph_destroy(g);
	ir_graph_destroy(back);
}

static void test_every_attribute_type_round_trips(void **state)
{
	struct ir_graph *g = ir_graph_create(), *back;
	static const int64_t ints[] = { 3, -1, 7 };
	static const float floats[] = { 0.5f, -2.0f };
	struct ir_node *n;
	struct ir_attr *a;
	int x, y;

	(void)state;
	assert_non_null(g);
	g->opset = 13;
	x = ir_graph_add_tensor(g, "x");
	y = ir_graph_add_tensor(g, "y");
	g->tensors[x]->dtype = IR_DTYPE_FLOAT;
	g->tensors[x]->rank = 2;
	g->tensors[x]->dims[0] = 2;
	g->tensors[x]->dims[1] = 3;
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	n = ir_graph_add_node(g, "relu", "Relu", NULL);
	assert_non_null(n);
	assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, y), 0);
	/* Relu ignores these: the reader keeps attributes it does not read. */
	a = ir_node_add_attr(n, "i", IR_ATTR_INT);
	a->i = -42;
	a = ir_node_add_attr(n, "f", IR_ATTR_FLOAT);
	a->f = 1.25f;
	a = ir_node_add_attr(n, "s", IR_ATTR_STRING);
	a->s = strdup("Relu");
	a->len = 4;
	a = ir_node_add_attr(n, "ints", IR_ATTR_INTS);
	a->ints = malloc(sizeof(ints));
	memcpy(a->ints, ints, sizeof(ints));
	a->len = 3;
	a = ir_node_add_attr(n, "floats", IR_ATTR_FLOATS);
	a->floats = malloc(sizeof(floats));
	memcpy(a->floats, floats, sizeof(floats));
	a->len = 2;
	g->tensors[y]->dtype = IR_DTYPE_FLOAT;
	g->tensors[y]->rank = 2;
	g->tensors[y]->dims[0] = 2;
	g->tensors[y]->dims[1] = 3;
	back = round_trip(g);
	n = back->nodes[0];
	assert_int_equal(ir_node_find_attr(n, "i")->i, -42);
	assert_true(ir_node_find_attr(n, "f")->f == 1.25f);
	assert_string_equal(ir_node_find_attr(n, "s")->s, "Relu");
	assert_memory_equal(ir_node_find_attr(n, "ints")->ints, ints, sizeof(ints));
	assert_memory_equal(ir_node_find_attr(n, "floats")->floats, floats, sizeof(floats));
	ir_graph_destroy(g);
	ir_graph_destroy(back);
}

static void test_export_to_an_unwritable_path_is_the_files_errno(void **state)
{
	struct ir_graph *g;

	(void)state;
	if (!have_testdata())
		skip();
	g = import_test("node", "test_constant");
	assert_int_equal(onnx_export_file(g, "/nonexistent-dir/x.onnx"), -ENOENT);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_graph_round_trips_with_attributes_and_weights),
		cmocka_unit_test(test_initializers_keep_their_bytes),
		cmocka_unit_test(test_folded_constant_node_becomes_an_initializer),
		cmocka_unit_test(test_every_attribute_type_round_trips),
		cmocka_unit_test(test_export_to_an_unwritable_path_is_the_files_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
