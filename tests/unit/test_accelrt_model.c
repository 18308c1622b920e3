// SPDX-License-Identifier: MIT
/*
 * Models on a device (include/accelrt_model.h), on the embedded vnpu: ONNX files written here
 * from graphs built in code (compiler/onnx_export.h) and program files compiled from them,
 * loaded, bound and run; their outputs checked against C references. The placement (device
 * memory for what only the device touches, host-visible memory for what the caller or a
 * host stage touches), several inferences in flight, sync_files, the refusal of a model
 * larger than the device's memory and of files that are not models.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libaccel.h>
#include "helpers.h"

#include <accelrt.h>
#include <accelrt_model.h>

#include "compiler/compile.h"
#include "compiler/onnx_export.h"
#include "compiler/program_file.h"
#include "compiler/shape_infer.h"

/*
 * Two vnpus: accel0 with the default VRAM (1 GiB), accel1 with the least a vnpu may have
 * (64 MiB), for the model that does not fit.
 */
static const char config[] =
	"[vnpu.0]\ndriver = vnpu\ncompute_engines = 1\ndma_engines = 1\n"
	"[vnpu.1]\ndriver = vnpu\ncompute_engines = 1\ndma_engines = 1\nvram_size = 64M\n";

static struct accelrt_device *dev, *small_dev;
static char *dir;	/* the model files */

static int setup(void **state)
{
	(void)state;
	if (test_embedded_start("accelrt-model", config))
		return -1;
	dir = test_tmpdir_try("accelrt-model-files");
	if (!dir)
		return -1;
	if (accelrt_device_open("/dev/accel/accel0", &dev) ||
	    accelrt_device_open("/dev/accel/accel1", &small_dev))
		return -1;
	/* The order of the nodes is the configuration's; refuse to run on a guess. */
	return accelrt_device_vram_size(small_dev) == (64ull << 20) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	accelrt_device_close(small_dev);
	accelrt_device_close(dev);
	dev = small_dev = NULL;
	test_rmdir(dir);
	dir = NULL;
	return test_embedded_stop();
}

/* ---- models written here ----------------------------------------------------------------- */

static int add_tensor(struct ir_graph *g, const char *name, int rank, const int64_t *dims)
{
	int t = ir_graph_add_tensor(g, name);

	assert_true(t >= 0);
	g->tensors[t]->dtype = IR_DTYPE_FLOAT;
	g->tensors[t]->rank = rank;
	memcpy(g->tensors[t]->dims, dims, sizeof(int64_t) * (size_t)rank);
	return t;
}

static struct ir_node *add_node(struct ir_graph *g, const char *op, const int *in, size_t nin,
				int out)
{
	struct ir_node *n = ir_graph_add_node(g, "", op, "");

	assert_non_null(n);
	for (size_t i = 0; i < nin; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, out), 0);
	return n;
}

/* Write @g to DIR/@name and free it; the path (free() it). */
static char *write_model(struct ir_graph *g, const char *name)
{
	char err[256] = "", *path;

	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), 0);
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	assert_int_equal(onnx_export_file(g, path), 0);
	ir_graph_destroy(g);
	return path;
}

/* W[3,4] of the MatMul model. */
static float w_value(int k, int j)
{
	return (float)(k * 4 + j - 6) / 4;
}

/*
 * x[2,3] -> Relu -> r -> MatMul(W[3,4], a constant) -> y[2,4]: all on the device; r is an
 * intermediate (the arena), W a constant.
 */
static char *relu_matmul_model(void)
{
	const int64_t dx[2] = { 2, 3 }, dw[2] = { 3, 4 }, dy[2] = { 2, 4 };
	struct ir_graph *g = ir_graph_create();
	int x, r, w, y;
	float *wv;

	assert_non_null(g);
	g->opset = 13;
	x = add_tensor(g, "x", 2, dx);
	r = add_tensor(g, "r", 2, dx);
	w = add_tensor(g, "W", 2, dw);
	y = add_tensor(g, "y", 2, dy);
	wv = malloc(12 * sizeof(float));
	assert_non_null(wv);
	for (int k = 0; k < 3; k++)
		for (int j = 0; j < 4; j++)
			wv[k * 4 + j] = w_value(k, j);
	g->tensors[w]->data = wv;
	g->tensors[w]->data_size = 12 * sizeof(float);
	assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, w), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	add_node(g, "Relu", &x, 1, r);
	add_node(g, "MatMul", (const int[]){ r, w }, 2, y);
	return write_model(g, "relu_matmul.onnx");
}

