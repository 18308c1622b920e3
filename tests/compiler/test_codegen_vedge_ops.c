// SPDX-License-Identifier: MIT
/*
 * The vedge code generator's operations without weights (compiler/codegen_vedge.h): AVGPOOL
 * (AveragePool, GlobalAveragePool), ADD and MUL (equal shapes, per channel, scalar, a
 * constant operand) and LUT (unary activations through a 256-entry table), on small float
 * graphs quantized with QUANTIZE_F_DEVICE_OPS, run on vedge devices of the embedded core with
 * and without DMA, and compared bit for bit with the host's run of the same int8 graph (the
 * QLinear reference ops of compiler/ops/quant_elementwise.c in fixed point, the
 * DequantizeLinear / op / QuantizeLinear chain of an activation); a residual network end to end.
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
#include <unistd.h>

#include <cmocka.h>

#include <libaccel.h>

#include "compiler/codegen_vedge.h"
#include "compiler/host_exec.h"
#include "compiler/passes/pass_util.h"
#include "compiler/passes/passes.h"
#include "compiler/passes/quantize.h"
#include "compiler/shape_infer.h"
#include "helpers.h"
#include "runtime/model/model_vedge.h"

/* vedge.0 DMA and vedge.1 DMA-less as the defaults; vedge.2 DMA-less with 16 KiB of SRAM. */
#define CONFIG \
	"[vedge.0]\ndriver = vedge\nhas_dma = 1\n" \
	"\n[vedge.1]\ndriver = vedge\nhas_dma = 0\n" \
	"\n[vedge.2]\ndriver = vedge\nhas_dma = 0\nsram_size = 16384\n"
#define N_CALIB 6

static char node[3][64];

static uint32_t lcg_state;

static float lcg(void)
{
	lcg_state = lcg_state * 1664525u + 1013904223u;
	return (float)(lcg_state >> 8) / (float)(1u << 23) - 1.0f;
}

static int add_const(struct ir_graph *g, const char *name, int rank, const int64_t *dims,
		     float amp)
{
	int64_t n = 1;
	float *data;
	int t;

	for (int d = 0; d < rank; d++)
		n *= dims[d];
	data = malloc((size_t)n * sizeof(float));
	assert_non_null(data);
	for (int64_t i = 0; i < n; i++)
		data[i] = amp * lcg();
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

static int graph_input(struct ir_graph *g, int rank, const int64_t *dims)
{
	int x = ir_graph_add_tensor(g, "x");

	g->tensors[x]->dtype = IR_DTYPE_FLOAT;
	g->tensors[x]->rank = rank;
	memcpy(g->tensors[x]->dims, dims, (size_t)rank * sizeof(*dims));
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	return x;
}

static void graph_output(struct ir_graph *g, const char *name)
{
	char err[256];

	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, ir_graph_find_tensor(g, name)),
			 0);
	if (ir_infer_shapes(g, err, sizeof(err)) || ir_passes_run(g, NULL, NULL, err, sizeof(err)))
		fail_msg("%s", err);
}

static size_t numel(const struct ir_graph *g, int t)
{
	return (size_t)ir_tensor_numel(g->tensors[t]);
}

static void make_input(float *x, size_t n, unsigned int seed)
{
	lcg_state = seed;
	for (size_t i = 0; i < n; i++)
		x[i] = 2.0f * lcg();
}

/* @g (float) calibrated on N_CALIB random inputs and quantized in place. */
static void quantize(struct ir_graph *g)
{
	size_t n = numel(g, g->inputs[0]);
	float *x = malloc(n * sizeof(float));
	struct quant_calibration cal;
	struct quantize_report r;
	char err[256];

	assert_non_null(x);
	assert_int_equal(quant_calibration_init(g, &cal), 0);
	for (unsigned int s = 0; s < N_CALIB; s++) {
		void *in[1] = { x };

		make_input(x, n, 100 + s);
		if (quant_calibrate(g, &cal, in, err, sizeof(err)))
			fail_msg("%s", err);
	}
	if (ir_pass_quantize_flags(g, &cal, QUANTIZE_F_DEVICE_OPS, &r, err, sizeof(err)))
		fail_msg("%s", err);
	quant_calibration_free(&cal);
	free(x);
}

