// SPDX-License-Identifier: MIT
/*
 * Loading a model onto a device (include/accelrt_model.h): compile the ONNX file (or read the
 * program file), place the slots (model_place.c), refuse a model whose device memory exceeds
 * the device's, give the constants their buffers and contents (model_upload.c), let the
 * packing hook fill its slots (model_pack.h), and make the runtime's program: a device stage
 * per device stage of the compiled program, a host stage (vnpu_host_stage_run(), the
 * compiler's) per host stage.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "model_pack.h"

_Static_assert(sizeof(struct vnpu_prog_reloc) == sizeof(struct accelrt_reloc) &&
	       offsetof(struct vnpu_prog_reloc, offset) == offsetof(struct accelrt_reloc, offset) &&
	       offsetof(struct vnpu_prog_reloc, slot) == offsetof(struct accelrt_reloc, slot) &&
	       offsetof(struct vnpu_prog_reloc, addend) == offsetof(struct accelrt_reloc, addend),
	       "the compiler's relocations are the runtime's");
_Static_assert(VNPU_STAGE_DMA == ACCELRT_STAGE_DMA && VNPU_STAGE_NO_WAIT == ACCELRT_STAGE_NO_WAIT,
	       "the compiler's stage flags are the runtime's");

#define MIB (1ull << 20)

void model_err(const struct accelrt_model_options *o, const char *fmt, ...)
{
	va_list ap;

	if (!o || !o->err || !o->err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(o->err, o->err_len, fmt, ap);
	va_end(ap);
}

/* Record the failed phase and, when the failing layer said nothing, the errno's text. */
static int load_failed(const struct accelrt_model_options *o, enum accelrt_model_phase phase,
		       int ret)
{
	if (o && o->failed)
		*o->failed = phase;
	if (o && o->err && o->err_len && !o->err[0])
		model_err(o, "%s", strerror(-ret));
	return ret;
}

_Static_assert(sizeof(struct accelrt_model_shape) == sizeof(struct onnx_input_shape) &&
	       offsetof(struct accelrt_model_shape, name) == offsetof(struct onnx_input_shape, name) &&
	       offsetof(struct accelrt_model_shape, rank) == offsetof(struct onnx_input_shape, rank) &&
	       offsetof(struct accelrt_model_shape, dims) == offsetof(struct onnx_input_shape, dims),
	       "accelrt_model_shape is onnx_input_shape");

/* The graph and program: compiled from an ONNX model, or read from a program file. */
static int load_program(struct accelrt_model *m, const char *path,
			const struct accelrt_model_options *o)
{
	struct compile_options co = { 0 };
	char *err = o ? o->err : NULL;
	size_t err_len = err ? o->err_len : 0;
	int ret;

	if (program_file_is_program(path)) {
		if (o && o->no_passes) {
			model_err(o, "no_passes is for models; a program is compiled already");
			return -EINVAL;
		}
		if (o && o->n_shapes) {
			model_err(o, "input shapes are for models; a program is compiled already");
			return -EINVAL;
		}
		ret = program_file_read(path, &m->pf, err, err_len);
		if (ret)
			return ret;
		if (o && o->batch && o->batch != m->pf->meta.batch) {
			model_err(o, "the program was compiled for batch %lld, not %lld",
				  (long long)m->pf->meta.batch, (long long)o->batch);
			return -EINVAL;
		}
		m->g = m->pf->g;
		m->prog = m->pf->prog;
		return 0;
	}
	if (o) {
		co.batch = o->batch;
		/* The same three fields, in the same order (a static assertion above). */
		co.shapes = (const struct onnx_input_shape *)o->shapes;
		co.n_shapes = o->n_shapes;
		co.shapes_from_values = o->shapes_from_values;
		co.no_passes = o->no_passes;
		co.dma_io = o->dma_io;
		co.input_value = o->input_value;
		co.input_value_ctx = o->input_value_ctx;
	}
	ret = compile_model_file(path, &co, &m->cr, err, err_len);
	if (ret)
		return ret;
	m->g = m->cr.g;
	m->prog = m->cr.prog;
	return 0;
}