/* relu(x) x W, as the model computes it. */
static void relu_matmul_ref(const float *x, float *y)
{
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 4; j++) {
			float acc = 0;

			for (int k = 0; k < 3; k++)
				acc += fmaxf(x[i * 3 + k], 0) * w_value(k, j);
			y[i * 4 + j] = acc;
		}
}

static void check_relu_matmul(struct accelrt_model_bindings *b, const float *x)
{
	const float *out = accelrt_model_output_map(b, 0);
	float want[8];

	assert_non_null(out);
	relu_matmul_ref(x, want);
	for (int i = 0; i < 8; i++)
		assert_float_equal(out[i], want[i], 1e-5);
}

static struct accelrt_model *load(struct accelrt_device *d, const char *path, bool no_passes)
{
	char err[256] = "";
	struct accelrt_model_options o = { .no_passes = no_passes, .err = err,
					   .err_len = sizeof(err) };
	struct accelrt_model *m = NULL;
	int ret = accelrt_model_load(d, path, &o, &m);

	if (ret)
		fail_msg("load %s: %d: %s", path, ret, err);
	return m;
}

/* Compile @onnx into the program file DIR/@name; the path (free() it). */
static char *compile_program(const char *onnx, const char *name)
{
	struct compile_result r;
	struct program_file_meta meta = { .flags = PROGRAM_FILE_FLAG_PASSES };
	char err[256] = "", *path;

	assert_int_equal(compile_model_file(onnx, NULL, &r, err, sizeof(err)), 0);
	meta.nodes_before = r.passes.nodes_before;
	meta.nodes_after = r.passes.nodes_after;
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	assert_int_equal(program_file_write(path, r.g, r.prog, &meta, err, sizeof(err)), 0);
	compile_result_free(&r);
	return path;
}

static const float x_value[6] = { -1, 2, 3, 4, -5, 6 };

/* ---- tests --------------------------------------------------------------------------------- */

/* An ONNX model describes its input and output: name, type, shape, bytes. */
static void onnx_model_describes_its_inputs_and_outputs(void **state)
{
	char *path = relu_matmul_model();
	struct accelrt_model *m = load(dev, path, false);
	struct accelrt_model_tensor t;

	(void)state;
	assert_int_equal(accelrt_model_num_inputs(m), 1);
	assert_int_equal(accelrt_model_num_outputs(m), 1);
	assert_int_equal(accelrt_model_input(m, 0, &t), 0);
	assert_string_equal(t.name, "x");
	assert_int_equal(t.dtype, 1);
	assert_int_equal(t.rank, 2);
	assert_int_equal(t.dims[0], 2);
	assert_int_equal(t.dims[1], 3);
	assert_int_equal(t.bytes, 24);
	assert_false(t.bound);
	assert_int_equal(accelrt_model_output(m, 0, &t), 0);
	assert_string_equal(t.name, "y");
	assert_int_equal(t.bytes, 32);
	assert_int_equal(accelrt_model_input(m, 1, &t), -EINVAL);
	assert_int_equal(accelrt_model_output(m, 1, &t), -EINVAL);
	accelrt_model_free(m);
	free(path);
}

/* An ONNX model loads, runs and gives relu(x) x W, its constant W uploaded to device memory. */
static void onnx_model_runs_with_the_expected_outputs(void **state)
{
	char *path = relu_matmul_model();
	struct accelrt_model *m = load(dev, path, false);
	struct accelrt_model_bindings *b;

	(void)state;
	assert_int_equal(accelrt_model_bindings_new(m, &b), 0);
	memcpy(accelrt_model_input_map(b, 0), x_value, sizeof(x_value));
	assert_int_equal(accelrt_model_run_sync(m, b, 0), 0);
	check_relu_matmul(b, x_value);
	accelrt_model_bindings_free(b);
	accelrt_model_free(m);
	free(path);
}

