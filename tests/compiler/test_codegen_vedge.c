// SPDX-License-Identifier: MIT
/*
 * The vedge code generator (compiler/codegen_vedge.h) and its runtime
 * (runtime/model/model_vedge.h): small float graphs built in code are quantized, compiled for
 * vedge devices of the embedded core, run there, and their outputs compared with the host's
 * fixed-point simulation (host_exec of the same int8 graph, accel.requant = fixed_point) bit
 * for bit: a convolution, a fully connected layer, a small CNN over a batch, with and without
 * DMA; layers too large for a 16 KiB SRAM tiled (rows, output channels) and still exact; a
 * layer that cannot be tiled small enough refused; the Fashion-MNIST model on its test data.
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

/* x [1, C, H, W] -> Conv(M, 3x3, pad 1, stride @s) + Relu -> y. */
static struct ir_graph *make_conv(int64_t c, int64_t h, int64_t w, int64_t m, int64_t s)
{
	const int64_t xd[] = { 1, c, h, w }, wd[] = { m, c, 3, 3 }, bd[] = { m };
	const int64_t pads[] = { 1, 1, 1, 1 }, st[] = { s, s };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in[3];

	lcg_state = 11;
	in[0] = graph_input(g, 4, xd);
	in[1] = add_const(g, "W", 4, wd, 0.5f);
	in[2] = add_const(g, "B", 1, bd, 0.5f);
	n = add_node(g, "Conv", in, 3, "conv");
	set_ints(n, "pads", pads, 4);
	set_ints(n, "strides", st, 2);
	in[0] = ir_graph_find_tensor(g, "conv");
	add_node(g, "Relu", in, 1, "y");
	graph_output(g, "y");
	return g;
}

/* x [1, K] -> Gemm(N, transB) -> y. */
static struct ir_graph *make_fc(int64_t k, int64_t nn)
{
	const int64_t xd[] = { 1, k }, wd[] = { nn, k }, bd[] = { nn };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in[3];

	lcg_state = 23;
	in[0] = graph_input(g, 2, xd);
	in[1] = add_const(g, "W", 2, wd, 0.2f);
	in[2] = add_const(g, "B", 1, bd, 0.5f);
	n = add_node(g, "Gemm", in, 3, "y");
	ir_node_add_attr(n, "transB", IR_ATTR_INT)->i = 1;
	graph_output(g, "y");
	return g;
}

