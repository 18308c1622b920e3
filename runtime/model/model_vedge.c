// SPDX-License-Identifier: MIT
/*
 * A model on a vedge node (model_vedge.h). One buffer object per program buffer (constants,
 * input, output, activations) and one holding every job's stream; per run the host quantizes
 * the input into the input object, submits the jobs in order, job i waiting for job i - 1's
 * syncobj (one file is one scheduler entity, so they run in order anyway; the dependency says
 * so rather than relying on it), waits for the last, and dequantizes the output object.
 */
#define _GNU_SOURCE
#include "runtime/model/model_vedge.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vedge_accel.h>

#include "compiler/onnx_import.h"
#include "compiler/onnx_tensor.h"
#include "compiler/passes/passes.h"
#include "compiler/passes/quantize.h"
#include "compiler/quant_params.h"

struct vbo {
	uint32_t handle;
	size_t size;
	uint8_t *map;
};

struct vedge_model {
	int fd;
	struct vedge_program *prog;
	struct vbo buf[VEDGE_BUF_COUNT];
	struct vbo cmd;
	uint64_t *cmd_off;		/* each job's stream in @cmd */
	uint32_t *sync;			/* one syncobj per job */
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	return accel_sys_ioctl(fd, req, arg) ? -errno : 0;
}

int vedge_node_is_vedge(const char *node)
{
	char name[64] = "";
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
	int fd = accel_sys_open(node, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = xioctl(fd, DRM_IOCTL_VERSION, &v);
	accel_sys_close(fd);
	return ret ? ret : !strcmp(name, "vedge");
}

/*
 * Calibrate batch-1 graph @g on the sample in @dir: its input_0.pb may hold several images
 * (a test set of batch N), each calibrates on its own.
 */
static int calibrate_sample(struct ir_graph *g, struct quant_calibration *cal, const char *dir,
			    char *err, size_t err_len)
{
	const struct ir_tensor *x = g->tensors[g->inputs[0]];
	size_t per = (size_t)ir_tensor_numel(x);
	struct ir_tensor *t = NULL;
	char path[4096];
	int ret;

	if (g->n_inputs != 1 || x->dtype != IR_DTYPE_FLOAT)
		return quant_calibrate_sample(g, cal, dir, err, err_len);
	snprintf(path, sizeof(path), "%s/input_0.pb", dir);
	ret = onnx_tensor_read_file(path, &t, err, err_len);
	if (ret)
		return ret;
	if (t->dtype != IR_DTYPE_FLOAT || !per || (size_t)ir_tensor_numel(t) % per) {
		snprintf(err, err_len, "%s: not float images of %zu elements", path, per);
		ir_tensor_free(t);
		return -EINVAL;
	}
	for (size_t i = 0; !ret && i < (size_t)ir_tensor_numel(t) / per; i++) {
		void *in[1] = { (float *)t->data + i * per };

		ret = quant_calibrate(g, cal, in, err, err_len);
	}
	ir_tensor_free(t);
	return ret;
}

int vedge_model_quantize(const char *path, const struct vedge_model_options *o,
			 struct ir_graph **out, char *err, size_t err_len)
{
	struct onnx_import_options io = { .batch = 1 };
	struct quant_calibration cal = { 0 };
	struct quantize_report qr;
	struct ir_graph *g = NULL;
	char **samples = NULL, *dir = NULL;
	size_t n_samples = 0, given;
	int ret;

	*out = NULL;
	if (err_len)
		err[0] = '\0';
	ret = onnx_import_file(path, &io, &g, err, err_len);
	if (!ret)
		ret = ir_passes_run(g, NULL, NULL, err, err_len);
	if (!ret)
		ret = quant_unfuse_table_activations(g, NULL);
	if (!ret)
		ret = quant_calibration_init(g, &cal);
	if (ret)
		goto out;
	if (o->calibration || !o->calib_images) {
		/* The model's own test_data_set_N when no directory is given. */
		dir = o->calibration ? strdup(o->calibration) : strdup(path);
		if (!dir) {
			ret = -ENOMEM;
			goto out;
		}
		ret = quant_calibration_list(o->calibration ? dir : dirname(dir), &samples,
					     &n_samples);
		if (ret) {
			snprintf(err, err_len, "%s: no calibration samples (input_0.pb)",
				 o->calibration ? o->calibration : "the model's directory");
			goto out;
		}
		for (size_t i = 0; !ret && i < n_samples; i++)
			ret = calibrate_sample(g, &cal, samples[i], err, err_len);
	} else {
		const struct ir_tensor *x = g->tensors[g->inputs[0]];
		size_t per = (size_t)ir_tensor_numel(x);

		if (g->n_inputs != 1 || x->dtype != IR_DTYPE_FLOAT) {
			ret = -EOPNOTSUPP;
			snprintf(err, err_len, "calibration images want one float input");
			goto out;
		}
		for (size_t i = 0; !ret && i < o->calib_count; i++) {
			void *in[1] = { (void *)(o->calib_images + i * per) };

			ret = quant_calibrate(g, &cal, in, err, err_len);
		}
	}
	if (!ret)
		ret = ir_pass_quantize_flags(g, &cal, QUANTIZE_F_DEVICE_OPS, &qr, err, err_len);
	if (!ret)
		ret = ir_pass_quant_fixed_point(g, &given);
out:
	if (ret && err_len && !err[0])
		snprintf(err, err_len, "%s: %s", path, strerror(-ret));
	quant_calibration_free(&cal);
	quant_calibration_list_free(samples, n_samples);
	free(dir);
	if (ret)
		ir_graph_destroy(g);
	else
		*out = g;
	return ret;
}

static int bo_new(int fd, size_t size, struct vbo *bo)
{
	struct drm_vedge_bo_create c = { .size = size ? size : 1 };
	struct drm_vedge_bo_mmap m = { 0 };
	int ret = xioctl(fd, DRM_IOCTL_VEDGE_BO_CREATE, &c);

	if (ret)
		return ret;
	bo->handle = c.handle;
	bo->size = (c.size + 4095) & ~(size_t)4095;
	m.handle = c.handle;
	ret = xioctl(fd, DRM_IOCTL_VEDGE_BO_MMAP, &m);
	if (!ret) {
		bo->map = accel_sys_mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
					 (off_t)m.offset);
		if (bo->map == MAP_FAILED)
			ret = -errno;
	}
	if (ret) {
		struct drm_gem_close cl = { .handle = c.handle };

		bo->map = NULL;
		xioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
		bo->handle = 0;
	}
	return ret;
}