/* A program file compiled from the model loads (recognised by its magic) and runs alike. */
static void program_file_runs_with_the_expected_outputs(void **state)
{
	char *onnx = relu_matmul_model(), *prog = compile_program(onnx, "relu_matmul.prog");
	struct accelrt_model *m = load(dev, prog, false);
	struct accelrt_model_bindings *b;
	struct accelrt_model_stats s;

	(void)state;
	accelrt_model_get_stats(m, &s);
	assert_true(s.program_file);
	assert_int_equal(accelrt_model_bindings_new(m, &b), 0);
	memcpy(accelrt_model_input_map(b, 0), x_value, sizeof(x_value));
	assert_int_equal(accelrt_model_run_sync(m, b, 0), 0);
	check_relu_matmul(b, x_value);
	accelrt_model_bindings_free(b);
	accelrt_model_free(m);
	free(prog);
	free(onnx);
}

/* Two bindings, two inferences in flight together: each gets the outputs of its own inputs. */
static void two_bindings_in_flight_give_each_its_outputs(void **state)
{
	static const float x2[6] = { 5, -1, 0.5f, -2, 3, 1 };
	char *path = relu_matmul_model();
	struct accelrt_model *m = load(dev, path, false);
	struct accelrt_model_bindings *b1, *b2;
	struct accelrt_run *r1, *r2;

	(void)state;
	assert_int_equal(accelrt_model_bindings_new(m, &b1), 0);
	assert_int_equal(accelrt_model_bindings_new(m, &b2), 0);
	assert_ptr_not_equal(accelrt_model_input_map(b1, 0), accelrt_model_input_map(b2, 0));
	memcpy(accelrt_model_input_map(b1, 0), x_value, sizeof(x_value));
	memcpy(accelrt_model_input_map(b2, 0), x2, sizeof(x2));
	assert_int_equal(accelrt_model_run(m, b1, 0, &r1), 0);
	assert_int_equal(accelrt_model_run(m, b2, 0, &r2), 0);
	assert_int_equal(accelrt_run_wait(r2, INT64_MAX), 0);
	assert_int_equal(accelrt_run_wait(r1, INT64_MAX), 0);
	accelrt_run_free(r1);
	accelrt_run_free(r2);
	check_relu_matmul(b1, x_value);
	check_relu_matmul(b2, x2);
	accelrt_model_bindings_free(b2);
	accelrt_model_bindings_free(b1);
	accelrt_model_free(m);
	free(path);
}

/*
 * The intermediate r (the arena) and the constant W only the device touches: in device
 * memory, which the CPU cannot map; the input and output are host-visible and map.
 */
static void device_only_slots_are_in_device_memory_and_io_slots_map(void **state)
{
	char *path = relu_matmul_model();
	struct accelrt_model *m = load(dev, path, false);
	const struct vnpu_prog *p = accelrt_model_program(m);
	const struct ir_graph *g = accelrt_model_graph(m);
	struct accelrt_model_bindings *b;
	struct accelrt_buffer *const *slots;
	struct accelrt_model_stats s;
	int w_slot = -1;
	void *map;

	(void)state;
	assert_int_equal(accelrt_model_bindings_new(m, &b), 0);
	slots = accelrt_model_bindings_slots(b);
	assert_true(p->arena_slot >= 0);
	assert_false(accelrt_model_slot_host_visible(m, (unsigned int)p->arena_slot));
	assert_int_equal(accelrt_buffer_map(slots[p->arena_slot], &map), -EACCES);
	for (unsigned int i = 0; i < p->nslots; i++)
		if (p->slots[i].data)
			w_slot = (int)i;
	assert_true(w_slot >= 0);
	assert_int_equal(accelrt_buffer_map(slots[w_slot], &map), -EACCES);
	assert_true(accelrt_model_slot_host_visible(m, (unsigned int)p->tensor_slot[g->inputs[0]]));
	assert_non_null(accelrt_model_input_map(b, 0));
	assert_non_null(accelrt_model_output_map(b, 0));
	accelrt_model_get_stats(m, &s);
	assert_int_equal(s.slots_device, 2);
	assert_int_equal(s.device_bytes, accelrt_model_device_bytes(p, g));
	accelrt_model_bindings_free(b);
	accelrt_model_free(m);
	free(path);
}

