// SPDX-License-Identifier: MIT
/*
 * QLinear models taken as given (compiler/passes/quantize_fixed_point.c): an int8 QLinearConv
 * with constant parameters and symmetric weights is marked for the device's fixed-point
 * requantization and then computes as the device does; asymmetric weights and uint8 models
 * keep ONNX's semantics.
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
#include "compiler/ops/quant.h"
#include "compiler/passes/pass_util.h"
#include "compiler/passes/quantize.h"
#include "compiler/quant_params.h"
#include "compiler/shape_infer.h"

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

static const int8_t x_data[16] = { 1, -5, 90, 127, -128, 3, 0, 44, -77, 12, 13, 14, 100, -3, 7, 8 };
static const float x_scale = 0.031f, y_scale = 0.07f;
static const int8_t x_zp = -3, y_zp = 4;
static const float w_scale[2] = { 0.011f, 0.0043f };
static const int8_t w_data[2 * 4] = { 100, -100, 3, 127, -127, 5, 60, -1 };	/* [2][1][2][2] */
static const int32_t bias[2] = { 77, -1000 };

/* x [1, 1, 4, 4] -> QLinearConv (2x2 kernel, 2 output channels, w zero points @w_zp) -> y. */
static struct ir_graph *make_qconv(int8_t w_zp)
{
	const int64_t xd[] = { 1, 1, 4, 4 }, wd[] = { 2, 1, 2, 2 }, two[] = { 2 };
	const int8_t wz[2] = { w_zp, w_zp };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n = ir_graph_add_node(g, "conv", "QLinearConv", "");
	int in[9], x = ir_graph_add_tensor(g, "x"), y = ir_graph_add_tensor(g, "y");
	char err[256];

	g->tensors[x]->dtype = IR_DTYPE_INT8;
	g->tensors[x]->rank = 4;
	memcpy(g->tensors[x]->dims, xd, sizeof(xd));
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	in[0] = x;
	in[1] = add_const(g, "xs", IR_DTYPE_FLOAT, 0, NULL, &x_scale, sizeof(x_scale));
	in[2] = add_const(g, "xz", IR_DTYPE_INT8, 0, NULL, &x_zp, 1);
	in[3] = add_const(g, "w", IR_DTYPE_INT8, 4, wd, w_data, sizeof(w_data));
	in[4] = add_const(g, "ws", IR_DTYPE_FLOAT, 1, two, w_scale, sizeof(w_scale));
	in[5] = add_const(g, "wz", IR_DTYPE_INT8, 1, two, wz, sizeof(wz));
	in[6] = add_const(g, "ys", IR_DTYPE_FLOAT, 0, NULL, &y_scale, sizeof(y_scale));
	in[7] = add_const(g, "yz", IR_DTYPE_INT8, 0, NULL, &y_zp, 1);
	in[8] = add_const(g, "b", IR_DTYPE_INT32, 1, two, bias, sizeof(bias));
	for (int i = 0; i < 9; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, y), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	if (ir_infer_shapes(g, err, sizeof(err)))
		fail_msg("%s", err);
	return g;
}

static void test_int8_qlinearconv_is_marked_and_computes_as_the_device(void **state)
{
	struct ir_graph *g = make_qconv(0);
	struct host_values v = { 0 };
	const int8_t *y;
	size_t marked;
	char err[256];

	(void)state;
	assert_int_equal(ir_pass_quant_fixed_point(g, &marked), 0);
	assert_int_equal(marked, 1);
	assert_non_null(ir_node_find_attr(g->nodes[0], IR_ATTR_QUANT_REQUANT));
	assert_int_equal(host_values_create(g, &v), 0);
	v.ptr[g->inputs[0]] = (void *)x_data;
	if (host_exec_graph(g, &v, err, sizeof(err)))
		fail_msg("%s", err);
	y = v.ptr[g->outputs[0]];
	for (int m = 0; m < 2; m++) {
		struct quant_multiplier q;

		assert_int_equal(quant_output_multiplier(x_scale, w_scale[m], y_scale, &q), 0);
		for (int oy = 0; oy < 3; oy++) {
			for (int ox = 0; ox < 3; ox++) {
				int32_t acc = bias[m], want;

				for (int ky = 0; ky < 2; ky++)
					for (int kx = 0; kx < 2; kx++)
						acc += (x_data[(oy + ky) * 4 + ox + kx] - x_zp) *
						       w_data[m * 4 + ky * 2 + kx];
				want = quant_requant(acc, q) + y_zp;
				want = want < -128 ? -128 : want > 127 ? 127 : want;
				assert_int_equal(y[m * 9 + oy * 3 + ox], want);
			}
		}
	}
	host_values_free(&v);
	ir_graph_destroy(g);
}

static void test_asymmetric_weights_keep_onnx_semantics(void **state)
{
	struct ir_graph *g = make_qconv(1);
	size_t marked;

	(void)state;
	assert_int_equal(ir_pass_quant_fixed_point(g, &marked), 0);
	assert_int_equal(marked, 0);
	assert_null(ir_node_find_attr(g->nodes[0], IR_ATTR_QUANT_REQUANT));
	ir_graph_destroy(g);
}

static void test_uint8_qlinearconv_model_keeps_onnx_semantics(void **state)
{
	const char *path = ONNX_TESTDATA_DIR "/node/test_qlinearconv/model.onnx";
	struct ir_graph *g = NULL;
	size_t marked;
	char err[256];

	(void)state;
	if (access(path, R_OK))
		skip();
	assert_int_equal(onnx_import_file(path, NULL, &g, err, sizeof(err)), 0);
	assert_int_equal(ir_pass_quant_fixed_point(g, &marked), 0);
	assert_int_equal(marked, 0);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int8_qlinearconv_is_marked_and_computes_as_the_device),
		cmocka_unit_test(test_asymmetric_weights_keep_onnx_semantics),
		cmocka_unit_test(test_uint8_qlinearconv_model_keeps_onnx_semantics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
