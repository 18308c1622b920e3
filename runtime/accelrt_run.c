// SPDX-License-Identifier: MIT
/*
 * accelrt runs: one SUBMIT of a program. Each run has its own host-visible buffer holding
 * the program's stream with every relocation patched, followed by the job's profile record
 * (the device writes the job's result there before its fence signals), and its own syncobj
 * that gets the job's fence; so any number of runs of one program may be in flight.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>

#include "accelrt_internal.h"

static int syncobj_create(struct accelrt_device *dev, uint32_t *handle)
{
	struct drm_syncobj_create c = { 0 };
	int ret = accelrt_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);

	*handle = c.handle;
	return ret;
}

static void syncobj_destroy(struct accelrt_device *dev, uint32_t handle)
{
	struct drm_syncobj_destroy d = { .handle = handle };

	accelrt_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
}

/* Copy the stream into @map and patch every relocation with its slot's VA. */
static int stream_patch(const struct accelrt_program *prog, struct accelrt_buffer *const *slots,
			unsigned int nslots, uint8_t *map)
{
	unsigned int i;

	memcpy(map, prog->stream, prog->len);
	for (i = 0; i < prog->nrelocs; i++) {
		const struct accelrt_reloc *r = &prog->relocs[i];
		uint64_t va;

		if (r->slot >= nslots || !slots[r->slot])
			return -EINVAL;
		va = slots[r->slot]->va + r->addend;
		memcpy(map + r->offset, &va, sizeof(va));
	}
	return 0;
}

int accelrt_run(struct accelrt_program *prog, struct accelrt_buffer *const *slots,
		unsigned int nslots, uint32_t flags, struct accelrt_run **out)
{
	struct accelrt_device *dev = prog->dev;
	struct drm_vnpu_submit s = { 0 };
	struct vnpu_job_profile *profile;
	struct accelrt_run *run;
	uint8_t *map;
	int ret;

	if ((flags & ~ACCELRT_RUN_FLAGS_ALL) || nslots < prog->nslots || (nslots && !slots))
		return -EINVAL;
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->dev = dev;
	run->profile_off = ACCELRT_ALIGN(prog->len, 8);
	ret = accelrt_buffer_alloc(dev, run->profile_off + sizeof(*profile), ACCELRT_BUFFER_HOST,
				   &run->cmd);
	if (ret)
		goto err_free;
	map = run->cmd->map;
	ret = stream_patch(prog, slots, nslots, map);
	if (ret)
		goto err_cmd;
	/*
	 * A job of a context killed before it ran writes no record: the error stays the one
	 * set here. A job that ran (or failed on an in-fence) overwrites it with its result.
	 */
	profile = (struct vnpu_job_profile *)(map + run->profile_off);
	memset(profile, 0, sizeof(*profile));
	profile->error = -ECANCELED;
	ret = syncobj_create(dev, &run->syncobj);
	if (ret)
		goto err_cmd;
	s.ctx_id = flags & ACCELRT_RUN_DMA ? dev->ctx_dma : dev->ctx_compute;
	s.cmd_handle = run->cmd->handle;
	s.cmd_offset = 0;
	s.cmd_size = prog->len;
	s.out_sync.handle = run->syncobj;
	s.profile_va = run->cmd->va + run->profile_off;
	ret = accelrt_ioctl(dev->fd, DRM_IOCTL_VNPU_SUBMIT, &s);
	if (ret)
		goto err_syncobj;
	*out = run;
	return 0;

err_syncobj:
	syncobj_destroy(dev, run->syncobj);
err_cmd:
	accelrt_buffer_free(run->cmd);
err_free:
	free(run);
	return ret;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int accelrt_run_wait(struct accelrt_run *run, int64_t timeout_ns)
{
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&run->syncobj, .count_handles = 1 };
	const struct vnpu_job_profile *profile;
	int64_t now = monotonic_ns();
	int ret;

	/* DRM's syncobj timeout is an absolute CLOCK_MONOTONIC time. */
	if (timeout_ns < 0)
		timeout_ns = 0;
	w.timeout_nsec = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
	ret = accelrt_ioctl(run->dev->fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	if (ret)
		return ret;
	profile = (const void *)((uint8_t *)run->cmd->map + run->profile_off);
	return __atomic_load_n(&profile->error, __ATOMIC_ACQUIRE);
}

int accelrt_run_sync_file(struct accelrt_run *run)
{
	struct drm_syncobj_handle h = { .handle = run->syncobj,
					.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
					.fd = -1 };
	int ret = accelrt_ioctl(run->dev->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);

	return ret ? ret : h.fd;
}

void accelrt_run_free(struct accelrt_run *run)
{
	if (!run)
		return;
	/* The device reads the stream and writes the record until the job is over. */
	accelrt_run_wait(run, INT64_MAX);
	syncobj_destroy(run->dev, run->syncobj);
	accelrt_buffer_free(run->cmd);
	free(run);
}

int accelrt_run_sync(struct accelrt_program *prog, struct accelrt_buffer *const *slots,
		     unsigned int nslots, uint32_t flags)
{
	struct accelrt_run *run;
	int ret;

	ret = accelrt_run(prog, slots, nslots, flags, &run);
	if (ret)
		return ret;
	ret = accelrt_run_wait(run, INT64_MAX);
	accelrt_run_free(run);
	return ret;
}