/* The host's fixed-point output of int8 graph @g for one image @x into @y. */
static void host_run(struct ir_graph *g, float *x, float *y)
{
	struct host_values v = { 0 };
	char err[256];

	assert_int_equal(host_values_create(g, &v), 0);
	v.ptr[g->inputs[0]] = x;
	if (host_exec_graph(g, &v, err, sizeof(err)))
		fail_msg("%s", err);
	memcpy(y, v.ptr[g->outputs[0]], numel(g, g->outputs[0]) * sizeof(float));
	host_values_free(&v);
}

/*
 * Run int8 graph @g on device @dev for @batch random images and compare with the host bit
 * for bit; the program's mode and tile count for the caller.
 */
static void check_exact(struct ir_graph *g, int dev, int64_t batch, bool force_layers,
			const char *want_mode, bool want_tiles)
{
	struct vedge_model_options o = { .batch = batch, .force_layers = force_layers };
	size_t ni = numel(g, g->inputs[0]), no = numel(g, g->outputs[0]);
	float *x = malloc((size_t)batch * ni * sizeof(float));
	float *dev_y = calloc((size_t)batch * no, sizeof(float));
	float *host_y = calloc((size_t)batch * no, sizeof(float));
	const struct vedge_program *p;
	struct vedge_model *m;
	char err[256];

	assert_non_null(x);
	assert_non_null(dev_y);
	assert_non_null(host_y);
	make_input(x, (size_t)batch * ni, 555);
	for (int64_t b = 0; b < batch; b++)
		host_run(g, x + (size_t)b * ni, host_y + (size_t)b * no);
	if (vedge_model_load(node[dev], g, &o, &m, err, sizeof(err)))
		fail_msg("%s", err);
	p = vedge_model_program(m);
	if (want_mode)
		assert_string_equal(p->mode, want_mode);
	assert_int_equal(p->tiles > 0, want_tiles);
	assert_int_equal(vedge_model_run(m, x, dev_y), 0);
	assert_memory_equal(dev_y, host_y, (size_t)batch * no * sizeof(float));
	vedge_model_free(m);
	free(x);
	free(dev_y);
	free(host_y);
}


/* A scalar's (absent) dims: pass_add_constant() copies none, from a valid pointer. */
static const int64_t scalar_dims[1];

static struct ir_node *add_conv(struct ir_graph *g, const char *in, int64_t c, int64_t m,
				const char *out)
{
	const int64_t wd[] = { m, c, 3, 3 }, bd[] = { m }, pads[] = { 1, 1, 1, 1 };
	char wn[64], bn[64];
	struct ir_node *n;
	int i[3];

	snprintf(wn, sizeof(wn), "%s_W", out);
	snprintf(bn, sizeof(bn), "%s_B", out);
	i[0] = ir_graph_find_tensor(g, in);
	i[1] = add_const(g, wn, 4, wd, 0.4f);
	i[2] = add_const(g, bn, 1, bd, 0.3f);
	n = add_node(g, "Conv", i, 3, out);
	set_ints(n, "pads", pads, 4);
	return n;
}

static struct ir_node *add_op1(struct ir_graph *g, const char *op, const char *in, const char *out)
{
	int i[1] = { ir_graph_find_tensor(g, in) };

	return add_node(g, op, i, 1, out);
}

static struct ir_node *add_op2(struct ir_graph *g, const char *op, const char *a, const char *b,
			       const char *out)
{
	int i[2] = { ir_graph_find_tensor(g, a), ir_graph_find_tensor(g, b) };

	return add_node(g, op, i, 2, out);
}

/* x [1, @c, @h, @w] -> Conv(@m) -> "conv": the int8 map the op under test reads. */
static struct ir_graph *conv_graph(int64_t c, int64_t h, int64_t w, int64_t m)
{
	const int64_t xd[] = { 1, c, h, w };
	struct ir_graph *g = ir_graph_create();

