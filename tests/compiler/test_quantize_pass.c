// SPDX-License-Identifier: MIT
/*
 * The post-training quantization pass (compiler/passes/quantize.c) on a small CNN built in
 * code: x -> Conv(+Relu) -> MaxPool -> Flatten -> Gemm -> Neg -> y (Neg: a float op that no
 * pass fuses). Calibration records
 * ranges, the rewrite gives the documented QDQ/QLinear form, and the int8 graph computes
 * close to the float one.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/host_exec.h"
#include "compiler/ops/quant.h"
#include "compiler/passes/pass_util.h"
#include "compiler/passes/passes.h"
#include "compiler/passes/quantize.h"
#include "compiler/shape_infer.h"

#define X_NUMEL (1 * 2 * 6 * 6)
#define N_CALIB 8

static uint32_t lcg_state;

/* A deterministic value in [-1, 1). */
static float lcg(void)
{
	lcg_state = lcg_state * 1664525u + 1013904223u;
	return (float)(lcg_state >> 8) / (float)(1u << 23) - 1.0f;
}

static int add_const(struct ir_graph *g, const char *name, int rank, const int64_t *dims)
{
	int64_t n = 1;
	float *data;
	int t;

	for (int d = 0; d < rank; d++)
		n *= dims[d];
	data = malloc((size_t)n * sizeof(float));
	assert_non_null(data);
	for (int64_t i = 0; i < n; i++)
		data[i] = 0.5f * lcg();
	t = pass_add_constant(g, name, IR_DTYPE_FLOAT, rank, dims, data, (size_t)n * sizeof(float));
	assert_true(t >= 0);
	return t;
}

static struct ir_node *add_node(struct ir_graph *g, const char *op, const int *in, size_t n_in,
				const char *out)
{
	struct ir_node *n = ir_graph_add_node(g, out, op, "");
	int y = ir_graph_add_tensor(g, out);

	assert_non_null(n);
	assert_true(y >= 0);
	for (size_t i = 0; i < n_in; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, y), 0);
	return n;
}

static void set_ints(struct ir_node *n, const char *name, const int64_t *v, size_t len)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_INTS);

	a->ints = malloc(len * sizeof(int64_t));
	memcpy(a->ints, v, len * sizeof(int64_t));
	a->len = len;
}

