// SPDX-License-Identifier: MIT
/*
 * `accel run --device NODE MODEL.onnx` on a vedge node (run_vedge.h): quantize the model
 * (calibration: --calibration DIR, else the model's own test_data_set_N inputs), compile it
 * for the node (codegen_vedge.h), run it on --data's input (all its images: the program's
 * batch), and compare the dequantized output with output_0.pb at the tolerance given, and
 * for [N, K] outputs also the top-1 class of each row. Same exit statuses as `accel run`.
 */
#include "run_vedge.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compiler/onnx_tensor.h"
#include "compiler/tensor_compare.h"
#include "runtime/model/model_vedge.h"
#include "accel.h"

enum { RV_OK, RV_MISMATCH, RV_USAGE, RV_DEVICE };

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int argmax(const float *v, size_t n)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return (int)best;
}

/* DIR/NAME_K.pb, or NULL when absent (*@ret 0) or unreadable (*@ret RV_USAGE). */
static struct ir_tensor *read_pb(const char *dir, const char *name, size_t k, int *ret)
{
	struct ir_tensor *t = NULL;
	char path[4096], err[512];

	*ret = 0;
	if (!dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s_%zu.pb", dir, name, k);
	if (access(path, F_OK))
		return NULL;
	if (onnx_tensor_read_file(path, &t, err, sizeof(err))) {
		fprintf(stderr, "%s run: %s\n", accel_prog, err);
		*ret = RV_USAGE;
	}
	return t;
}

/*
 * Output @k of the run, @y, against DIR/output_K.pb when there is one: into @j, printed
 * unless JSON. RV_OK, RV_MISMATCH, RV_USAGE; -1 when there is no reference.
 */
static int compare_output(const struct run_vedge_opts *o, const struct vedge_program *p,
			  size_t k, const float *y, json_object *j)
{
	size_t per_out = p->out[k].bytes, top1 = 0, rows = 0;
	struct tensor_compare_result r = { 0 };
	struct ir_tensor *ref;
	json_object *jo;
	int ret;

	ref = read_pb(o->data, "output", k, &ret);
	if (ret || !ref)
		return ret ? ret : -1;
	onnx_tensor_as_declared(ref, IR_DTYPE_FLOAT);
	if (tensor_compare(ref, IR_DTYPE_FLOAT, y, per_out * (size_t)p->batch, o->rtol, o->atol,
			   &r)) {
		fprintf(stderr, "%s run: %s/output_%zu.pb: not %zu floats\n", accel_prog, o->data, k,
			per_out * (size_t)p->batch);
		ir_tensor_free(ref);
		return RV_USAGE;
	}
	if (p->out[k].rank == 2 && per_out > 1) {
		rows = (size_t)p->batch;
		for (size_t i = 0; i < rows; i++)
			top1 += argmax(y + i * per_out, per_out) ==
				argmax((const float *)ref->data + i * per_out, per_out);
	}
	ir_tensor_free(ref);
	/* The first output's figures at the top level, as with one output. */
	jo = k ? json_object_new_object() : j;
	json_object_object_add(jo, "max_abs_err", json_object_new_double(r.max_abs));
	json_object_object_add(jo, "mismatches", json_object_new_int64((int64_t)r.mismatches));
	if (rows)
		json_object_object_add(jo, "top1_agree", json_object_new_int64((int64_t)top1));
	if (k) {
		char key[32];

		snprintf(key, sizeof(key), "output_%zu", k);
		json_object_object_add(j, key, jo);
	}
	if (!o->json) {
		printf("output %zu: max_abs_err=%.3g mismatches=%zu (rtol %g, atol %g)", k,
		       r.max_abs, r.mismatches, o->rtol, o->atol);
		if (rows)
			printf("; top-1 class equal in %zu of %zu rows", top1, rows);
		printf(" %s\n", r.mismatches ? "FAIL" : "PASS");
	}
	return r.mismatches ? RV_MISMATCH : RV_OK;
}

int run_vedge(const struct run_vedge_opts *o)
{
	struct vedge_model_options mo = { .calibration = o->calibration };
	const struct vedge_program *p;
	struct vedge_model *m = NULL;
	struct ir_tensor *in[VEDGE_MAX_IO] = { NULL };
	struct ir_graph *g = NULL;
	float *x[VEDGE_MAX_IO] = { NULL }, *y[VEDGE_MAX_IO] = { NULL };
	size_t n_in = 0;
	json_object *j = json_object_new_object();
	char err[512] = "";
	double ms = 0;
	int ret;

	ret = vedge_model_quantize(o->model, &mo, &g, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s run: %s\n", accel_prog, err);
		ret = RV_USAGE;
		goto out;
	}
	n_in = g->n_inputs < VEDGE_MAX_IO ? g->n_inputs : VEDGE_MAX_IO;
	mo.batch = o->batch;
	for (size_t k = 0; k < n_in; k++) {
		size_t per_in = (size_t)ir_tensor_numel(g->tensors[g->inputs[k]]);

		in[k] = read_pb(o->data, "input", k, &ret);
		if (ret)
			goto out;
		if (!mo.batch)
			mo.batch = in[k] ? (int64_t)((size_t)ir_tensor_numel(in[k]) / per_in) : 1;
		if (in[k] && (in[k]->dtype != IR_DTYPE_FLOAT ||
			      (size_t)ir_tensor_numel(in[k]) != per_in * (size_t)mo.batch)) {
			fprintf(stderr, "%s run: %s/input_%zu.pb: not %lld float images of %zu "
				"elements\n", accel_prog, o->data, k, (long long)mo.batch, per_in);
			ret = RV_USAGE;
			goto out;
		}
	}
	ret = vedge_model_load(o->device, g, &mo, &m, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s run: %s\n", accel_prog, err);
		ret = ret == -ENOMEM ? RV_DEVICE : RV_USAGE;
		goto out;
	}
	p = vedge_model_program(m);
	if (o->verbose && !o->json)
		vedge_program_print_plan(p, stdout);
	for (size_t k = 0; k < p->n_in; k++) {
		x[k] = calloc(p->in[k].bytes * (size_t)p->batch + 1, sizeof(float));
		if (!x[k]) {
			ret = RV_DEVICE;
			goto out;
		}
		if (in[k])
			memcpy(x[k], in[k]->data, p->in[k].bytes * (size_t)p->batch * sizeof(float));
	}
	for (size_t k = 0; k < p->n_out; k++) {
		y[k] = calloc(p->out[k].bytes * (size_t)p->batch + 1, sizeof(float));
		if (!y[k]) {
			ret = RV_DEVICE;
			goto out;
		}
	}
	for (long i = 0; i <= o->iterations; i++) {
		double t0 = now_ms();

		ret = vedge_model_run_io(m, (const float *const *)x, y);
		if (ret) {
			fprintf(stderr, "%s run: %s: %s\n", accel_prog, o->device, strerror(-ret));
			ret = RV_DEVICE;
			goto out;
		}
		ms = now_ms() - t0;
	}
	json_object_object_add(j, "model", json_object_new_string(o->model));
	json_object_object_add(j, "device", json_object_new_string(o->device));
	json_object_object_add(j, "driver", json_object_new_string("vedge"));
	json_object_object_add(j, "mode", json_object_new_string(p->mode));
	json_object_object_add(j, "jobs", json_object_new_int64((int64_t)p->n_jobs));
	json_object_object_add(j, "tiles", json_object_new_int64((int64_t)p->tiles));
	json_object_object_add(j, "batch", json_object_new_int64(p->batch));
	json_object_object_add(j, "last_run_ms", json_object_new_double(ms));
	if (!o->json)
		printf("model %s on %s (vedge, %s): int8, %zu layers, %s plan, %zu jobs (%zu tiles), "
		       "batch %lld; last run %.3f ms\n", o->model, o->device,
		       p->has_dma ? "DMA" : "no DMA", p->n_layers, p->mode, p->n_jobs, p->tiles,
		       (long long)p->batch, ms);
	ret = RV_OK;
	for (size_t k = 0; k < p->n_out; k++) {
		int r = compare_output(o, p, k, y[k], j);

		if (r == RV_USAGE) {
			ret = r;
			goto out;
		}
		if (r == RV_MISMATCH)
			ret = r;
	}
	json_object_object_add(j, "result", json_object_new_string(ret ? "FAIL" : "PASS"));
	if (o->json)
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
out:
	json_object_put(j);
	for (size_t k = 0; k < VEDGE_MAX_IO; k++) {
		free(x[k]);
		free(y[k]);
		if (in[k])
			ir_tensor_free(in[k]);
	}
	vedge_model_free(m);
	ir_graph_destroy(g);
	return ret;
}