	lcg_state = 31;
	g->opset = 13;
	graph_input(g, 4, xd);
	add_conv(g, "x", c, m, "conv");
	return g;
}

/* Whether quantized @g has a node @op (the op under test went to int8). */
static bool has_op(const struct ir_graph *g, const char *op)
{
	for (size_t i = 0; i < g->n_nodes; i++)
		if (!strcmp(g->nodes[i]->op_type, op))
			return true;
	return false;
}

/* Quantize @g, check it holds @op, and compare with the host on the DMA and DMA-less node. */
static void check_both(struct ir_graph *g, const char *op, int64_t batch)
{
	quantize(g);
	assert_true(has_op(g, op));
	check_exact(g, 0, batch, false, "sram", false);
	check_exact(g, 1, batch, false, "sram", false);
	ir_graph_destroy(g);
}

static void test_average_pool_equals_the_host(void **state)
{
	const int64_t k[] = { 3, 3 }, s[] = { 2, 2 }, p[] = { 1, 1, 1, 1 };
	struct ir_graph *g = conv_graph(3, 9, 9, 5);
	struct ir_node *n;

	(void)state;
	n = add_op1(g, "AveragePool", "conv", "y");
	set_ints(n, "kernel_shape", k, 2);
	set_ints(n, "strides", s, 2);
	set_ints(n, "pads", p, 4);
	graph_output(g, "y");
	check_both(g, "QLinearAveragePool", 3);
}

static void test_global_average_pool_equals_the_host(void **state)
{
	const int64_t wd[] = { 4, 6 }, bd[] = { 4 };
	struct ir_graph *g = conv_graph(2, 7, 6, 6);
	struct ir_node *n;
	int i[3];

	(void)state;
	add_op1(g, "GlobalAveragePool", "conv", "gap");
	add_op1(g, "Flatten", "gap", "flat");
	i[0] = ir_graph_find_tensor(g, "flat");
	i[1] = add_const(g, "G", 2, wd, 0.5f);
	i[2] = add_const(g, "C", 1, bd, 0.2f);
	n = add_node(g, "Gemm", i, 3, "y");
	ir_node_add_attr(n, "transB", IR_ATTR_INT)->i = 1;
	graph_output(g, "y");
	check_both(g, "QLinearGlobalAveragePool", 2);
}

static void test_add_of_equal_shapes_equals_the_host(void **state)
{
	struct ir_graph *g = conv_graph(3, 8, 8, 6);

	(void)state;
	add_conv(g, "conv", 6, 6, "conv2");
	add_op2(g, "Add", "conv", "conv2", "y");
	graph_output(g, "y");
	check_both(g, "QLinearAdd", 2);
}

static void test_mul_of_equal_shapes_equals_the_host(void **state)
{
	struct ir_graph *g = conv_graph(3, 8, 8, 6);

	(void)state;
	add_conv(g, "conv", 6, 6, "conv2");
	add_op2(g, "Mul", "conv2", "conv", "y");
	graph_output(g, "y");
	check_both(g, "QLinearMul", 2);
}

/* A squeeze-excitation gate: Mul by a per-channel map, the broadcast operand first. */
static void test_mul_by_a_per_channel_map_equals_the_host(void **state)
{
	struct ir_graph *g = conv_graph(3, 6, 6, 8);

	(void)state;
	add_op1(g, "GlobalAveragePool", "conv", "gap");
	add_op1(g, "Sigmoid", "gap", "gate");
	add_op2(g, "Mul", "gate", "conv", "y");
	graph_output(g, "y");
	check_both(g, "QLinearMul", 2);
}

static void test_add_of_a_per_channel_constant_equals_the_host(void **state)
{
	const int64_t bd[] = { 6, 1, 1 };
	struct ir_graph *g = conv_graph(3, 5, 7, 6);
	int i[2];

	(void)state;
	i[0] = ir_graph_find_tensor(g, "conv");
	i[1] = add_const(g, "bias", 3, bd, 1.5f);
	add_node(g, "Add", i, 2, "y");
	graph_output(g, "y");
	check_both(g, "QLinearAdd", 2);
}