/*
 * x -> Relu -> r -> Gemm(alpha 0.5, W) -> h -> Sigmoid -> y: the Gemm (no device lowering for
 * its alpha) runs on a host stage, so the arena holding r and h is host-visible, and y is
 * right.
 */
static void slots_a_host_stage_touches_are_host_visible(void **state)
{
	const int64_t dx[2] = { 2, 3 }, dw[2] = { 3, 4 }, dy[2] = { 2, 4 };
	struct ir_graph *g = ir_graph_create();
	struct accelrt_model_bindings *b;
	struct accelrt_model_stats s;
	struct accelrt_model *m;
	int x, r, w, h, y;
	const float *out;
	float *wv;
	char *path;
	void *map;

	(void)state;
	assert_non_null(g);
	g->opset = 13;
	x = add_tensor(g, "x", 2, dx);
	r = add_tensor(g, "r", 2, dx);
	w = add_tensor(g, "W", 2, dw);
	h = add_tensor(g, "h", 2, dy);
	y = add_tensor(g, "y", 2, dy);
	wv = malloc(12 * sizeof(float));
	assert_non_null(wv);
	for (int k = 0; k < 3; k++)
		for (int j = 0; j < 4; j++)
			wv[k * 4 + j] = w_value(k, j);
	g->tensors[w]->data = wv;
	g->tensors[w]->data_size = 12 * sizeof(float);
	assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, w), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	add_node(g, "Relu", &x, 1, r);
	ir_node_add_attr(add_node(g, "Gemm", (const int[]){ r, w }, 2, h), "alpha",
			 IR_ATTR_FLOAT)->f = 0.5f;
	add_node(g, "Sigmoid", &h, 1, y);
	path = write_model(g, "host_gemm.onnx");
	m = load(dev, path, true);
	accelrt_model_get_stats(m, &s);
	assert_int_equal(s.stages_host, 1);
	assert_true(accelrt_model_program(m)->arena_slot >= 0);
	assert_true(accelrt_model_slot_host_visible(m,
		(unsigned int)accelrt_model_program(m)->arena_slot));
	assert_int_equal(accelrt_model_bindings_new(m, &b), 0);
	assert_int_equal(accelrt_buffer_map(accelrt_model_bindings_slots(b)
		[accelrt_model_program(m)->arena_slot], &map), 0);
	memcpy(accelrt_model_input_map(b, 0), x_value, sizeof(x_value));
	assert_int_equal(accelrt_model_run_sync(m, b, 0), 0);
	out = accelrt_model_output_map(b, 0);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 4; j++) {
			double acc = 0;

			for (int k = 0; k < 3; k++)
				acc += fmax(x_value[i * 3 + k], 0) * w_value(k, j);
			assert_float_equal(out[i * 4 + j], 1 / (1 + exp(-0.5 * acc)), 1e-5);
		}
	accelrt_model_bindings_free(b);
	accelrt_model_free(m);
	free(path);
}

/*
 * x[3000000] + C -> y, C a 12 MB constant: more than the staging buffer the upload goes
 * through, so it reaches device memory in several DMA jobs, every byte of it (y = x + C).
 */
