// SPDX-License-Identifier: MIT
/*
 * The compile pipeline: import -> passes -> codegen, timed per phase (compiler/compile.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compiler/compile.h"
#include "compiler/onnx_import.h"

static const char *const phase_names[COMPILE_NPHASES] = {
	[COMPILE_PHASE_IMPORT] = "import",
	[COMPILE_PHASE_PASSES] = "passes",
	[COMPILE_PHASE_CODEGEN] = "codegen",
};

const char *compile_phase_name(enum compile_phase phase)
{
	return (unsigned int)phase < COMPILE_NPHASES ? phase_names[phase] : "?";
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Start phase @ph: tell the front end, note the time. */
static double phase_start(const struct compile_options *o, struct compile_result *r,
			  enum compile_phase ph)
{
	r->failed = ph;
	if (o->progress)
		o->progress(o->progress_ctx, ph);
	return now_ms();
}

int compile_model_file(const char *path, const struct compile_options *o,
		       struct compile_result *r, char *err, size_t err_len)
{
	static const struct compile_options defaults;
	struct onnx_import_options io = { 0 };
	struct ir_pass_options po = { .passes = IR_PASS_ALL };
	double t0;
	int ret;

	if (!o)
		o = &defaults;
	memset(r, 0, sizeof(*r));
	if (err_len)
		err[0] = '\0';
	io.batch = o->batch;
	io.shapes = o->shapes;
	io.n_shapes = o->n_shapes;
	io.shapes_from_values = o->shapes_from_values;
	io.input_value = o->input_value;
	io.input_value_ctx = o->input_value_ctx;

	t0 = phase_start(o, r, COMPILE_PHASE_IMPORT);
	ret = onnx_import_file(path, &io, &r->g, err, err_len);
	r->ms[COMPILE_PHASE_IMPORT] = now_ms() - t0;
	if (ret)
		return ret;

	t0 = phase_start(o, r, COMPILE_PHASE_PASSES);
	if (o->no_passes)
		po.passes = 0;
	ret = ir_passes_run(r->g, &po, &r->passes, err, err_len);
	r->ms[COMPILE_PHASE_PASSES] = now_ms() - t0;
	if (ret)
		goto fail;

	t0 = phase_start(o, r, COMPILE_PHASE_CODEGEN);
	/* Always profiled: any program runs with per-node times (`accel run --profile`). */
	ret = codegen_vnpu_opts(r->g, &(struct codegen_vnpu_options){ .profile = true,
				.dma_io = o->dma_io }, &r->prog, err, err_len);
	r->ms[COMPILE_PHASE_CODEGEN] = now_ms() - t0;
	if (ret)
		goto fail;
	return 0;
fail:
	ir_graph_destroy(r->g);
	r->g = NULL;
	return ret;
}

void compile_result_free(struct compile_result *r)
{
	codegen_vnpu_free(r->prog);
	ir_graph_destroy(r->g);
	r->prog = NULL;
	r->g = NULL;
}