static void test_mul_by_a_scalar_constant_equals_the_host(void **state)
{
	struct ir_graph *g = conv_graph(3, 5, 7, 6);
	int i[2];

	(void)state;
	i[0] = add_const(g, "k", 0, scalar_dims, 2.0f);
	i[1] = ir_graph_find_tensor(g, "conv");
	add_node(g, "Mul", i, 2, "y");
	graph_output(g, "y");
	check_both(g, "QLinearMul", 2);
}

/* conv -> MaxPool 2x2 (no fusion into the conv) -> @op: the activation as a LUT. */
static struct ir_node *activation_graph(struct ir_graph **out, const char *op)
{
	const int64_t k[] = { 2, 2 };
	struct ir_graph *g = conv_graph(3, 8, 8, 6);
	struct ir_node *n;

	n = add_op1(g, "MaxPool", "conv", "pool");
	set_ints(n, "kernel_shape", k, 2);
	set_ints(n, "strides", k, 2);
	*out = g;
	return add_op1(g, op, "pool", "y");
}

static void check_activation(struct ir_graph *g)
{
	graph_output(g, "y");
	quantize(g);
	/* The activation between a DequantizeLinear and a QuantizeLinear, all on the device. */
	assert_true(has_op(g, "DequantizeLinear"));
	check_exact(g, 0, 2, false, "sram", false);
	check_exact(g, 1, 2, false, "sram", false);
	ir_graph_destroy(g);
}

static void test_sigmoid_lut_equals_the_host(void **state)
{
	struct ir_graph *g;

	(void)state;
	activation_graph(&g, "Sigmoid");
	check_activation(g);
}

static void test_tanh_lut_equals_the_host(void **state)
{
	struct ir_graph *g;

	(void)state;
	activation_graph(&g, "Tanh");
	check_activation(g);
}

static void test_hard_swish_lut_equals_the_host(void **state)
{
	struct ir_graph *g;

	(void)state;
	activation_graph(&g, "HardSwish");
	check_activation(g);
}

static void test_leaky_relu_lut_equals_the_host(void **state)
{
	struct ir_graph *g;
	struct ir_node *n;

	(void)state;
	n = activation_graph(&g, "LeakyRelu");
	ir_node_add_attr(n, "alpha", IR_ATTR_FLOAT)->f = 0.1f;
	check_activation(g);
}

static void test_clip_lut_equals_the_host(void **state)
{
	struct ir_graph *g;
	int i[3];

	(void)state;
	activation_graph(&g, "Clip");
	/* Clip(pool, -0.5, 0.7) with constant bounds as inputs. */
	i[0] = add_const(g, "lo", 0, scalar_dims, 0.0f);
	i[1] = add_const(g, "hi", 0, scalar_dims, 0.0f);
	((float *)g->tensors[i[0]]->data)[0] = -0.5f;
	((float *)g->tensors[i[1]]->data)[0] = 0.7f;
	g->nodes[g->n_nodes - 1]->n_inputs = 1;
	assert_int_equal(ir_index_append(&g->nodes[g->n_nodes - 1]->inputs,
					 &g->nodes[g->n_nodes - 1]->n_inputs, i[0]), 0);
	assert_int_equal(ir_index_append(&g->nodes[g->n_nodes - 1]->inputs,
					 &g->nodes[g->n_nodes - 1]->n_inputs, i[1]), 0);
	check_activation(g);
}

/*
 * Conv -> Sigmoid, Add -> Tanh: activation fusion puts them into their producer;
 * quant_unfuse_table_activations() takes them back out, the producer goes to int8 and the
 * activation to a table.
 */
