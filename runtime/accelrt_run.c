// SPDX-License-Identifier: MIT
/*
 * accelrt runs. A program of one device stage is one SUBMIT: the run has its own host-visible
 * buffer holding the stream with every relocation patched, followed by the job's profile
 * record (the device writes the job's result there before its fence signals), and its own
 * syncobj that gets the job's fence; so any number of runs of one program may be in flight.
 *
 * A program with host stages (or several device stages) runs on a worker thread of its own:
 * each device stage is submitted and waited for, each host stage called on the slots'
 * mappings, in order; the run is over when the worker is. Its syncobj is signalled only then,
 * so that whoever waits on the run, or on its sync_file, sees every stage done.
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

/* Copy the stage's stream into @map and patch every relocation with its slot's VA. */
static int stream_patch(const struct accelrt_stage *st, struct accelrt_buffer *const *slots,
			unsigned int nslots, uint8_t *map)
{
	unsigned int i;

	memcpy(map, st->stream, st->len);
	for (i = 0; i < st->nrelocs; i++) {
		const struct accelrt_reloc *r = &st->relocs[i];
		uint64_t va;

		if (r->slot >= nslots || !slots[r->slot])
			return -EINVAL;
		va = slots[r->slot]->va + r->addend;
		memcpy(map + r->offset, &va, sizeof(va));
	}
	return 0;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* SUBMIT device stage @st with @slots as job @job (whose resources job_free() releases). */
static int job_submit(struct accelrt_device *dev, const struct accelrt_stage *st,
		      struct accelrt_buffer *const *slots, unsigned int nslots, uint32_t flags,
		      struct accelrt_job *job)
{
	struct drm_vnpu_submit s = { 0 };
	struct vnpu_job_profile *profile;
	uint8_t *map;
	int ret;

	job->profile_off = ACCELRT_ALIGN(st->len, 8);
	ret = accelrt_buffer_alloc(dev, job->profile_off + sizeof(*profile), ACCELRT_BUFFER_HOST,
				   &job->cmd);
	if (ret)
		return ret;
	map = job->cmd->map;
	ret = stream_patch(st, slots, nslots, map);
	if (ret)
		goto err_cmd;
	/*
	 * A job of a context killed before it ran writes no record: the error stays the one
	 * set here. A job that ran (or failed on an in-fence) overwrites it with its result.
	 */
	profile = (struct vnpu_job_profile *)(map + job->profile_off);
	memset(profile, 0, sizeof(*profile));
	profile->error = -ECANCELED;
	ret = syncobj_create(dev, &job->syncobj);
	if (ret)
		goto err_cmd;
	s.ctx_id = flags & ACCELRT_RUN_DMA ? dev->ctx_dma : dev->ctx_compute;
	s.cmd_handle = job->cmd->handle;
	s.cmd_offset = 0;
	s.cmd_size = st->len;
	s.out_sync.handle = job->syncobj;
	s.profile_va = job->cmd->va + job->profile_off;
	ret = accelrt_ioctl(dev->fd, DRM_IOCTL_VNPU_SUBMIT, &s);
	if (ret)
		goto err_syncobj;
	return 0;

err_syncobj:
	syncobj_destroy(dev, job->syncobj);
err_cmd:
	accelrt_buffer_free(job->cmd);
	job->cmd = NULL;
	return ret;
}

/* Wait up to @timeout_ns for @job: 0, -ETIME, or the job's error. */
static int job_wait(struct accelrt_device *dev, struct accelrt_job *job, int64_t timeout_ns)
{
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&job->syncobj, .count_handles = 1 };
	const struct vnpu_job_profile *profile;
	int64_t now = monotonic_ns();
	int ret;

	/* DRM's syncobj timeout is an absolute CLOCK_MONOTONIC time. */
	if (timeout_ns < 0)
		timeout_ns = 0;
	w.timeout_nsec = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
	ret = accelrt_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	if (ret)
		return ret;
	profile = (const void *)((uint8_t *)job->cmd->map + job->profile_off);
	return __atomic_load_n(&profile->error, __ATOMIC_ACQUIRE);
}

static void job_free(struct accelrt_device *dev, struct accelrt_job *job)
{
	if (!job->cmd)
		return;
	/* The device reads the stream and writes the record until the job is over. */
	job_wait(dev, job, INT64_MAX);
	syncobj_destroy(dev, job->syncobj);
	accelrt_buffer_free(job->cmd);
	job->cmd = NULL;
}

/* A device stage from the worker: submitted (again while the queue is full), waited for. */
static int stage_device(struct accelrt_run *run, const struct accelrt_stage *st)
{
	struct accelrt_job job = { 0 };
	int ret;

	for (;;) {
		ret = job_submit(run->dev, st, run->slots, run->nslots, run->flags, &job);
		if (ret != -EBUSY)
			break;
		/* Other runs fill the context's queue: their jobs finish, so retry shortly. */
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	}
	if (ret)
		return ret;
	ret = job_wait(run->dev, &job, INT64_MAX);
	job_free(run->dev, &job);
	return ret;
}