/* Each slot's uses and placement; -ENOSPC when the device slots outgrow the device. */
static int place(struct accelrt_model *m, const struct accelrt_model_options *o)
{
	const struct vnpu_prog *p = m->prog;
	uint64_t need = 0, have = accelrt_device_vram_size(m->dev);

	m->use = model_slot_uses(p, m->g);
	m->host = calloc(p->nslots ? p->nslots : 1, sizeof(*m->host));
	m->shared = calloc(p->nslots ? p->nslots : 1, sizeof(*m->shared));
	m->hstages = calloc(p->nstages ? p->nstages : 1, sizeof(*m->hstages));
	if (!m->use || !m->host || !m->shared || !m->hstages)
		return -ENOMEM;
	for (unsigned int s = 0; s < p->nslots; s++) {
		m->host[s] = model_slot_host_visible(p, s, m->use[s]);
		if (!m->host[s])
			need += model_slot_device_bytes(p->slots[s].size);
	}
	if (need > have) {
		/* Whole MiB, rounded so that the need never reads as less than what there is. */
		model_err(o, "model needs %llu MiB of device memory, %s has %llu MiB",
			  (unsigned long long)((need + MIB - 1) / MIB),
			  o && o->device_name ? o->device_name : "the device",
			  (unsigned long long)(have / MIB));
		return -ENOSPC;
	}
	return 0;
}

/* The model's own buffers: the constants, uploaded; then the packed slots. */
static int load_constants(struct accelrt_model *m, const struct accelrt_model_options *o)
{
	const struct vnpu_prog *p = m->prog;
	int ret;

	for (unsigned int s = 0; s < p->nslots; s++) {
		void *map;

		if (!p->slots[s].data)
			continue;
		ret = accelrt_buffer_alloc(m->dev, p->slots[s].size,
					   m->host[s] ? ACCELRT_BUFFER_HOST : 0, &m->shared[s]);
		if (ret) {
			model_err(o, "constant slot %u of %llu bytes: %s", s,
				  (unsigned long long)p->slots[s].size, strerror(-ret));
			return ret;
		}
		if (m->host[s] && !accelrt_buffer_map(m->shared[s], &map))
			memcpy(map, p->slots[s].data, p->slots[s].size);
	}
	ret = model_upload_constants(m);
	if (ret) {
		model_err(o, "uploading the constants: %s", strerror(-ret));
		return ret;
	}
	ret = vnpu_prog_pack_slots(m->dev, p, m->shared);
	if (ret)
		model_err(o, "packing the weights: %s", strerror(-ret));
	return ret;
}

static int build_program(struct accelrt_model *m, const struct accelrt_model_options *o)
{
	const struct vnpu_prog *p = m->prog;
	int ret;

	ret = accelrt_program_new(m->dev, &m->rtprog);
	for (unsigned int i = 0; i < p->nstages && !ret; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];

		if (s->host) {
			m->hstages[i] = (struct vnpu_host_stage){ .g = m->g, .p = p, .stage = i };
			ret = accelrt_program_add_host(m->rtprog, vnpu_host_stage_run, &m->hstages[i],
						       p->nslots);
		} else {
			ret = accelrt_program_add_stream_flags(m->rtprog, p->stream + s->offset,
				s->len, (const struct accelrt_reloc *)p->relocs + s->reloc_first,
				s->nrelocs, s->flags);
		}
	}
	/* Chained stages (--dma-io) synchronise through the semaphore slot the runtime zeroes. */
	if (!ret && p->sem_slot >= 0)
		ret = accelrt_program_set_semaphores(m->rtprog, (unsigned int)p->sem_slot,
						     p->slots[p->sem_slot].size);
	if (ret)
		model_err(o, "program: %s", strerror(-ret));
	return ret;
}