static void bo_free(int fd, struct vbo *bo)
{
	struct drm_gem_close cl = { .handle = bo->handle };

	if (!bo->handle)
		return;
	if (bo->map)
		accel_sys_munmap(bo->map, bo->size);
	xioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	bo->handle = 0;
}

static int get_param(int fd, uint32_t p, uint64_t *v)
{
	struct drm_vedge_get_param gp = { .param = p };
	int ret = xioctl(fd, DRM_IOCTL_VEDGE_GET_PARAM, &gp);

	*v = gp.value;
	return ret;
}

int vedge_model_load(const char *node, const struct ir_graph *g,
		     const struct vedge_model_options *o, struct vedge_model **out, char *err,
		     size_t err_len)
{
	struct vedge_target t = { .batch = o->batch > 0 ? o->batch : 1,
				  .force_layers = o->force_layers };
	struct vedge_model *m;
	uint64_t has_dma, sram, cmd_bytes = 0;
	size_t sizes[VEDGE_BUF_COUNT];
	int ret;

	*out = NULL;
	ret = vedge_node_is_vedge(node);
	if (ret <= 0) {
		snprintf(err, err_len, "%s: %s", node, ret ? strerror(-ret) : "not a vedge device");
		return ret ? ret : -ENODEV;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fd = accel_sys_open(node, O_RDWR | O_CLOEXEC);
	if (m->fd < 0) {
		ret = -errno;
		free(m);
		return ret;
	}
	ret = get_param(m->fd, VEDGE_PARAM_HAS_DMA, &has_dma);
	if (!ret)
		ret = get_param(m->fd, VEDGE_PARAM_SRAM_SIZE, &sram);
	if (ret)
		goto fail;
	t.has_dma = has_dma;
	t.sram_size = (uint32_t)sram;
	ret = vedge_codegen(g, &t, &m->prog, err, err_len);
	if (ret)
		goto fail;
	sizes[VEDGE_BUF_CONST] = m->prog->const_size;
	sizes[VEDGE_BUF_INPUT] = m->prog->in_size;
	sizes[VEDGE_BUF_OUTPUT] = m->prog->out_size;
	sizes[VEDGE_BUF_ACT] = m->prog->act_size;
	sizes[VEDGE_BUF_STATUS] = m->prog->n_jobs;
	for (int b = 0; b < VEDGE_BUF_COUNT && !ret; b++)
		if (sizes[b])
			ret = bo_new(m->fd, sizes[b], &m->buf[b]);
	m->cmd_off = calloc(m->prog->n_jobs, sizeof(*m->cmd_off));
	m->sync = calloc(m->prog->n_jobs, sizeof(*m->sync));
	if (!ret && (!m->cmd_off || !m->sync))
		ret = -ENOMEM;
	for (size_t i = 0; !ret && i < m->prog->n_jobs; i++) {
		struct drm_syncobj_create sc = { 0 };

		m->cmd_off[i] = cmd_bytes;
		cmd_bytes += m->prog->jobs[i].n_cmds * sizeof(struct vedge_cmd);
		ret = xioctl(m->fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc);
		m->sync[i] = sc.handle;
	}
	if (!ret)
		ret = bo_new(m->fd, cmd_bytes, &m->cmd);
	if (ret)
		goto fail;
	memcpy(m->buf[VEDGE_BUF_CONST].map, m->prog->consts, m->prog->const_size);
	for (size_t i = 0; i < m->prog->n_jobs; i++)
		memcpy(m->cmd.map + m->cmd_off[i], m->prog->jobs[i].cmds,
		       m->prog->jobs[i].n_cmds * sizeof(struct vedge_cmd));
	*out = m;
	return 0;
fail:
	if (err_len && !err[0])
		snprintf(err, err_len, "%s: %s", node, strerror(-ret));
	vedge_model_free(m);
	return ret;
}

const struct vedge_program *vedge_model_program(const struct vedge_model *m)
{
	return m->prog;
}

/* Float NCHW image(s) -> int8 NHWC, as QuantizeLinear: x / scale in float, half to even. */
static void quantize_input(const struct vedge_program *p, const struct vedge_io *io,
			   const float *in, int8_t *q)
{
	size_t hw = (size_t)(io->h * io->w);

	for (int64_t b = 0; b < p->batch; b++)
		for (size_t c = 0; c < (size_t)io->c; c++)
			for (size_t i = 0; i < hw; i++) {
				float x = in[(size_t)b * io->bytes + c * hw + i];
				double v = quant_round_half_even((double)(x / io->scale)) + io->zero_point;

				q[(size_t)b * io->bytes + i * (size_t)io->c + c] =
					(int8_t)quant_saturate((int64_t)v, -128, 127);
			}
}

/* int8 NHWC -> float NCHW, as DequantizeLinear: (q - zp) * scale in float. */
static void dequantize_output(const struct vedge_program *p, const struct vedge_io *io,
			      const int8_t *q, float *out)
{
	size_t hw = (size_t)(io->h * io->w);

	for (int64_t b = 0; b < p->batch; b++)
		for (size_t c = 0; c < (size_t)io->c; c++)
			for (size_t i = 0; i < hw; i++)
				out[(size_t)b * io->bytes + c * hw + i] =
					((float)q[(size_t)b * io->bytes + i * (size_t)io->c + c] -
					 (float)io->zero_point) * io->scale;
}

int vedge_model_run(struct vedge_model *m, const float *in, float *out)
{
	const struct vedge_program *p = m->prog;
	const float *ins[VEDGE_MAX_IO];
	float *outs[VEDGE_MAX_IO];

	for (size_t k = 0; k < p->n_in; k++) {
		ins[k] = in;
		in += (size_t)p->batch * p->in[k].bytes;
	}
	for (size_t k = 0; k < p->n_out; k++) {
		outs[k] = out;
		out += (size_t)p->batch * p->out[k].bytes;
	}
	return vedge_model_run_io(m, ins, outs);
}

int vedge_model_run_io(struct vedge_model *m, const float *const *in, float *const *out)
{
	const struct vedge_program *p = m->prog;
	struct drm_syncobj_wait w = { .count_handles = 1, .timeout_nsec = INT64_MAX };
	int ret = 0;

	for (size_t k = 0; k < p->n_in; k++)
		quantize_input(p, &p->in[k], in[k],
			       (int8_t *)m->buf[VEDGE_BUF_INPUT].map + p->in[k].off);
	memset(m->buf[VEDGE_BUF_STATUS].map, 0, p->n_jobs);
	for (size_t i = 0; i < p->n_jobs && !ret; i++) {
		const struct vedge_job_plan *j = &p->jobs[i];
		struct drm_vedge_region r[VEDGE_MAX_REGIONS];
		struct drm_vedge_submit s = {
			.cmd_handle = m->cmd.handle,
			.cmd_offset = m->cmd_off[i],
			.cmd_size = j->n_cmds * sizeof(struct vedge_cmd),
			.regions = (uintptr_t)r,
			.region_count = j->n_regions,
			.out_sync = m->sync[i],
		};

		if (i) {
			s.in_syncs = (uintptr_t)&m->sync[i - 1];
			s.in_sync_count = 1;
		}
		for (unsigned int k = 0; k < j->n_regions; k++)
			r[k] = (struct drm_vedge_region){
				.handle = m->buf[j->regions[k].buf].handle,
				.flags = j->regions[k].write ? VEDGE_REGION_F_WRITE : 0,
				.offset = j->regions[k].offset,
				.size = j->regions[k].size,
			};
		ret = xioctl(m->fd, DRM_IOCTL_VEDGE_SUBMIT, &s);
	}
	if (p->n_jobs) {
		/* Even after a failed SUBMIT, wait for what was queued before reading back. */
		size_t last = ret ? 0 : p->n_jobs - 1;
		int wret;

		w.handles = (uintptr_t)&m->sync[last];
		wret = ret ? 0 : xioctl(m->fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
		if (!ret)
			ret = wret;
	}
	/* A job that failed, timed out or never ran left its status byte clear. */
	for (size_t i = 0; !ret && i < p->n_jobs; i++)
		if (m->buf[VEDGE_BUF_STATUS].map[i] != VEDGE_JOB_DONE)
			ret = -EIO;
	for (size_t k = 0; !ret && k < p->n_out; k++)
		dequantize_output(p, &p->out[k],
				  (const int8_t *)m->buf[VEDGE_BUF_OUTPUT].map + p->out[k].off, out[k]);
	return ret;
}

void vedge_model_free(struct vedge_model *m)
{
	if (!m)
		return;
	if (m->sync) {
		for (size_t i = 0; i < m->prog->n_jobs; i++) {
			struct drm_syncobj_destroy d = { .handle = m->sync[i] };

			if (m->sync[i])
				xioctl(m->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
		}
	}
	bo_free(m->fd, &m->cmd);
	for (int b = 0; b < VEDGE_BUF_COUNT; b++)
		bo_free(m->fd, &m->buf[b]);
	free(m->cmd_off);
	free(m->sync);
	vedge_program_free(m->prog);
	accel_sys_close(m->fd);
	free(m);
}
