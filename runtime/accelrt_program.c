// SPDX-License-Identifier: MIT
/*
 * accelrt programs: a position-independent vnpu command stream and the relocations that
 * turn it into a runnable one once the buffers of its slots are known (accelrt_run()).
 * Everything is checked here, so that a run only has to check the slots it is given.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/drm/vnpu_accel.h>

#include "accelrt_internal.h"

static int reloc_check(const struct accelrt_reloc *r, size_t len)
{
	if (r->offset % 8 || r->offset > len - 8 || r->pad)
		return -EINVAL;
	if (r->slot >= ACCELRT_MAX_SLOTS)
		return -EINVAL;
	return 0;
}

int accelrt_program_create(struct accelrt_device *dev, const void *stream, size_t len,
			   const struct accelrt_reloc *relocs, unsigned int nrelocs,
			   struct accelrt_program **out)
{
	struct accelrt_program *prog;
	unsigned int i;
	int ret;

	if (!stream || len < 8 || len % 8 || len > VNPU_MAX_CMD_SIZE || (nrelocs && !relocs))
		return -EINVAL;
	for (i = 0; i < nrelocs; i++) {
		ret = reloc_check(&relocs[i], len);
		if (ret)
			return ret;
	}
	prog = calloc(1, sizeof(*prog));
	if (!prog)
		return -ENOMEM;
	prog->dev = dev;
	prog->len = len;
	prog->stream = malloc(len);
	if (!prog->stream) {
		ret = -ENOMEM;
		goto err_free;
	}
	memcpy(prog->stream, stream, len);
	if (nrelocs) {
		prog->relocs = calloc(nrelocs, sizeof(*relocs));
		if (!prog->relocs) {
			ret = -ENOMEM;
			goto err_stream;
		}
		memcpy(prog->relocs, relocs, nrelocs * sizeof(*relocs));
	}
	prog->nrelocs = nrelocs;
	for (i = 0; i < nrelocs; i++)
		if (relocs[i].slot + 1 > prog->nslots)
			prog->nslots = relocs[i].slot + 1;
	*out = prog;
	return 0;

err_stream:
	free(prog->stream);
err_free:
	free(prog);
	return ret;
}

void accelrt_program_free(struct accelrt_program *prog)
{
	if (!prog)
		return;
	free(prog->relocs);
	free(prog->stream);
	free(prog);
}

unsigned int accelrt_program_slots(const struct accelrt_program *prog)
{
	return prog->nslots;
}