/* x [1, 2, 10, 10] -> Conv(6)+Relu -> MaxPool 2x2 -> Flatten -> Gemm(16)+Relu -> Gemm(5) -> y. */
static struct ir_graph *make_cnn(void)
{
	const int64_t xd[] = { 1, 2, 10, 10 }, wd[] = { 6, 2, 3, 3 }, bd[] = { 6 };
	const int64_t g1[] = { 16, 150 }, c1[] = { 16 }, g2[] = { 5, 16 }, c2[] = { 5 };
	const int64_t pads[] = { 1, 1, 1, 1 }, k2[] = { 2, 2 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in[3];

	lcg_state = 7;
	in[0] = graph_input(g, 4, xd);
	in[1] = add_const(g, "W", 4, wd, 0.5f);
	in[2] = add_const(g, "B", 1, bd, 0.5f);
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
	in[1] = add_const(g, "G1", 2, g1, 0.2f);
	in[2] = add_const(g, "C1", 1, c1, 0.2f);
	n = add_node(g, "Gemm", in, 3, "fc1");
	ir_node_add_attr(n, "transB", IR_ATTR_INT)->i = 1;
	in[0] = ir_graph_find_tensor(g, "fc1");
	add_node(g, "Relu", in, 1, "relu2");
	in[0] = ir_graph_find_tensor(g, "relu2");
	in[1] = add_const(g, "G2", 2, g2, 0.3f);
	in[2] = add_const(g, "C2", 1, c2, 0.2f);
	n = add_node(g, "Gemm", in, 3, "y");
	ir_node_add_attr(n, "transB", IR_ATTR_INT)->i = 1;
	graph_output(g, "y");
	return g;
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
	if (ir_pass_quantize(g, &cal, &r, err, sizeof(err)))
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
	assert_string_equal(p->mode, want_mode);
	assert_int_equal(p->tiles > 0, want_tiles);
	assert_int_equal(vedge_model_run(m, x, dev_y), 0);
	assert_memory_equal(dev_y, host_y, (size_t)batch * no * sizeof(float));
	vedge_model_free(m);
	free(x);
	free(dev_y);
	free(host_y);
}

static void test_conv_layer_equals_the_host_with_dma(void **state)
{
	struct ir_graph *g = make_conv(3, 12, 12, 8, 1);

	(void)state;
	quantize(g);
	check_exact(g, 0, 1, false, "sram", false);
	ir_graph_destroy(g);
}

static void test_conv_layer_equals_the_host_without_dma(void **state)
{
	struct ir_graph *g = make_conv(3, 12, 12, 8, 2);

	(void)state;
	quantize(g);
	check_exact(g, 1, 1, false, "sram", false);
	ir_graph_destroy(g);
}

static void test_fc_layer_equals_the_host_on_both_devices(void **state)
{
	struct ir_graph *g = make_fc(100, 24);

	(void)state;
	quantize(g);
	check_exact(g, 0, 1, false, "sram", false);
	check_exact(g, 1, 1, false, "sram", false);
	ir_graph_destroy(g);
}

static void test_cnn_batch_equals_the_host_on_both_devices(void **state)
{
	struct ir_graph *g = make_cnn();

	(void)state;
	quantize(g);
	check_exact(g, 0, 5, false, "sram", false);
	check_exact(g, 1, 5, false, "sram", false);
	ir_graph_destroy(g);
}

static void test_cnn_one_job_per_layer_equals_the_host(void **state)
{
	struct ir_graph *g = make_cnn();

	(void)state;
	quantize(g);
	check_exact(g, 0, 2, true, "layers", false);
	check_exact(g, 1, 2, true, "layers", false);
	ir_graph_destroy(g);
}

/* 40x40x8 -> 40x40x16: 12.8 KB in, 25.6 KB out, over a 16 KiB SRAM: tiled by rows. */
static void test_conv_larger_than_sram_is_tiled_by_rows_and_exact(void **state)
{
	struct ir_graph *g = make_conv(8, 40, 40, 16, 1);

	(void)state;
	quantize(g);
	check_exact(g, 2, 1, false, "layers", true);
	ir_graph_destroy(g);
}

/* 2048 -> 40: 80 KiB of weights over a 16 KiB SRAM: tiled by output channels. */
static void test_fc_larger_than_sram_is_tiled_by_channels_and_exact(void **state)
{
	struct ir_graph *g = make_fc(2048, 40);

	(void)state;
	quantize(g);
	check_exact(g, 2, 1, false, "layers", true);
	ir_graph_destroy(g);
}

/* Whether some job of @p computes a slice of output channels of a convolution. */
static bool has_channel_tiles(const struct vedge_program *p)
{
	for (size_t i = 0; i < p->n_jobs; i++)
		if (strstr(p->jobs[i].what, "conv") && strstr(p->jobs[i].what, "channels"))
			return true;
	return false;
}

/*
 * 64 -> 64 channels 3x3: 36 KiB of weights, more than a 16 KiB SRAM: cut into slices of
 * output channels (weights and scale entries), each job within the SRAM of the target.
 */
static void test_conv_weights_larger_than_sram_are_tiled_by_channels(void **state)
{
	struct ir_graph *g = make_conv(64, 6, 6, 64, 1);
	struct vedge_target small = { .has_dma = false, .sram_size = 16384, .batch = 1 };
	struct vedge_target big = { .has_dma = false, .sram_size = 1 << 20, .batch = 1 };
	struct vedge_program *p;
	char err[256];

	(void)state;
	quantize(g);
	if (vedge_codegen(g, &small, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(p->mode, "layers");
	assert_true(has_channel_tiles(p));
	for (size_t i = 0; i < p->n_jobs; i++)
		assert_true(p->jobs[i].sram_used <= small.sram_size);
	vedge_program_free(p);
	if (vedge_codegen(g, &big, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_false(has_channel_tiles(p));
	assert_int_equal(p->tiles, 0);
	vedge_program_free(p);
	ir_graph_destroy(g);
}

/* The channel-tiled conv on the 16 KiB node equals the untiled one (DMA node) and the host. */
static void test_conv_tiled_by_channels_equals_the_untiled_run(void **state)
{
	struct ir_graph *g = make_conv(64, 6, 6, 64, 1);
	struct vedge_model_options o = { .batch = 2 };
	size_t ni = numel(g, g->inputs[0]), no = numel(g, g->outputs[0]);
	float *x = malloc(2 * ni * sizeof(float)), *y0 = calloc(2 * no, sizeof(float));
	float *y2 = calloc(2 * no, sizeof(float));
	struct vedge_model *m0, *m2;
	char err[256];

	(void)state;
	assert_non_null(x);
	assert_non_null(y0);
	assert_non_null(y2);
	quantize(g);
	make_input(x, 2 * ni, 77);
	if (vedge_model_load(node[0], g, &o, &m0, err, sizeof(err)) ||
	    vedge_model_load(node[2], g, &o, &m2, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(vedge_model_program(m0)->tiles, 0);
	assert_true(has_channel_tiles(vedge_model_program(m2)));
	assert_int_equal(vedge_model_run(m0, x, y0), 0);
	assert_int_equal(vedge_model_run(m2, x, y2), 0);
	assert_memory_equal(y0, y2, 2 * no * sizeof(float));
	vedge_model_free(m0);
	vedge_model_free(m2);
	check_exact(g, 2, 2, false, "layers", true);
	free(x);
	free(y0);
	free(y2);
	ir_graph_destroy(g);
}

/*
 * 1024 -> 2 channels 3x3 on a 4x4 map: one output channel's weights (9 KiB) and the three
 * input rows one output row reads (12 KiB) exceed the 16 KiB SRAM together.
 */
static void test_layer_that_no_tile_fits_is_refused(void **state)
{
	struct ir_graph *g = make_conv(1024, 4, 4, 2, 1);
	struct vedge_model_options o = { .batch = 1 };
	struct vedge_model *m = NULL;
	char err[256];

	(void)state;
	quantize(g);
	assert_int_equal(vedge_model_load(node[2], g, &o, &m, err, sizeof(err)), -ENOSPC);
	assert_null(m);
	assert_non_null(strstr(err, "does not fit"));
	ir_graph_destroy(g);
}

static void test_float_graph_is_refused(void **state)
{
	struct ir_graph *g = make_conv(3, 6, 6, 4, 1);
	struct vedge_target t = { .has_dma = true, .sram_size = 1 << 19, .batch = 1 };
	struct vedge_program *p = NULL;
	char err[256];

	(void)state;
	assert_int_equal(vedge_codegen(g, &t, &p, err, sizeof(err)), -EOPNOTSUPP);
	assert_null(p);
	ir_graph_destroy(g);
}

/* A job the NPU aborts (debugfs inject_fault: a bus fault) makes the run fail, not lie. */
static void test_failed_job_fails_the_run(void **state)
{
	struct ir_graph *g = make_cnn();
	struct vedge_model_options o = { .batch = 1 };
	struct vedge_model *m;
	float x[200] = { 0 }, y[5];
	char err[256];

	(void)state;
	quantize(g);
	if (vedge_model_load(node[0], g, &o, &m, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(vedge_model_run(m, x, y), 0);
	assert_int_equal(accel_attr_write("sys/kernel/debug/accel/vedge.0/inject_fault", "1", 1), 1);
	assert_int_equal(vedge_model_run(m, x, y), -EIO);
	assert_int_equal(vedge_model_run(m, x, y), 0);
	vedge_model_free(m);
	ir_graph_destroy(g);
}

/* Fashion-MNIST calibrated on its own test_data_set_0, on both devices, against the host. */
static void test_fashion_mnist_equals_the_host_on_both_devices(void **state)
{
	struct vedge_model_options o = { .batch = 1 };
	struct ir_graph *g = NULL;
	char err[256];

	(void)state;
	if (access(FASHION_MNIST_MODEL, R_OK))
		skip();
	if (vedge_model_quantize(FASHION_MNIST_MODEL, &o, &g, err, sizeof(err)))
		fail_msg("%s", err);
	check_exact(g, 0, 3, false, "sram", false);
	check_exact(g, 1, 3, false, "sram", false);
	check_exact(g, 2, 1, false, "layers", true);
	ir_graph_destroy(g);
}

static int group_setup(void **state)
{
	struct accel_device_info *v;
	size_t n;

	(void)state;
	if (test_embedded_start("codegen-vedge", CONFIG) || accel_devices_list(&v, &n, 0))
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
		cmocka_unit_test(test_conv_layer_equals_the_host_with_dma),
		cmocka_unit_test(test_conv_layer_equals_the_host_without_dma),
		cmocka_unit_test(test_fc_layer_equals_the_host_on_both_devices),
		cmocka_unit_test(test_cnn_batch_equals_the_host_on_both_devices),
		cmocka_unit_test(test_cnn_one_job_per_layer_equals_the_host),
		cmocka_unit_test(test_conv_larger_than_sram_is_tiled_by_rows_and_exact),
		cmocka_unit_test(test_fc_larger_than_sram_is_tiled_by_channels_and_exact),
		cmocka_unit_test(test_conv_weights_larger_than_sram_are_tiled_by_channels),
		cmocka_unit_test(test_conv_tiled_by_channels_equals_the_untiled_run),
		cmocka_unit_test(test_layer_that_no_tile_fits_is_refused),
		cmocka_unit_test(test_float_graph_is_refused),
		cmocka_unit_test(test_failed_job_fails_the_run),
		cmocka_unit_test(test_fashion_mnist_equals_the_host_on_both_devices),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