/* The test CNN, inferred and through the graph passes (Relu fused into the Conv). */
static struct ir_graph *make_cnn(void)
{
	const int64_t xd[] = { 1, 2, 6, 6 }, wd[] = { 3, 2, 3, 3 }, bd[] = { 3 };
	const int64_t gd[] = { 4, 27 }, cd[] = { 4 }, pads[] = { 1, 1, 1, 1 }, k2[] = { 2, 2 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	char err[256];
	int x, in[3];

	lcg_state = 7;
	x = ir_graph_add_tensor(g, "x");
	g->tensors[x]->dtype = IR_DTYPE_FLOAT;
	g->tensors[x]->rank = 4;
	memcpy(g->tensors[x]->dims, xd, sizeof(xd));
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	in[0] = x;
	in[1] = add_const(g, "W", 4, wd);
	in[2] = add_const(g, "B", 1, bd);
	n = add_node(g, "Conv", in, 3, "conv");
	set_ints(n, "pads", pads, 4);
	in[0] = ir_graph_find_tensor(g, "conv");
	add_node(g, "Relu", in, 1, "relu");
	in[0] = ir_graph_find_tensor(g, "relu");
	n = add_node(g, "MaxPool", in, 1, "pool");
	set_ints(n, "kernel_shape", k2, 2);
	set_ints(n, "strides", k2, 2);
	in[0] = ir_graph_find_tensor(g, "pool");
	add_node(g, "Flatten", in, 1, "flat");
	in[0] = ir_graph_find_tensor(g, "flat");
	in[1] = add_const(g, "G", 2, gd);
	in[2] = add_const(g, "C", 1, cd);
	n = add_node(g, "Gemm", in, 3, "fc");
	ir_node_add_attr(n, "transB", IR_ATTR_INT)->i = 1;
	in[0] = ir_graph_find_tensor(g, "fc");
	add_node(g, "Neg", in, 1, "y");
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, ir_graph_find_tensor(g, "y")), 0);
	if (ir_infer_shapes(g, err, sizeof(err)) || ir_passes_run(g, NULL, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	return g;
}

static void make_input(float *x, unsigned int seed)
{
	lcg_state = seed;
	for (size_t i = 0; i < X_NUMEL; i++)
		x[i] = 2.0f * lcg();
}

/* @g calibrated on N_CALIB inputs. */
static void calibrate(struct ir_graph *g, struct quant_calibration *cal)
{
	float x[X_NUMEL];
	char err[256];

	assert_int_equal(quant_calibration_init(g, cal), 0);
	for (unsigned int s = 0; s < N_CALIB; s++) {
		void *in[1] = { x };

		make_input(x, 100 + s);
		if (quant_calibrate(g, cal, in, err, sizeof(err)))
			fail_msg("%s", err);
	}
}

static struct ir_graph *make_quantized(struct quantize_report *r)
{
	struct ir_graph *g = make_cnn();
	struct quant_calibration cal;
	char err[256];

	calibrate(g, &cal);
	if (ir_pass_quantize(g, &cal, r, err, sizeof(err)))
		fail_msg("%s", err);
	quant_calibration_free(&cal);
	return g;
}

/* Run @g on @x: a copy of its 4 outputs in @y. */
static void run(struct ir_graph *g, float *x, float *y)
{
	struct host_values v = { 0 };
	char err[256];

	assert_int_equal(host_values_create(g, &v), 0);
	v.ptr[g->inputs[0]] = x;
	if (host_exec_graph(g, &v, err, sizeof(err)))
		fail_msg("%s", err);
	memcpy(y, v.ptr[g->outputs[0]], 4 * sizeof(float));
	host_values_free(&v);
}

static void test_calibration_records_each_values_range(void **state)
{
	struct ir_graph *g = make_cnn();
	struct quant_calibration cal;
	int x = ir_graph_find_tensor(g, "x"), w = ir_graph_find_tensor(g, "W");
	int relu = ir_graph_find_tensor(g, "relu");
	float lo = INFINITY, hi = -INFINITY, in[X_NUMEL];

	(void)state;
	calibrate(g, &cal);
	for (unsigned int s = 0; s < N_CALIB; s++) {
		make_input(in, 100 + s);
		for (size_t i = 0; i < X_NUMEL; i++) {
			lo = fminf(lo, in[i]);
			hi = fmaxf(hi, in[i]);
		}
	}
	assert_int_equal(cal.runs, N_CALIB);
	assert_true(cal.seen[x] && cal.min[x] == lo && cal.max[x] == hi);
	assert_false(cal.seen[w]);
	/* The Conv with its fused Relu writes "relu": never negative. */
	assert_true(cal.seen[relu] && cal.min[relu] >= 0.0f);
	quant_calibration_free(&cal);
	ir_graph_destroy(g);
}

static void test_rewrite_gives_the_documented_node_sequence(void **state)
{
	static const char *const want[] = { "QuantizeLinear", "QLinearConv", "MaxPool", "Flatten",
					    "QLinearMatMul", "DequantizeLinear", "Neg" };
	struct quantize_report r;
	struct ir_graph *g = make_quantized(&r);

	(void)state;
	assert_int_equal(g->n_nodes, 7);
	for (size_t i = 0; i < g->n_nodes; i++)
		assert_string_equal(g->nodes[i]->op_type, want[i]);
	assert_int_equal(r.quantized, 2);
	assert_int_equal(r.passthrough, 2);
	assert_int_equal(r.quantize_nodes, 1);
	assert_int_equal(r.dequantize_nodes, 1);
	assert_int_equal(r.float_nodes, 1);
	/* MaxPool and Flatten run on int8. */
	assert_int_equal(g->tensors[g->nodes[2]->outputs[0]]->dtype, IR_DTYPE_INT8);
	assert_int_equal(g->tensors[g->nodes[3]->outputs[0]]->dtype, IR_DTYPE_INT8);
	ir_graph_destroy(g);
}

static void test_quantized_layers_ask_for_the_devices_requantization(void **state)
{
	struct quantize_report r;
	struct ir_graph *g = make_quantized(&r);
	const struct ir_attr *a;

	(void)state;
	for (size_t i = 1; i <= 4; i += 3) {
		a = ir_node_find_attr(g->nodes[i], IR_ATTR_QUANT_REQUANT);
		assert_non_null(a);
		assert_string_equal(a->s, IR_QUANT_REQUANT_FIXED_POINT);
	}
	/* The Conv keeps its fused Relu, now an output clamp. */
	assert_int_equal(ir_node_fused_activation(g->nodes[1]), IR_ACTIVATION_RELU);
	ir_graph_destroy(g);
}

static void test_weights_become_per_channel_int8_and_bias_int32(void **state)
{
	struct quantize_report r;
	struct ir_graph *g = make_quantized(&r);
	const struct ir_node *conv = g->nodes[1], *fc = g->nodes[4];
	const struct ir_tensor *w = g->tensors[conv->inputs[3]], *ws = g->tensors[conv->inputs[4]];
	const struct ir_tensor *b = g->tensors[conv->inputs[8]], *fw = g->tensors[fc->inputs[3]];
	const struct ir_tensor *fb = ir_node_fused_bias(fc);

	(void)state;
	assert_int_equal(w->dtype, IR_DTYPE_INT8);
	assert_int_equal(ws->rank, 1);
	assert_int_equal(ws->dims[0], 3);
	assert_int_equal(b->dtype, IR_DTYPE_INT32);
	/* Gemm's transposed weight [4][27] becomes QLinearMatMul's B [27][4]. */
	assert_int_equal(fw->dims[0], 27);
	assert_int_equal(fw->dims[1], 4);
	assert_non_null(fb);
	assert_int_equal(fb->dtype, IR_DTYPE_INT32);
	assert_int_equal(fb->dims[0], 4);
	/* The float weights and biases are gone. */
	assert_int_equal(ir_graph_find_tensor(g, "W"), -ENOENT);
	assert_int_equal(ir_graph_find_tensor(g, "B"), -ENOENT);
	assert_int_equal(ir_graph_find_tensor(g, "G"), -ENOENT);
	assert_int_equal(ir_graph_find_tensor(g, "C"), -ENOENT);
	ir_graph_destroy(g);
}

static void test_int8_graph_computes_close_to_the_float_one(void **state)
{
	struct ir_graph *f = make_cnn(), *q;
	struct quantize_report r;
	float x[X_NUMEL], yf[4], yq[4];

	(void)state;
	q = make_quantized(&r);
	for (unsigned int s = 0; s < 4; s++) {
		make_input(x, 100 + s);
		run(f, x, yf);
		run(q, x, yq);
		/* A few LSBs of the Gemm's output (its range / 255) at most. */
		for (int i = 0; i < 4; i++)
			assert_true(fabsf(yf[i] - yq[i]) < 0.05f);
	}
	ir_graph_destroy(f);
	ir_graph_destroy(q);
}

static void test_quantize_refuses_a_calibration_without_runs(void **state)
{
	struct ir_graph *g = make_cnn();
	struct quant_calibration cal;
	char err[256];

	(void)state;
	assert_int_equal(quant_calibration_init(g, &cal), 0);
	assert_int_equal(ir_pass_quantize(g, &cal, NULL, err, sizeof(err)), -EINVAL);
	quant_calibration_free(&cal);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calibration_records_each_values_range),
		cmocka_unit_test(test_rewrite_gives_the_documented_node_sequence),
		cmocka_unit_test(test_quantized_layers_ask_for_the_devices_requantization),
		cmocka_unit_test(test_weights_become_per_channel_int8_and_bias_int32),
		cmocka_unit_test(test_int8_graph_computes_close_to_the_float_one),
		cmocka_unit_test(test_quantize_refuses_a_calibration_without_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