static void test_sigmoid_fused_into_a_conv_becomes_a_lut(void **state)
{
	struct ir_graph *g = conv_graph(3, 6, 6, 4);
	size_t n;

	(void)state;
	add_op1(g, "Sigmoid", "conv", "y");
	graph_output(g, "y");
	assert_false(has_op(g, "Sigmoid"));
	assert_int_equal(quant_unfuse_table_activations(g, &n), 0);
	assert_int_equal(n, 1);
	assert_true(has_op(g, "Sigmoid"));
	quantize(g);
	assert_true(has_op(g, "QLinearConv"));
	check_exact(g, 0, 2, false, "sram", false);
	check_exact(g, 1, 2, false, "sram", false);
	ir_graph_destroy(g);
}

static void test_tanh_fused_into_an_add_becomes_a_lut(void **state)
{
	struct ir_graph *g = conv_graph(3, 6, 6, 4);
	size_t n;

	(void)state;
	add_conv(g, "conv", 4, 4, "conv2");
	add_op2(g, "Add", "conv", "conv2", "sum");
	add_op1(g, "Tanh", "sum", "y");
	graph_output(g, "y");
	assert_int_equal(quant_unfuse_table_activations(g, &n), 0);
	assert_int_equal(n, 1);
	quantize(g);
	assert_true(has_op(g, "QLinearAdd"));
	check_exact(g, 0, 2, false, "sram", false);
	check_exact(g, 1, 2, false, "sram", false);
	ir_graph_destroy(g);
}

/*
 * x [1, 3, 10, 10] -> Conv(8)+Relu = a -> Conv(8) = b -> Add(a, b)+Relu -> MaxPool 2x2 ->
 * Flatten -> Gemm(10) -> y: a residual block.
 */
static struct ir_graph *make_residual(void)
{
	const int64_t k[] = { 2, 2 }, wd[] = { 10, 200 }, bd[] = { 10 };
	struct ir_graph *g = conv_graph(3, 10, 10, 8);
	struct ir_node *n;
	int i[3];

	add_op1(g, "Relu", "conv", "a");
	add_conv(g, "a", 8, 8, "b");
	add_op2(g, "Add", "a", "b", "sum");
	add_op1(g, "Relu", "sum", "r");
	n = add_op1(g, "MaxPool", "r", "pool");
	set_ints(n, "kernel_shape", k, 2);
	set_ints(n, "strides", k, 2);
	add_op1(g, "Flatten", "pool", "flat");
	i[0] = ir_graph_find_tensor(g, "flat");
	i[1] = add_const(g, "G", 2, wd, 0.2f);
	i[2] = add_const(g, "C", 1, bd, 0.2f);
	n = add_node(g, "Gemm", i, 3, "y");
	ir_node_add_attr(n, "transB", IR_ATTR_INT)->i = 1;
	graph_output(g, "y");
	quantize(g);
	assert_true(has_op(g, "QLinearAdd"));
	return g;
}

static void test_residual_network_equals_the_host_on_both_devices(void **state)
{
	struct ir_graph *g = make_residual();

	(void)state;
	check_exact(g, 0, 4, false, "sram", false);
	check_exact(g, 1, 4, false, "sram", false);
	ir_graph_destroy(g);
}

static void test_residual_network_one_job_per_layer_equals_the_host(void **state)
{
	struct ir_graph *g = make_residual();

	(void)state;
	check_exact(g, 0, 2, true, "layers", false);
	check_exact(g, 1, 2, true, "layers", false);
	ir_graph_destroy(g);
}

/* Add of two 40x40x8 maps (12.8 KB each) and its output over a 16 KiB SRAM: tiled by rows. */
static void test_add_larger_than_sram_is_tiled_by_rows_and_exact(void **state)
{
	struct ir_graph *g = conv_graph(2, 40, 40, 8);

	(void)state;
	add_conv(g, "conv", 8, 8, "conv2");
	add_op2(g, "Add", "conv", "conv2", "sum");
	add_op1(g, "Relu", "sum", "y");
	graph_output(g, "y");
	quantize(g);
	assert_true(has_op(g, "QLinearAdd"));
	check_exact(g, 2, 1, false, "layers", true);
	ir_graph_destroy(g);
}

