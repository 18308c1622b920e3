// SPDX-License-Identifier: MIT
/*
 * `accel compile --device NODE` where NODE is a vedge device (compile_vedge.h): quantize the
 * model (--calibration DIR, else the model's own test_data_set_N inputs), compile it for the
 * node's parameters (DMA, SRAM size) with compiler/codegen_vedge.h, write the int8 graph it
 * compiled to -o, and report the plan: a summary, every job with --verbose, all in --json.
 */
#include "compile_vedge.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include <libaccel.h>
#include <uapi/drm/vedge_accel.h>

#include "accel.h"
#include "compiler/codegen_vedge.h"
#include "compiler/onnx_export.h"
#include "runtime/model/model_vedge.h"

enum { CV_OK, CV_FAIL, CV_USAGE, CV_DEVICE };

static int node_params(const char *node, struct vedge_target *t)
{
	struct drm_vedge_get_param dma = { .param = VEDGE_PARAM_HAS_DMA };
	struct drm_vedge_get_param sram = { .param = VEDGE_PARAM_SRAM_SIZE };
	int fd = accel_sys_open(node, O_RDWR | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (accel_sys_ioctl(fd, DRM_IOCTL_VEDGE_GET_PARAM, &dma) ||
	    accel_sys_ioctl(fd, DRM_IOCTL_VEDGE_GET_PARAM, &sram))
		ret = -errno;
	accel_sys_close(fd);
	t->has_dma = dma.value;
	t->sram_size = (uint32_t)sram.value;
	return ret;
}

static json_object *plan_json(const struct vedge_program *p)
{
	json_object *j = json_object_new_object(), *jobs = json_object_new_array();

	json_object_object_add(j, "has_dma", json_object_new_boolean(p->has_dma));
	json_object_object_add(j, "sram_size", json_object_new_int64(p->sram_size));
	json_object_object_add(j, "mode", json_object_new_string(p->mode));
	json_object_object_add(j, "batch", json_object_new_int64(p->batch));
	json_object_object_add(j, "layers", json_object_new_int64((int64_t)p->n_layers));
	json_object_object_add(j, "tiles", json_object_new_int64((int64_t)p->tiles));
	json_object_object_add(j, "const_bytes", json_object_new_int64((int64_t)p->const_size));
	json_object_object_add(j, "act_bytes", json_object_new_int64((int64_t)p->act_size));
	for (size_t i = 0; i < p->n_jobs; i++) {
		const struct vedge_job_plan *jp = &p->jobs[i];
		json_object *jj = json_object_new_object(), *regs = json_object_new_array();

		json_object_object_add(jj, "what", json_object_new_string(jp->what));
		json_object_object_add(jj, "commands", json_object_new_int64((int64_t)jp->n_cmds));
		json_object_object_add(jj, "sram_used", json_object_new_int64((int64_t)jp->sram_used));
		for (unsigned int r = 0; r < jp->n_regions; r++) {
			json_object *jr = json_object_new_object();

			json_object_object_add(jr, "buffer",
					       json_object_new_string(vedge_buf_name(jp->regions[r].buf)));
			json_object_object_add(jr, "offset", json_object_new_int64(jp->regions[r].offset));
			json_object_object_add(jr, "size", json_object_new_int64(jp->regions[r].size));
			json_object_object_add(jr, "write", json_object_new_boolean(jp->regions[r].write));
			json_object_array_add(regs, jr);
		}
		json_object_object_add(jj, "regions", regs);
		json_object_array_add(jobs, jj);
	}
	json_object_object_add(j, "jobs", jobs);
	return j;
}

int compile_vedge(const struct compile_vedge_opts *o)
{
	struct vedge_model_options mo = { .calibration = o->calibration };
	struct vedge_target t = { .batch = o->batch > 0 ? o->batch : 1 };
	struct vedge_program *p = NULL;
	struct ir_graph *g = NULL;
	char err[512] = "";
	int ret;

	ret = node_params(o->device, &t);
	if (ret) {
		fprintf(stderr, "%s compile: %s: %s\n", accel_prog, o->device, strerror(-ret));
		return CV_DEVICE;
	}
	ret = vedge_model_quantize(o->model, &mo, &g, err, sizeof(err));
	if (!ret)
		ret = vedge_codegen(g, &t, &p, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s compile: %s\n", accel_prog, err[0] ? err : strerror(-ret));
		ret = ret == -ENOMEM ? CV_FAIL : CV_USAGE;
		goto out;
	}
	ret = onnx_export_file(g, o->output);
	if (ret) {
		fprintf(stderr, "%s compile: %s: %s\n", accel_prog, o->output, strerror(-ret));
		ret = CV_FAIL;
		goto out;
	}
	if (o->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "model", json_object_new_string(o->model));
		json_object_object_add(j, "output", json_object_new_string(o->output));
		json_object_object_add(j, "device", json_object_new_string(o->device));
		json_object_object_add(j, "driver", json_object_new_string("vedge"));
		json_object_object_add(j, "plan", plan_json(p));
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
		json_object_put(j);
	} else if (o->verbose) {
		printf("compile %s for %s (vedge) -> %s (the int8 graph)\n", o->model, o->device,
		       o->output);
		vedge_program_print_plan(p, stdout);
	} else {
		printf("compile %s for %s (vedge, %s, SRAM %u) -> %s (the int8 graph): %zu layers, "
		       "%s plan, %zu jobs, %zu tiles\n", o->model, o->device,
		       p->has_dma ? "DMA" : "no DMA", p->sram_size, o->output, p->n_layers, p->mode,
		       p->n_jobs, p->tiles);
	}
	ret = CV_OK;
out:
	vedge_program_free(p);
	ir_graph_destroy(g);
	return ret;
}