static void constant_larger_than_the_staging_buffer_is_uploaded_whole(void **state)
{
	const int64_t n = 3000000, d[1] = { n };
	struct ir_graph *g = ir_graph_create();
	struct accelrt_model_bindings *b;
	struct accelrt_model *m;
	int x, c, y;
	float *cv, *in;
	const float *out;
	char *path;
	size_t bad = 0;

	(void)state;
	assert_non_null(g);
	g->opset = 13;
	x = add_tensor(g, "x", 1, d);
	c = add_tensor(g, "C", 1, d);
	y = add_tensor(g, "y", 1, d);
	cv = malloc((size_t)n * sizeof(float));
	assert_non_null(cv);
	for (int64_t i = 0; i < n; i++)
		cv[i] = (float)(i % 1000);
	g->tensors[c]->data = cv;
	g->tensors[c]->data_size = (size_t)n * sizeof(float);
	assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, c), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	add_node(g, "Add", (const int[]){ x, c }, 2, y);
	path = write_model(g, "big_const.onnx");
	m = load(dev, path, false);
	assert_int_equal(accelrt_model_bindings_new(m, &b), 0);
	in = accelrt_model_input_map(b, 0);
	for (int64_t i = 0; i < n; i++)
		in[i] = 0.5f;
	assert_int_equal(accelrt_model_run_sync(m, b, 0), 0);
	out = accelrt_model_output_map(b, 0);
	for (int64_t i = 0; i < n; i++)
		bad += out[i] != (float)(i % 1000) + 0.5f;
	assert_int_equal(bad, 0);
	accelrt_model_bindings_free(b);
	accelrt_model_free(m);
	free(path);
}

/* A run started without waiting gives a sync_file that polls readable, the outputs then right. */
static void async_run_gives_a_pollable_sync_file(void **state)
{
	char *path = relu_matmul_model();
	struct accelrt_model *m = load(dev, path, false);
	struct pollfd pfd = { .events = POLLIN };
	struct accelrt_model_bindings *b;
	struct accelrt_run *run;

	(void)state;
	assert_int_equal(accelrt_model_bindings_new(m, &b), 0);
	memcpy(accelrt_model_input_map(b, 0), x_value, sizeof(x_value));
	assert_int_equal(accelrt_model_run(m, b, 0, &run), 0);
	pfd.fd = accelrt_run_sync_file(run);
	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_true(pfd.revents & POLLIN);
	accel_sys_close(pfd.fd);
	assert_int_equal(accelrt_run_wait(run, 0), 0);
	accelrt_run_free(run);
	check_relu_matmul(b, x_value);
	accelrt_model_bindings_free(b);
	accelrt_model_free(m);
	free(path);
}

/*
 * x[17,1000000] -> Relu -> r -> Sigmoid -> y: r, 68 MB in the arena, is device memory, more
 * than the 64 MiB vnpu has: the load is refused with -ENOSPC and says how much is needed.
 */
static void model_over_the_device_memory_is_refused(void **state)
{
	const int64_t d[2] = { 17, 1000000 };
	struct ir_graph *g = ir_graph_create();
	enum accelrt_model_phase failed = ACCELRT_MODEL_PHASE_DEVICE;
	char err[256] = "";
	struct accelrt_model_options o = { .no_passes = true, .err = err, .err_len = sizeof(err),
					   .device_name = "accel1", .failed = &failed };
	struct accelrt_model *m = NULL;
	int x, r, y;
	char *path;

	(void)state;
	assert_non_null(g);
	g->opset = 13;
	x = add_tensor(g, "x", 2, d);
	r = add_tensor(g, "r", 2, d);
	y = add_tensor(g, "y", 2, d);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	add_node(g, "Relu", &x, 1, r);
	add_node(g, "Sigmoid", &r, 1, y);
	path = write_model(g, "big.onnx");
	assert_int_equal(accelrt_model_load(small_dev, path, &o, &m), -ENOSPC);
	assert_null(m);
	assert_int_equal(failed, ACCELRT_MODEL_PHASE_MODEL);
	assert_string_equal(err, "model needs 65 MiB of device memory, accel1 has 64 MiB");
	free(path);
}

/* A file that is not there: -ENOENT and a message. */
static void missing_file_is_refused_with_a_message(void **state)
{
	char err[256] = "", *path;
	struct accelrt_model_options o = { .err = err, .err_len = sizeof(err) };
	struct accelrt_model *m = NULL;

	(void)state;
	assert_true(asprintf(&path, "%s/none.onnx", dir) > 0);
	assert_int_equal(accelrt_model_load(dev, path, &o, &m), -ENOENT);
	assert_null(m);
	assert_true(err[0]);
	free(path);
}

