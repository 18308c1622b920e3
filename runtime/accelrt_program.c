// SPDX-License-Identifier: MIT
/*
 * accelrt programs: a sequence of stages, each a position-independent vnpu command stream
 * and the relocations that turn it into a runnable one once the buffers of its slots are
 * known, or a host callback run on the slots' mappings (accelrt_run()). Everything is
 * checked here, so that a run only has to check the slots it is given.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/drm/vnpu_accel.h>

#include "accelrt_internal.h"

/* The most stages a program may have: far above any compiled model's partitioning. */
#define ACCELRT_MAX_STAGES 65536

static int reloc_check(const struct accelrt_reloc *r, size_t len)
{
	if (r->offset % 8 || r->offset > len - 8 || r->pad)
		return -EINVAL;
	if (r->slot >= ACCELRT_MAX_SLOTS)
		return -EINVAL;
	return 0;
}

int accelrt_program_new(struct accelrt_device *dev, struct accelrt_program **out)
{
	struct accelrt_program *prog = calloc(1, sizeof(*prog));

	if (!prog)
		return -ENOMEM;
	prog->dev = dev;
	prog->refs = 1;
	prog->sem_slot = -1;
	if (pthread_mutex_init(&prog->pool_lock, NULL)) {
		free(prog);
		return -ENOMEM;
	}
	*out = prog;
	return 0;
}

/* Room for one more stage; its zeroed entry, or NULL. */
static struct accelrt_stage *stage_new(struct accelrt_program *prog)
{
	struct accelrt_stage *st;

	if (prog->nstages >= ACCELRT_MAX_STAGES)
		return NULL;
	st = realloc(prog->stages, (prog->nstages + 1) * sizeof(*st));
	if (!st)
		return NULL;
	prog->stages = st;
	memset(&st[prog->nstages], 0, sizeof(*st));
	return &st[prog->nstages];
}

int accelrt_program_add_stream(struct accelrt_program *prog, const void *stream, size_t len,
			       const struct accelrt_reloc *relocs, unsigned int nrelocs)
{
	return accelrt_program_add_stream_flags(prog, stream, len, relocs, nrelocs, 0);
}

int accelrt_program_add_stream_flags(struct accelrt_program *prog, const void *stream,
				     size_t len, const struct accelrt_reloc *relocs,
				     unsigned int nrelocs, uint32_t flags)
{
	const struct accelrt_stage *prev;
	struct accelrt_stage *st;
	unsigned int i;
	int ret;

	if (!stream || len < 8 || len % 8 || len > VNPU_MAX_CMD_SIZE || (nrelocs && !relocs) ||
	    (flags & ~ACCELRT_STAGE_FLAGS_ALL))
		return -EINVAL;
	for (i = 0; i < nrelocs; i++) {
		ret = reloc_check(&relocs[i], len);
		if (ret)
			return ret;
	}
	st = stage_new(prog);
	if (!st)
		return -ENOMEM;
	st->len = len;
	st->stream = malloc(len);
	if (!st->stream)
		return -ENOMEM;
	memcpy(st->stream, stream, len);
	if (nrelocs) {
		st->relocs = calloc(nrelocs, sizeof(*relocs));
		if (!st->relocs) {
			free(st->stream);
			return -ENOMEM;
		}
		memcpy(st->relocs, relocs, nrelocs * sizeof(*relocs));
	}
	st->nrelocs = nrelocs;
	st->flags = flags;
	/*
	 * Every device stage gets its own place in the command buffer of a program with
	 * chains, since a chain's jobs are in flight together; used only once @chained is set.
	 */
	st->cmd_off = prog->chain_bytes;
	st->profile_off = st->cmd_off + ACCELRT_ALIGN(len, 8);
	prog->chain_bytes = ACCELRT_ALIGN(st->profile_off + sizeof(struct vnpu_job_profile), 8);
	prev = prog->nstages ? &prog->stages[prog->nstages - 1] : NULL;
	st->chain_pos = prev && !prev->fn && (prev->flags & ACCELRT_STAGE_NO_WAIT) ?
			prev->chain_pos + 1 : 0;
	if (st->chain_pos + 1 > prog->max_chain)
		prog->max_chain = st->chain_pos + 1;
	if (flags & ACCELRT_STAGE_NO_WAIT)
		prog->chained = true;
	if (len > prog->max_stream)
		prog->max_stream = len;
	for (i = 0; i < nrelocs; i++)
		if (relocs[i].slot + 1 > prog->nslots)
			prog->nslots = relocs[i].slot + 1;
	prog->nstages++;
	return 0;
}

int accelrt_program_add_host(struct accelrt_program *prog, accelrt_host_fn fn, void *ctx,
			     unsigned int nslots)
{
	struct accelrt_stage *st;

	if (!fn || nslots > ACCELRT_MAX_SLOTS)
		return -EINVAL;
	st = stage_new(prog);
	if (!st)
		return -ENOMEM;
	st->fn = fn;
	st->ctx = ctx;
	if (nslots > prog->nslots)
		prog->nslots = nslots;
	prog->nstages++;
	return 0;
}

int accelrt_program_set_semaphores(struct accelrt_program *prog, unsigned int slot,
				   uint64_t size)
{
	if (slot >= ACCELRT_MAX_SLOTS || size < 8 || size % 8)
		return -EINVAL;
	prog->sem_slot = (int)slot;
	prog->sem_size = size;
	if (slot + 1 > prog->nslots)
		prog->nslots = slot + 1;
	return 0;
}

int accelrt_program_create(struct accelrt_device *dev, const void *stream, size_t len,
			   const struct accelrt_reloc *relocs, unsigned int nrelocs,
			   struct accelrt_program **out)
{
	struct accelrt_program *prog;
	int ret;

	ret = accelrt_program_new(dev, &prog);
	if (ret)
		return ret;
	ret = accelrt_program_add_stream(prog, stream, len, relocs, nrelocs);
	if (ret) {
		accelrt_program_free(prog);
		return ret;
	}
	*out = prog;
	return 0;
}

/* Drop one reference: the caller's (accelrt_program_free()) or a run's. */
void accelrt_program_put(struct accelrt_program *prog)
{
	struct accelrt_runctx *ctx, *next;

	if (__atomic_sub_fetch(&prog->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (ctx = prog->pool; ctx; ctx = next) {
		next = ctx->next;
		accelrt_runctx_destroy(prog->dev, ctx);
	}
	pthread_mutex_destroy(&prog->pool_lock);
	for (unsigned int i = 0; i < prog->nstages; i++) {
		free(prog->stages[i].relocs);
		free(prog->stages[i].stream);
	}
	free(prog->stages);
	free(prog);
}

void accelrt_program_free(struct accelrt_program *prog)
{
	if (prog)
		accelrt_program_put(prog);
}

unsigned int accelrt_program_slots(const struct accelrt_program *prog)
{
	return prog->nslots;
}

unsigned int accelrt_program_stages(const struct accelrt_program *prog)
{
	return prog->nstages;
}
