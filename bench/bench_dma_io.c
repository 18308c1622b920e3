// SPDX-License-Identifier: MIT
/*
 * I/O-pipelined programs (codegen_vnpu_options.dma_io, `accel run --dma-io`) against the
 * default ones, embedded, on a model with sizeable inputs and outputs: x[1,3,224,224] ->
 * Conv 3x3 (3 -> 8) -> Relu -> Conv 3x3 (8 -> 3) -> y[1,3,224,224] (588 KiB in, 588 KiB out).
 *
 * - throughput: 4 inferences kept in flight, each with buffers of its own (inputs, outputs,
 *   the arena in VRAM, the semaphores; the constants shared): ns per inference with DMA-io
 *   (DMA-in, compute and DMA-out jobs chained by semaphores, so a run's input copy overlaps
 *   the previous run's compute) over the default (one SUBMIT per inference, the compute
 *   reading the host buffers); a ratio under 1 is a gain;
 * - latency: one inference at a time, DMA-io over the default (three jobs and a worker thread
 *   instead of one job: a cost, the ratio is above 1).
 *
 * The vnpu's engines are threads of this process: on a machine of few cores the DMA
 * engines' copies compete with the compute engine for the same cores, and "VRAM" is host
 * memory, so the overlap has little to win here; the figures say what it costs and gains on
 * the machine they ran on.
 *
 *   bench_dma_io [ACCELD_PATH]   (the daemon is not used; scripts/bench.sh passes it to all)
 */
#include "bench.h"

#include <libaccel.h>

#include "accelrt.h"
#include "accelrt_model.h"
#include "compiler/onnx_export.h"
#include "compiler/shape_infer.h"

#define IN_FLIGHT 4

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_dma_io: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* ---- the graph --------------------------------------------------------------------------- */

static int add_tensor(struct ir_graph *g, const char *name, int rank, const int64_t *dims,
		      bool constant, uint32_t *seed)
{
	int t = ir_graph_add_tensor(g, name);
	struct ir_tensor *ten;
	int64_t numel = 1;

	if (t < 0)
		die("ir_graph_add_tensor", t);
	ten = g->tensors[t];
	ten->dtype = IR_DTYPE_FLOAT;
	ten->rank = rank;
	for (int d = 0; d < rank; d++) {
		ten->dims[d] = dims[d];
		numel *= dims[d];
	}
	if (constant) {
		float *w = malloc((size_t)numel * sizeof(float));

		if (!w)
			die("malloc", ENOMEM);
		for (int64_t i = 0; i < numel; i++) {
			*seed = *seed * 1664525u + 1013904223u;
			w[i] = ((float)(*seed >> 8) / (float)(1u << 24) - 0.5f) * 0.1f;
		}
		ten->data = w;
		ten->data_size = (size_t)numel * sizeof(float);
		if (ir_index_append(&g->initializers, &g->n_initializers, t))
			die("ir_index_append", ENOMEM);
	}
	return t;
}

static struct ir_node *add_node(struct ir_graph *g, const char *op, const int *in, size_t n_in,
				int out)
{
	struct ir_node *n = ir_graph_add_node(g, NULL, op, NULL);

	if (!n)
		die("ir_graph_add_node", ENOMEM);
	for (size_t i = 0; i < n_in; i++)
		if (ir_index_append(&n->inputs, &n->n_inputs, in[i]))
			die("ir_index_append", ENOMEM);
	if (ir_index_append(&n->outputs, &n->n_outputs, out))
		die("ir_index_append", ENOMEM);
	return n;
}

static void set_ints(struct ir_node *n, const char *name, const int64_t *v, size_t len)
{
	struct ir_attr *at = ir_node_add_attr(n, name, IR_ATTR_INTS);

	if (!at || !(at->ints = malloc(len * sizeof(int64_t))))
		die("ir_node_add_attr", ENOMEM);
	memcpy(at->ints, v, len * sizeof(int64_t));
	at->len = len;
}

/* A 3x3 Conv with bias, padding 1, from @cin to @cout channels: its output tensor. */
static int conv3x3(struct ir_graph *g, int x, int64_t cin, int64_t cout, int idx, uint32_t *seed)
{
	char name[16];
	int in[3], y;
	struct ir_node *n;

	snprintf(name, sizeof(name), "w%d", idx);
	in[0] = x;
	in[1] = add_tensor(g, name, 4, (int64_t[]){ cout, cin, 3, 3 }, true, seed);
	snprintf(name, sizeof(name), "b%d", idx);
	in[2] = add_tensor(g, name, 1, (int64_t[]){ cout }, true, seed);
	snprintf(name, sizeof(name), "c%d", idx);
	y = ir_graph_add_tensor(g, name);
	n = add_node(g, "Conv", in, 3, y);
	set_ints(n, "kernel_shape", (int64_t[]){ 3, 3 }, 2);
	set_ints(n, "pads", (int64_t[]){ 1, 1, 1, 1 }, 4);
	return y;
}

static struct ir_graph *conv_graph(void)
{
	struct ir_graph *g = ir_graph_create();
	uint32_t seed = 3;
	int x, y, r;
	char err[256];

	if (!g)
		die("ir_graph_create", ENOMEM);
	g->opset = 13;
	x = add_tensor(g, "x", 4, (int64_t[]){ 1, 3, 224, 224 }, false, &seed);
	ir_index_append(&g->inputs, &g->n_inputs, x);
	y = conv3x3(g, x, 3, 8, 0, &seed);
	r = ir_graph_add_tensor(g, "r0");
	add_node(g, "Relu", &y, 1, r);
	y = conv3x3(g, r, 8, 3, 1, &seed);
	ir_index_append(&g->outputs, &g->n_outputs, y);
	if (ir_infer_shapes(g, err, sizeof(err))) {
		fprintf(stderr, "bench_dma_io: %s\n", err);
		exit(1);
	}
	return g;
}

