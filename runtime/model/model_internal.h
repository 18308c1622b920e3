/* SPDX-License-Identifier: MIT */
/* accelrt_model's objects, shared by the files of runtime/model/. */
#ifndef ACCELRT_MODEL_INTERNAL_H
#define ACCELRT_MODEL_INTERNAL_H

#include <stdarg.h>

#include "accelrt_model.h"
#include "compiler/codegen_vnpu.h"
#include "compiler/compile.h"
#include "compiler/program_file.h"

/*
 * How the slots of a program are used, one bit set per use (model_place.c); the placement
 * reads them.
 */
enum model_slot_use {
	MODEL_SLOT_CALLER = 1u << 0,	/* a graph input or output: the caller maps it */
	MODEL_SLOT_HOST_STAGE = 1u << 1,	/* a host stage reads or writes a tensor in it */
};

struct accelrt_model {
	struct accelrt_device *dev;
	/* The graph and program: @cr's when compiled here, @pf's when read from a file. */
	struct ir_graph *g;
	struct vnpu_prog *prog;
	struct compile_result cr;
	struct program_file *pf;
	/* Per slot: its enum model_slot_use bits, and whether it is host-visible. */
	uint8_t *use;
	bool *host;
	/*
	 * Per slot: the model's own buffer (constants, and what the packing hook filled), NULL
	 * for a slot each bindings allocates.
	 */
	struct accelrt_buffer **shared;
	struct accelrt_program *rtprog;
	struct vnpu_host_stage *hstages;	/* one per stage, the host ones filled in */
};

struct accelrt_model_bindings {
	struct accelrt_model *m;
	/* Per slot: the model's shared buffer or one of the bindings' own (@own[i]). */
	struct accelrt_buffer **slots;
	bool *own;
};

/**
 * model_slot_uses() - the enum model_slot_use bits of every slot of @p compiled from @g, in a
 * new array of @p->nslots entries (at least one), or NULL when memory is short
 */
uint8_t *model_slot_uses(const struct vnpu_prog *p, const struct ir_graph *g);

/**
 * model_slot_host_visible() - the placement rule: whether slot @slot of @p, used as
 * @use says, lives in host-visible memory rather than the device's
 */
bool model_slot_host_visible(const struct vnpu_prog *p, unsigned int slot, uint8_t use);

/** model_slot_device_bytes() - the device memory a slot of @size bytes takes: whole pages */
uint64_t model_slot_device_bytes(uint64_t size);

/**
 * model_upload_constants() - fill every device-memory constant slot of @m (@m->shared, the
 * buffers allocated) with its contents: copied to a host staging buffer, then by DMA_COPY
 * jobs to the slots. Return: 0, or the allocation's, the program's or the job's errno.
 */
int model_upload_constants(struct accelrt_model *m);

/** model_err() - format the one-line message of a failed load into @o's buffer, if any */
void model_err(const struct accelrt_model_options *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