int accelrt_model_load(struct accelrt_device *dev, const char *path,
		       const struct accelrt_model_options *o, struct accelrt_model **out)
{
	struct accelrt_model *m;
	int ret;

	if (o && o->err && o->err_len)
		o->err[0] = '\0';
	if (!dev || !path || !out) {
		model_err(o, "no device or no path");
		return load_failed(o, ACCELRT_MODEL_PHASE_MODEL, -EINVAL);
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return load_failed(o, ACCELRT_MODEL_PHASE_MODEL, -ENOMEM);
	m->dev = dev;
	ret = load_program(m, path, o);
	if (!ret)
		ret = place(m, o);
	if (ret) {
		load_failed(o, ACCELRT_MODEL_PHASE_MODEL, ret);
		goto fail;
	}
	ret = load_constants(m, o);
	if (!ret)
		ret = build_program(m, o);
	if (ret) {
		load_failed(o, ACCELRT_MODEL_PHASE_DEVICE, ret);
		goto fail;
	}
	*out = m;
	return 0;
fail:
	accelrt_model_free(m);
	return ret;
}

void accelrt_model_free(struct accelrt_model *m)
{
	if (!m)
		return;
	accelrt_program_free(m->rtprog);
	for (unsigned int s = 0; m->shared && s < m->prog->nslots; s++)
		accelrt_buffer_free(m->shared[s]);
	free(m->shared);
	free(m->hstages);
	free(m->host);
	free(m->use);
	compile_result_free(&m->cr);
	program_file_free(m->pf);
	free(m);
}

/* ---- what the model is ------------------------------------------------------------------- */

unsigned int accelrt_model_num_inputs(const struct accelrt_model *m)
{
	return (unsigned int)m->g->n_inputs;
}

unsigned int accelrt_model_num_outputs(const struct accelrt_model *m)
{
	return (unsigned int)m->g->n_outputs;
}

static void tensor_info(const struct accelrt_model *m, int idx, bool input,
			struct accelrt_model_tensor *t)
{
	const struct ir_tensor *ten = m->g->tensors[idx];

	*t = (struct accelrt_model_tensor){
		.name = ten->name,
		.dtype = (int)ten->dtype,
		.rank = ten->rank,
		.dims = ten->dims,
		.bytes = (uint64_t)ir_tensor_numel(ten) * ir_dtype_size(ten->dtype),
		/* The compiler made a bound input a constant; a program file's graph has none. */
		.bound = input && !m->pf && ten->data,
	};
}

int accelrt_model_input(const struct accelrt_model *m, unsigned int i,
			struct accelrt_model_tensor *t)
{
	if (i >= m->g->n_inputs)
		return -EINVAL;
	tensor_info(m, m->g->inputs[i], true, t);
	return 0;
}

int accelrt_model_output(const struct accelrt_model *m, unsigned int i,
			 struct accelrt_model_tensor *t)
{
	if (i >= m->g->n_outputs)
		return -EINVAL;
	tensor_info(m, m->g->outputs[i], false, t);
	return 0;
}

void accelrt_model_get_stats(const struct accelrt_model *m, struct accelrt_model_stats *s)
{
	const struct vnpu_prog *p = m->prog;

	*s = (struct accelrt_model_stats){
		/*
		 * A program's graph, read back from its ONNX bytes, lacks the nodes the importer
		 * folded into constants, so a program counts what its file recorded.
		 */
		.nodes = m->pf ? (size_t)m->pf->meta.nodes_after : m->g->n_nodes,
		.nodes_device = p->n_nodes_device,
		.nodes_host = p->n_nodes_host,
		.nodes_alias = p->n_nodes_alias,
		.nodes_const = p->n_nodes_const,
		.packets = p->n_packets,
		.flops_device = p->flops_device,
		.flops_host = p->flops_host,
		.mem_peak = p->mem_peak,
		.mem_lower_bound = p->mem_lower_bound,
		.slots = p->nslots,
		.program_file = m->pf != NULL,
	};
	for (unsigned int i = 0; i < p->nstages; i++) {
		if (p->stages[i].host)
			s->stages_host++;
		else
			s->stages_device++;
	}
	for (unsigned int i = 0; i < p->nslots; i++) {
		if (m->host[i])
			continue;
		s->slots_device++;
		s->device_bytes += model_slot_device_bytes(p->slots[i].size);
	}
}

struct ir_graph *accelrt_model_graph(const struct accelrt_model *m)
{
	return m->g;
}

const struct vnpu_prog *accelrt_model_program(const struct accelrt_model *m)
{
	return m->prog;
}

struct accelrt_device *accelrt_model_device(const struct accelrt_model *m)
{
	return m->dev;
}

bool accelrt_model_slot_host_visible(const struct accelrt_model *m, unsigned int slot)
{
	return slot < m->prog->nslots && m->host[slot];
}

const char *accelrt_model_host_error(const struct accelrt_model *m, unsigned int stage)
{
	if (stage >= m->prog->nstages || !m->prog->stages[stage].host ||
	    !m->hstages[stage].err[0])
		return NULL;
	return m->hstages[stage].err;
}
