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

/* DIR/NAME_0.pb, or NULL when absent (*@ret 0) or unreadable (*@ret RV_USAGE). */
static struct ir_tensor *read_pb(const char *dir, const char *name, int *ret)
{
	struct ir_tensor *t = NULL;
	char path[4096], err[512];

	*ret = 0;
	if (!dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s_0.pb", dir, name);
	if (access(path, F_OK))
		return NULL;
	if (onnx_tensor_read_file(path, &t, err, sizeof(err))) {
		fprintf(stderr, "%s run: %s\n", accel_prog, err);
		*ret = RV_USAGE;
	}
	return t;
}

int run_vedge(const struct run_vedge_opts *o)
{
	struct vedge_model_options mo = { .calibration = o->calibration };
	const struct vedge_program *p;
	struct vedge_model *m = NULL;
	struct ir_tensor *in = NULL, *ref = NULL;
	struct ir_graph *g = NULL;
	float *x = NULL, *y = NULL;
	size_t per_in, per_out, top1 = 0, rows = 0;
	struct tensor_compare_result r = { 0 };
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
	per_in = (size_t)ir_tensor_numel(g->tensors[g->inputs[0]]);
	in = read_pb(o->data, "input", &ret);
	if (ret)
		goto out;
	mo.batch = o->batch;
	if (!mo.batch)
		mo.batch = in ? (int64_t)((size_t)ir_tensor_numel(in) / per_in) : 1;
	if (in && (in->dtype != IR_DTYPE_FLOAT || (size_t)ir_tensor_numel(in) != per_in * (size_t)mo.batch)) {
		fprintf(stderr, "%s run: %s/input_0.pb: not %lld float images of %zu elements\n",
			accel_prog, o->data, (long long)mo.batch, per_in);
		ret = RV_USAGE;
		goto out;
	}
	ret = vedge_model_load(o->device, g, &mo, &m, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s run: %s\n", accel_prog, err);
		ret = ret == -ENOMEM ? RV_DEVICE : RV_USAGE;
		goto out;
	}
	p = vedge_model_program(m);
	per_out = p->out.bytes;
	if (o->verbose && !o->json)
		vedge_program_print_plan(p, stdout);
	x = calloc(per_in * (size_t)p->batch, sizeof(float));
	y = calloc(per_out * (size_t)p->batch, sizeof(float));
	if (!x || !y) {
		ret = RV_DEVICE;
		goto out;
	}
	if (in)
		memcpy(x, in->data, per_in * (size_t)p->batch * sizeof(float));
	for (long i = 0; i <= o->iterations; i++) {
		double t0 = now_ms();

		ret = vedge_model_run(m, x, y);
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
	ref = read_pb(o->data, "output", &ret);
	if (ret)
		goto out;
	if (ref) {
		onnx_tensor_as_declared(ref, IR_DTYPE_FLOAT);
		if (tensor_compare(ref, IR_DTYPE_FLOAT, y, per_out * (size_t)p->batch, o->rtol, o->atol,
				   &r)) {
			fprintf(stderr, "%s run: %s/output_0.pb: not %zu floats\n", accel_prog, o->data,
				per_out * (size_t)p->batch);
			ret = RV_USAGE;
			goto out;
		}
		if (p->out.rank == 2 && per_out > 1) {
			rows = (size_t)p->batch;
			for (size_t i = 0; i < rows; i++)
				top1 += argmax(y + i * per_out, per_out) ==
					argmax((const float *)ref->data + i * per_out, per_out);
		}
		json_object_object_add(j, "max_abs_err", json_object_new_double(r.max_abs));
		json_object_object_add(j, "mismatches", json_object_new_int64((int64_t)r.mismatches));
		if (rows)
			json_object_object_add(j, "top1_agree", json_object_new_int64((int64_t)top1));
		if (!o->json) {
			printf("output 0: max_abs_err=%.3g mismatches=%zu (rtol %g, atol %g)",
			       r.max_abs, r.mismatches, o->rtol, o->atol);
			if (rows)
				printf("; top-1 class equal in %zu of %zu rows", top1, rows);
			printf(" %s\n", r.mismatches ? "FAIL" : "PASS");
		}
		ret = r.mismatches ? RV_MISMATCH : RV_OK;
	}
	json_object_object_add(j, "result", json_object_new_string(ret ? "FAIL" : "PASS"));
	if (o->json)
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
out:
	json_object_put(j);
	free(x);
	free(y);
	if (in)
		ir_tensor_free(in);
	if (ref)
		ir_tensor_free(ref);
	vedge_model_free(m);
	ir_graph_destroy(g);
	return ret;
}