/* Write the first @len bytes of the file at @src to @dst. */
static void truncate_copy(const char *src, const char *dst, size_t len)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	char buf[4096];
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	assert_true(len <= sizeof(buf));
	n = fread(buf, 1, len, in);
	assert_int_equal(n, len);
	assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* A truncated program file: refused by the loader (-EINVAL), which says so. */
static void truncated_program_file_is_refused_with_a_message(void **state)
{
	char *onnx = relu_matmul_model(), *prog = compile_program(onnx, "t.prog"), *cut;
	char err[256] = "";
	struct accelrt_model_options o = { .err = err, .err_len = sizeof(err) };
	struct accelrt_model *m = NULL;

	(void)state;
	assert_true(asprintf(&cut, "%s/cut.prog", dir) > 0);
	truncate_copy(prog, cut, 100);
	assert_int_equal(accelrt_model_load(dev, cut, &o, &m), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(err, "program file"));
	free(cut);
	free(prog);
	free(onnx);
}

/* A truncated ONNX file: a negative errno and a message. */
static void truncated_onnx_file_is_refused_with_a_message(void **state)
{
	char *onnx = relu_matmul_model(), *cut;
	char err[256] = "";
	struct accelrt_model_options o = { .err = err, .err_len = sizeof(err) };
	struct accelrt_model *m = NULL;

	(void)state;
	assert_true(asprintf(&cut, "%s/cut.onnx", dir) > 0);
	truncate_copy(onnx, cut, 40);
	assert_true(accelrt_model_load(dev, cut, &o, &m) < 0);
	assert_null(m);
	assert_true(err[0]);
	free(cut);
	free(onnx);
}

/* no_passes is for ONNX models: a program is compiled already (-EINVAL). */
static void no_passes_for_a_program_is_refused(void **state)
{
	char *onnx = relu_matmul_model(), *prog = compile_program(onnx, "np.prog");
	char err[256] = "";
	struct accelrt_model_options o = { .no_passes = true, .err = err, .err_len = sizeof(err) };
	struct accelrt_model *m = NULL;

	(void)state;
	assert_int_equal(accelrt_model_load(dev, prog, &o, &m), -EINVAL);
	assert_null(m);
	assert_true(err[0]);
	free(prog);
	free(onnx);
}

/* Bindings run only with the model that made them (-EINVAL). */
static void bindings_of_another_model_are_refused(void **state)
{
	char *path = relu_matmul_model();
	struct accelrt_model *m1 = load(dev, path, false), *m2 = load(dev, path, false);
	struct accelrt_model_bindings *b;
	struct accelrt_run *run = NULL;

	(void)state;
	assert_int_equal(accelrt_model_bindings_new(m1, &b), 0);
	assert_int_equal(accelrt_model_run(m2, b, 0, &run), -EINVAL);
	assert_null(run);
	accelrt_model_bindings_free(b);
	accelrt_model_free(m2);
	accelrt_model_free(m1);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(onnx_model_describes_its_inputs_and_outputs),
		cmocka_unit_test(onnx_model_runs_with_the_expected_outputs),
		cmocka_unit_test(program_file_runs_with_the_expected_outputs),
		cmocka_unit_test(two_bindings_in_flight_give_each_its_outputs),
		cmocka_unit_test(device_only_slots_are_in_device_memory_and_io_slots_map),
		cmocka_unit_test(slots_a_host_stage_touches_are_host_visible),
		cmocka_unit_test(constant_larger_than_the_staging_buffer_is_uploaded_whole),
		cmocka_unit_test(async_run_gives_a_pollable_sync_file),
		cmocka_unit_test(model_over_the_device_memory_is_refused),
		cmocka_unit_test(missing_file_is_refused_with_a_message),
		cmocka_unit_test(truncated_program_file_is_refused_with_a_message),
		cmocka_unit_test(truncated_onnx_file_is_refused_with_a_message),
		cmocka_unit_test(no_passes_for_a_program_is_refused),
		cmocka_unit_test(bindings_of_another_model_are_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