/*
 * x1, x2 [1, 3, 8, 8] -> Conv(6) each -> Add = "sum" (an output, also read on) -> MaxPool 2x2
 * -> Flatten -> Gemm(5) = "y": two inputs, two outputs (y first).
 */
static struct ir_graph *make_two_in_two_out(void)
{
	const int64_t xd[] = { 1, 3, 8, 8 }, k[] = { 2, 2 }, wd[] = { 5, 96 }, bd[] = { 5 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	char err[256];
	int i[3];

	lcg_state = 41;
	g->opset = 13;
	for (int t = 0; t < 2; t++) {
		int x = ir_graph_add_tensor(g, t ? "x2" : "x1");

		g->tensors[x]->dtype = IR_DTYPE_FLOAT;
		g->tensors[x]->rank = 4;
		memcpy(g->tensors[x]->dims, xd, sizeof(xd));
		assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	}
	add_conv(g, "x1", 3, 6, "a");
	add_conv(g, "x2", 3, 6, "b");
	add_op2(g, "Add", "a", "b", "sum");
	n = add_op1(g, "MaxPool", "sum", "pool");
	set_ints(n, "kernel_shape", k, 2);
	set_ints(n, "strides", k, 2);
	add_op1(g, "Flatten", "pool", "flat");
	i[0] = ir_graph_find_tensor(g, "flat");
	i[1] = add_const(g, "G", 2, wd, 0.3f);
	i[2] = add_const(g, "C", 1, bd, 0.2f);
	n = add_node(g, "Gemm", i, 3, "y");
	ir_node_add_attr(n, "transB", IR_ATTR_INT)->i = 1;
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, ir_graph_find_tensor(g, "y")),
			 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs,
					 ir_graph_find_tensor(g, "sum")), 0);
	if (ir_infer_shapes(g, err, sizeof(err)) || ir_passes_run(g, NULL, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	return g;
}

/* Each input @n floats of @batch images, each output compared with the host image by image. */
static void check_multi_io(struct ir_graph *g, int dev, int64_t batch, bool force_layers)
{
	struct vedge_model_options o = { .batch = batch, .force_layers = force_layers };
	size_t ni[2], no[2];
	float *x[2], *dev_y[2], *host_y[2];
	struct vedge_model *m;
	char err[256];

	assert_int_equal(g->n_inputs, 2);
	assert_int_equal(g->n_outputs, 2);
	for (int k = 0; k < 2; k++) {
		ni[k] = numel(g, g->inputs[k]);
		no[k] = numel(g, g->outputs[k]);
		x[k] = malloc((size_t)batch * ni[k] * sizeof(float));
		dev_y[k] = calloc((size_t)batch * no[k], sizeof(float));
		host_y[k] = calloc((size_t)batch * no[k], sizeof(float));
		assert_non_null(x[k]);
		assert_non_null(dev_y[k]);
		assert_non_null(host_y[k]);
		make_input(x[k], (size_t)batch * ni[k], 900 + (unsigned int)k);
	}
	for (int64_t b = 0; b < batch; b++) {
		struct host_values v = { 0 };

		assert_int_equal(host_values_create(g, &v), 0);
		for (int k = 0; k < 2; k++)
			v.ptr[g->inputs[k]] = x[k] + (size_t)b * ni[k];
		if (host_exec_graph(g, &v, err, sizeof(err)))
			fail_msg("%s", err);
		for (int k = 0; k < 2; k++)
			memcpy(host_y[k] + (size_t)b * no[k], v.ptr[g->outputs[k]],
			       no[k] * sizeof(float));
		for (int k = 0; k < 2; k++)
			v.ptr[g->inputs[k]] = NULL;
		host_values_free(&v);
	}
	if (vedge_model_load(node[dev], g, &o, &m, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(vedge_model_program(m)->n_in, 2);
	assert_int_equal(vedge_model_program(m)->n_out, 2);
	assert_int_equal(vedge_model_run_io(m, (const float *const *)x, dev_y), 0);
	for (int k = 0; k < 2; k++)
		assert_memory_equal(dev_y[k], host_y[k], (size_t)batch * no[k] * sizeof(float));
	vedge_model_free(m);
	for (int k = 0; k < 2; k++) {
		free(x[k]);
		free(dev_y[k]);
		free(host_y[k]);
	}
}

static void quantize_two_inputs(struct ir_graph *g)
{
	size_t n0 = numel(g, g->inputs[0]), n1 = numel(g, g->inputs[1]);
	float *x0 = malloc(n0 * sizeof(float)), *x1 = malloc(n1 * sizeof(float));
	struct quant_calibration cal;
	char err[256];

	assert_non_null(x0);
	assert_non_null(x1);
	assert_int_equal(quant_calibration_init(g, &cal), 0);
	for (unsigned int s = 0; s < N_CALIB; s++) {
		void *in[2] = { x0, x1 };

		make_input(x0, n0, 300 + s);
		make_input(x1, n1, 400 + s);
		if (quant_calibrate(g, &cal, in, err, sizeof(err)))
			fail_msg("%s", err);
	}
	if (ir_pass_quantize_flags(g, &cal, QUANTIZE_F_DEVICE_OPS, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	quant_calibration_free(&cal);
	free(x0);
	free(x1);
}

static void test_two_inputs_two_outputs_equal_the_host_on_both_devices(void **state)
{
	struct ir_graph *g = make_two_in_two_out();

	(void)state;
	quantize_two_inputs(g);
	check_multi_io(g, 0, 3, false);
	check_multi_io(g, 1, 3, false);
	ir_graph_destroy(g);
}

static void test_two_inputs_two_outputs_one_job_per_layer_equal_the_host(void **state)
{
	struct ir_graph *g = make_two_in_two_out();

	(void)state;
	quantize_two_inputs(g);
	check_multi_io(g, 0, 2, true);
	check_multi_io(g, 1, 2, true);
	check_multi_io(g, 2, 1, false);
	ir_graph_destroy(g);
}

static int group_setup(void **state)
{
	struct accel_device_info *v;
	size_t n;

	(void)state;
	if (test_embedded_start("codegen-vedge-ops", CONFIG) || accel_devices_list(&v, &n, 0))
		return -1;
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 3; d++) {
			char pdev[16];

			snprintf(pdev, sizeof(pdev), "vedge.%d", d);
			if (!strcmp(v[i].driver, "vedge") && strstr(v[i].parent, pdev))
				snprintf(node[d], sizeof(node[d]), "%s", v[i].path);
		}
	free(v);
	return node[0][0] && node[1][0] && node[2][0] ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_average_pool_equals_the_host),
		cmocka_unit_test(test_global_average_pool_equals_the_host),
		cmocka_unit_test(test_add_of_equal_shapes_equals_the_host),
		cmocka_unit_test(test_mul_of_equal_shapes_equals_the_host),
		cmocka_unit_test(test_mul_by_a_per_channel_map_equals_the_host),
		cmocka_unit_test(test_add_of_a_per_channel_constant_equals_the_host),
		cmocka_unit_test(test_mul_by_a_scalar_constant_equals_the_host),
		cmocka_unit_test(test_sigmoid_lut_equals_the_host),
		cmocka_unit_test(test_tanh_lut_equals_the_host),
		cmocka_unit_test(test_hard_swish_lut_equals_the_host),
		cmocka_unit_test(test_leaky_relu_lut_equals_the_host),
		cmocka_unit_test(test_clip_lut_equals_the_host),
		cmocka_unit_test(test_sigmoid_fused_into_a_conv_becomes_a_lut),
		cmocka_unit_test(test_tanh_fused_into_an_add_becomes_a_lut),
		cmocka_unit_test(test_residual_network_equals_the_host_on_both_devices),
		cmocka_unit_test(test_residual_network_one_job_per_layer_equals_the_host),
		cmocka_unit_test(test_add_larger_than_sram_is_tiled_by_rows_and_exact),
		cmocka_unit_test(test_two_inputs_two_outputs_equal_the_host_on_both_devices),
		cmocka_unit_test(test_two_inputs_two_outputs_one_job_per_layer_equal_the_host),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