/* ---- the model loaded as any front end loads it, with bindings per run in flight ------------ */

struct model {
	struct accelrt_model *m;
	struct accelrt_model_bindings *sets[IN_FLIGHT];
	struct accelrt_run *runs[IN_FLIGHT];
};

/* @path: the graph exported as ONNX; compiled with or without I/O pipelining. */
static void model_load(struct accelrt_device *dev, const char *path, bool dma_io,
		       struct model *m)
{
	const struct accelrt_model_options o = { .dma_io = dma_io };
	int ret = accelrt_model_load(dev, path, &o, &m->m);

	if (ret)
		die("accelrt_model_load", ret);
	for (int k = 0; k < IN_FLIGHT; k++) {
		ret = accelrt_model_bindings_new(m->m, &m->sets[k]);
		if (ret)
			die("accelrt_model_bindings_new", ret);
	}
}

static void model_free(struct model *m)
{
	for (int k = 0; k < IN_FLIGHT; k++)
		accelrt_model_bindings_free(m->sets[k]);
	accelrt_model_free(m->m);
}

static void run_wait_free(struct accelrt_run *run)
{
	int ret = accelrt_run_wait(run, INT64_MAX);

	if (ret)
		die("accelrt_run_wait", ret);
	accelrt_run_free(run);
}

/* @iters inferences, IN_FLIGHT of them in flight: run i uses set i % IN_FLIGHT. */
static void run_in_flight(void *arg, long iters)
{
	struct model *m = arg;
	int ret;

	for (long i = 0; i < iters; i++) {
		int k = (int)(i % IN_FLIGHT);

		if (i >= IN_FLIGHT)
			run_wait_free(m->runs[k]);
		ret = accelrt_model_run(m->m, m->sets[k], 0, &m->runs[k]);
		if (ret)
			die("accelrt_model_run", ret);
	}
	for (long i = iters > IN_FLIGHT ? iters - IN_FLIGHT : 0; i < iters; i++)
		run_wait_free(m->runs[i % IN_FLIGHT]);
}

/* @iters inferences one after the other. */
static void run_one_at_a_time(void *arg, long iters)
{
	struct model *m = arg;

	for (long i = 0; i < iters; i++) {
		int ret = accelrt_model_run_sync(m->m, m->sets[0], 0);

		if (ret)
			die("accelrt_model_run_sync", ret);
	}
}

/*
 * Both programs compute the same packets on the same input: their outputs must be equal to
 * the bit, or the figures compare a program that does not do the work.
 */
static void check_same_outputs(const struct ir_graph *g, struct model *a, struct model *b)
{
	const struct ir_tensor *x = g->tensors[g->inputs[0]];
	size_t n = (size_t)ir_tensor_numel(x), ny = (size_t)ir_tensor_numel(g->tensors[g->outputs[0]]);
	struct model *ms[2] = { a, b };
	int ret;

	for (int i = 0; i < 2; i++) {
		float *in = accelrt_model_input_map(ms[i]->sets[0], 0);

		for (size_t k = 0; k < n; k++)
			in[k] = (float)((k * 7919) % 1000) / 500.0f - 1.0f;
		memset(accelrt_model_output_map(ms[i]->sets[0], 0), 0xff, ny * sizeof(float));
		ret = accelrt_model_run_sync(ms[i]->m, ms[i]->sets[0], 0);
		if (ret)
			die("accelrt_model_run_sync", ret);
	}
	if (memcmp(accelrt_model_output_map(a->sets[0], 0), accelrt_model_output_map(b->sets[0], 0),
		   ny * sizeof(float))) {
		fprintf(stderr, "bench_dma_io: the DMA-io program's output differs from the default's\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct bench_result def_tp, dma_tp, def_lat, dma_lat;
	struct model def = { 0 }, dma = { 0 };
	struct accelrt_device *dev;
	struct ir_graph *g;
	char root[32], path[64];
	int ret;

	(void)argc;
	(void)argv;
	setenv("ACCEL_ROOT", bench_tmproot(root), 1);
	setenv("ACCEL_REFRESH_MS", "0", 1);
	if (accel_embedded_start("[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 600000\n"))
		die("accel_embedded_start", errno);
	ret = accelrt_device_open(NULL, &dev);
	if (ret)
		die("accelrt_device_open", ret);
	g = conv_graph();
	snprintf(path, sizeof(path), "%s/conv.onnx", root);
	ret = onnx_export_file(g, path);
	if (ret)
		die("onnx_export_file", ret);
	model_load(dev, path, false, &def);
	model_load(dev, path, true, &dma);
	check_same_outputs(g, &def, &dma);

	def_tp = bench_run(run_in_flight, &def, 64, 11);
	dma_tp = bench_run(run_in_flight, &dma, 64, 11);
	def_lat = bench_run(run_one_at_a_time, &def, 32, 11);
	dma_lat = bench_run(run_one_at_a_time, &dma, 32, 11);
	bench_report("conv 1x3x224x224 model, 4 in flight, DMA-io (ns per inference)", "ns",
		     dma_tp, "default (one SUBMIT per inference), 4 in flight", def_tp, "< 1");
	bench_report("conv 1x3x224x224 model, one at a time, DMA-io (latency)", "ns", dma_lat,
		     "default (one SUBMIT per inference), latency", def_lat, "");

	model_free(&dma);
	model_free(&def);
	ir_graph_destroy(g);
	accelrt_device_close(dev);
	unlink(path);
	return 0;
}