static void *run_worker(void *arg)
{
	struct accelrt_run *run = arg;
	struct accelrt_program *prog = run->prog;
	void **maps = calloc(run->nslots ? run->nslots : 1, sizeof(*maps));
	struct drm_syncobj_array sig = { .handles = (uintptr_t)&run->job.syncobj,
					 .count_handles = 1 };
	int ret = maps ? 0 : -ENOMEM;

	/* VRAM slots have no mapping: a host stage finds NULL there. */
	for (unsigned int i = 0; maps && i < run->nslots; i++)
		maps[i] = run->slots[i] ? run->slots[i]->map : NULL;
	for (unsigned int i = 0; i < prog->nstages && !ret; i++) {
		const struct accelrt_stage *st = &prog->stages[i];

		if (st->fn)
			ret = st->fn(st->ctx, maps, run->nslots);
		else
			ret = stage_device(run, st);
	}
	free(maps);
	pthread_mutex_lock(&run->lock);
	run->error = ret;
	run->done = 1;
	/* The run's fence: signalled once every stage is over, failed or not. */
	accelrt_ioctl(run->dev->fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &sig);
	pthread_cond_broadcast(&run->cond);
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

/* Start a staged run: a copy of @slots, a reference on @prog, the worker. */
static int run_staged(struct accelrt_run *run, struct accelrt_program *prog,
		      struct accelrt_buffer *const *slots, unsigned int nslots, uint32_t flags)
{
	pthread_condattr_t ca;
	int ret;

	/* A missing slot is the caller's error now, not the worker's later. */
	for (unsigned int i = 0; i < prog->nstages; i++)
		for (unsigned int r = 0; r < prog->stages[i].nrelocs; r++)
			if (!slots[prog->stages[i].relocs[r].slot])
				return -EINVAL;
	run->staged = 1;
	run->flags = flags;
	run->nslots = nslots;
	run->slots = calloc(nslots ? nslots : 1, sizeof(*run->slots));
	if (!run->slots)
		return -ENOMEM;
	if (nslots)
		memcpy(run->slots, slots, nslots * sizeof(*slots));
	ret = syncobj_create(run->dev, &run->job.syncobj);
	if (ret)
		goto err_slots;
	ret = -pthread_mutex_init(&run->lock, NULL);
	if (ret)
		goto err_syncobj;
	ret = -pthread_condattr_init(&ca);
	if (ret)
		goto err_mutex;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	ret = -pthread_cond_init(&run->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (ret)
		goto err_mutex;
	__atomic_add_fetch(&prog->refs, 1, __ATOMIC_ACQ_REL);
	run->prog = prog;
	ret = -pthread_create(&run->worker, NULL, run_worker, run);
	if (ret)
		goto err_cond;
	return 0;

err_cond:
	accelrt_program_put(prog);
	pthread_cond_destroy(&run->cond);
err_mutex:
	pthread_mutex_destroy(&run->lock);
err_syncobj:
	syncobj_destroy(run->dev, run->job.syncobj);
err_slots:
	free(run->slots);
	return ret;
}

int accelrt_run(struct accelrt_program *prog, struct accelrt_buffer *const *slots,
		unsigned int nslots, uint32_t flags, struct accelrt_run **out)
{
	struct accelrt_run *run;
	int ret;

	if ((flags & ~ACCELRT_RUN_FLAGS_ALL) || nslots < prog->nslots || (nslots && !slots) ||
	    !prog->nstages)
		return -EINVAL;
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->dev = prog->dev;
	if (prog->nstages == 1 && !prog->stages[0].fn)
		ret = job_submit(run->dev, &prog->stages[0], slots, nslots, flags, &run->job);
	else
		ret = run_staged(run, prog, slots, nslots, flags);
	if (ret) {
		free(run);
		return ret;
	}
	*out = run;
	return 0;
}

/* Wait up to @timeout_ns for a staged run's worker: 0 once over, -ETIME. */
static int staged_wait(struct accelrt_run *run, int64_t timeout_ns)
{
	int64_t now = monotonic_ns(), end;
	struct timespec ts;
	int ret = 0;

	if (timeout_ns < 0)
		timeout_ns = 0;
	end = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
	ts.tv_sec = (time_t)(end / 1000000000ll);
	ts.tv_nsec = (long)(end % 1000000000ll);
	pthread_mutex_lock(&run->lock);
	while (!run->done && !ret)
		ret = pthread_cond_timedwait(&run->cond, &run->lock, &ts);
	ret = run->done ? run->error : -ETIME;
	pthread_mutex_unlock(&run->lock);
	return ret;
}

int accelrt_run_wait(struct accelrt_run *run, int64_t timeout_ns)
{
	if (run->staged)
		return staged_wait(run, timeout_ns);
	return job_wait(run->dev, &run->job, timeout_ns);
}

int accelrt_run_sync_file(struct accelrt_run *run)
{
	struct drm_syncobj_handle h = { .handle = run->job.syncobj,
					.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
					.fd = -1 };
	int ret;

	/*
	 * A staged run's syncobj has no fence until its worker signals it at the end: there is
	 * no fence to export before, so wait for the run (include/accelrt.h documents it).
	 */
	if (run->staged)
		staged_wait(run, INT64_MAX);
	ret = accelrt_ioctl(run->dev->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);
	return ret ? ret : h.fd;
}

void accelrt_run_free(struct accelrt_run *run)
{
	if (!run)
		return;
	if (run->staged) {
		pthread_join(run->worker, NULL);
		syncobj_destroy(run->dev, run->job.syncobj);
		pthread_cond_destroy(&run->cond);
		pthread_mutex_destroy(&run->lock);
		accelrt_program_put(run->prog);
		free(run->slots);
	} else {
		job_free(run->dev, &run->job);
	}
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
