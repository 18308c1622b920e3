// SPDX-License-Identifier: MIT
/*
 * accelrt runs. A program of one device stage is one job: the run's command buffer holds the
 * stream with every relocation patched, followed by the job's profile record (the device
 * writes the job's result there before its fence signals); the job is a SUBMIT on the
 * device's context, whose fence goes to the run's syncobj, or an entry of the device's user
 * queue (ACCELRT_RUN_USER_QUEUE) that runs the stream indirectly. Any number of runs of one
 * program may be in flight: each has its own command buffer and syncobjs.
 *
 * Those are a run context (struct accelrt_runctx): making one costs a buffer object, its
 * mapping and binding, and two syncobjs, several times what a small job costs to run, so a
 * run takes one from its program's pool and gives it back when freed. The program holds them
 * until its last reference (its own or a run's) is dropped.
 *
 * A program with host stages (or several device stages) runs on a worker thread of its own:
 * each device stage is submitted and waited for, each host stage called on the slots'
 * mappings, in order; the run is over when the worker is. Its fence (the context's run_sync)
 * is signalled only then, so that whoever waits on the run, or on its sync_file, sees every
 * stage done.
 *
 * Device stages marked ACCELRT_STAGE_NO_WAIT chain into the next one: the worker submits a
 * chain's stages back to back (each on its engine's context, each into its own place of the
 * command buffer with its own syncobj) and then waits for them all, in order. The streams
 * order themselves through semaphores in the program's semaphore slot, which accelrt_run()
 * zeroes; when one job of a chain fails, the worker releases every semaphore before waiting
 * for the rest, so that no job waits for one that will never signal.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <libaccel_vnpu.h>
#include <uapi/drm/vnpu_accel.h>

#include "accelrt_internal.h"

/* A user queue's ring: 2048 indirect entries, far more than runs in flight. */
#define ACCELRT_UQ_RING (64u << 10)

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

	if (handle)
		accelrt_ioctl(dev->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* ---- run contexts ------------------------------------------------------------------------ */

void accelrt_runctx_destroy(struct accelrt_device *dev, struct accelrt_runctx *ctx)
{
	syncobj_destroy(dev, ctx->run_sync);
	for (unsigned int i = 0; ctx->job_syncs && i < ctx->njob_syncs; i++)
		syncobj_destroy(dev, ctx->job_syncs[i]);
	free(ctx->job_syncs);
	accelrt_buffer_free(ctx->cmd);
	free(ctx);
}

/*
 * What a context of @prog needs: the bytes of its command buffer (every device stage at its
 * own place in a program with chains, else the longest stream and one profile record) and its
 * job syncobjs (one per stage of the longest chain).
 */
static void runctx_needs(const struct accelrt_program *prog, uint64_t *bytes,
			 unsigned int *nsyncs)
{
	uint64_t single = ACCELRT_ALIGN(prog->max_stream, 8) + sizeof(struct vnpu_job_profile);

	*bytes = single;
	*nsyncs = 1;
	if (prog->chained) {
		if (prog->chain_bytes > single)
			*bytes = prog->chain_bytes;
		*nsyncs = prog->max_chain;
	}
}

static int runctx_create(struct accelrt_program *prog, struct accelrt_runctx **out)
{
	struct accelrt_device *dev = prog->dev;
	struct accelrt_runctx *ctx = calloc(1, sizeof(*ctx));
	unsigned int nsyncs;
	int ret;

	if (!ctx)
		return -ENOMEM;
	ctx->profile_off = ACCELRT_ALIGN(prog->max_stream, 8);
	runctx_needs(prog, &ctx->cmd_bytes, &nsyncs);
	ret = -ENOMEM;
	ctx->job_syncs = calloc(nsyncs, sizeof(*ctx->job_syncs));
	if (ctx->job_syncs)
		ret = accelrt_buffer_alloc(dev, ctx->cmd_bytes, ACCELRT_BUFFER_HOST, &ctx->cmd);
	if (!ret)
		ctx->njob_syncs = nsyncs;
	for (unsigned int i = 0; !ret && i < nsyncs; i++)
		ret = syncobj_create(dev, &ctx->job_syncs[i]);
	if (!ret)
		ret = syncobj_create(dev, &ctx->run_sync);
	if (ret) {
		accelrt_runctx_destroy(dev, ctx);
		return ret;
	}
	*out = ctx;
	return 0;
}

/* A context from @prog's pool, or a new one when the pool is empty. */
static int runctx_get(struct accelrt_program *prog, struct accelrt_runctx **out)
{
	struct accelrt_runctx *ctx;
	unsigned int nsyncs;
	uint64_t bytes;

	runctx_needs(prog, &bytes, &nsyncs);
	pthread_mutex_lock(&prog->pool_lock);
	ctx = prog->pool;
	if (ctx)
		prog->pool = ctx->next;
	pthread_mutex_unlock(&prog->pool_lock);
	/* A stage added since the context was made may not fit in its buffer. */
	if (ctx && ctx->profile_off >= prog->max_stream && ctx->cmd_bytes >= bytes &&
	    ctx->njob_syncs >= nsyncs) {
		*out = ctx;
		return 0;
	}
	if (ctx)
		accelrt_runctx_destroy(prog->dev, ctx);
	return runctx_create(prog, out);
}

/* Back to the pool: nothing of the device uses @ctx any more. */
static void runctx_put(struct accelrt_program *prog, struct accelrt_runctx *ctx)
{
	pthread_mutex_lock(&prog->pool_lock);
	ctx->next = prog->pool;
	prog->pool = ctx;
	pthread_mutex_unlock(&prog->pool_lock);
}

/* ---- the device's user queue ------------------------------------------------------------- */

void accelrt_uq_put(struct accelrt_device *dev, struct accelrt_uq *uq)
{
	unsigned int refs;

	pthread_mutex_lock(&dev->uq_lock);
	refs = --uq->refs;
	pthread_mutex_unlock(&dev->uq_lock);
	if (refs)
		return;
	accel_vnpu_uq_destroy(uq->q);
	free(uq);
}

static bool uq_stopped(struct accelrt_uq *uq)
{
	return __atomic_load_n(&accel_vnpu_uq_control(uq->q)->status, __ATOMIC_ACQUIRE) ==
	       VNPU_UQ_STATUS_ERROR;
}

/*
 * Push the @len-byte stream at @va as an entry of the device's user queue (made now if
 * there is none, or made anew if it stopped on an error): the queue, with a reference for
 * the caller, in *@out and the entry's seqno in *@seqno.
 */
static int uq_push(struct accelrt_device *dev, uint64_t va, size_t len, struct accelrt_uq **out,
		   uint64_t *seqno)
{
	struct accelrt_uq *uq, *stopped = NULL;
	int ret;

	pthread_mutex_lock(&dev->uq_lock);
	uq = dev->uq;
	if (uq && uq_stopped(uq)) {
		/* It runs nothing more; runs of it keep it until they are freed. */
		dev->uq = NULL;
		if (!--uq->refs)
			stopped = uq;
		uq = NULL;
	}
	if (!uq) {
		ret = -ENOMEM;
		uq = calloc(1, sizeof(*uq));
		if (!uq)
			goto out;
		ret = accel_vnpu_uq_create(dev->fd, ACCELRT_UQ_RING, &uq->q);
		if (ret) {
			free(uq);
			goto out;
		}
		uq->refs = 1;
		dev->uq = uq;
	}
	ret = accel_vnpu_uq_push_indirect(uq->q, va, len, 0, seqno);
	if (!ret) {
		uq->refs++;
		*out = uq;
	}
out:
	pthread_mutex_unlock(&dev->uq_lock);
	if (stopped) {
		accel_vnpu_uq_destroy(stopped->q);
		free(stopped);
	}
	return ret;
}

/* ---- jobs -------------------------------------------------------------------------------- */

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

/* Where a job goes: its stream's place in the command buffer, its record's, its syncobj. */
struct job_place {
	uint64_t cmd_off, profile_off;
	uint32_t sync;
	uint32_t ctx_id;
};

/*
 * Submit device stage @st with @slots as a job of @run at @pl: the stream patched into the
 * command buffer at @pl->cmd_off, the record at @pl->profile_off, the fence to @pl->sync.
 */
static int job_submit_at(struct accelrt_run *run, const struct accelrt_stage *st,
			 struct accelrt_buffer *const *slots, unsigned int nslots,
			 const struct job_place *pl)
{
	struct accelrt_runctx *ctx = run->ctx;
	struct drm_vnpu_submit s = { 0 };
	struct vnpu_job_profile *profile;
	uint8_t *map = (uint8_t *)ctx->cmd->map + pl->cmd_off;
	int ret;

	ret = stream_patch(st, slots, nslots, map);
	if (ret)
		return ret;
	/*
	 * A job of a context killed before it ran writes no record: the error stays the one
	 * set here. A job that ran (or failed on an in-fence) overwrites it with its result.
	 */
	profile = (struct vnpu_job_profile *)((uint8_t *)ctx->cmd->map + pl->profile_off);
	memset(profile, 0, sizeof(*profile));
	profile->error = -ECANCELED;
	s.ctx_id = pl->ctx_id;
	s.cmd_handle = ctx->cmd->handle;
	s.cmd_offset = pl->cmd_off;
	s.cmd_size = st->len;
	s.out_sync.handle = pl->sync;
	s.profile_va = ctx->cmd->va + pl->profile_off;
	return accelrt_ioctl(run->dev->fd, DRM_IOCTL_VNPU_SUBMIT, &s);
}

/* Submit device stage @st with @slots as @run's job, in its context's command buffer. */
static int job_submit(struct accelrt_run *run, const struct accelrt_stage *st,
		      struct accelrt_buffer *const *slots, unsigned int nslots)
{
	struct accelrt_runctx *ctx = run->ctx;
	bool dma = (run->flags & ACCELRT_RUN_DMA) || (st->flags & ACCELRT_STAGE_DMA);
	struct job_place pl = { .cmd_off = 0, .profile_off = ctx->profile_off,
				.sync = ctx->job_syncs[0],
				.ctx_id = dma ? run->dev->ctx_dma : run->dev->ctx_compute };
	int ret;

	run->over = 0;
	if (run->flags & ACCELRT_RUN_USER_QUEUE) {
		ret = stream_patch(st, slots, nslots, ctx->cmd->map);
		if (ret)
			return ret;
		return uq_push(run->dev, ctx->cmd->va, st->len, &run->uq, &run->seqno);
	}
	return job_submit_at(run, st, slots, nslots, &pl);
}

/* Wait up to @timeout_ns for a user-queue job: 0, -ETIME, or the queue's error. */
static int job_wait_uq(struct accelrt_run *run, int64_t timeout_ns)
{
	int ret;

	/* The library adds the timeout to the time now: a huge one is no limit at all. */
	ret = accel_vnpu_uq_wait(run->uq->q, run->seqno,
				 timeout_ns > INT64_MAX / 2 ? -1 : timeout_ns < 0 ? 0 : timeout_ns);
	if (ret != -ETIME || uq_stopped(run->uq))
		return ret;
	return 1;
}

/*
 * Wait up to @timeout_ns for the kernel-queue job whose fence goes to @sync and whose record
 * is at @profile_off of @run's command buffer: the wait's error (-ETIME when not over in
 * time), else 0 with the job's result in *@result.
 */
static int sync_wait(struct accelrt_run *run, uint32_t sync, uint64_t profile_off,
		     int64_t timeout_ns, int *result)
{
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&sync, .count_handles = 1 };
	const struct vnpu_job_profile *profile;
	int64_t now;
	int ret;

	/* DRM's syncobj timeout is an absolute CLOCK_MONOTONIC time. */
	now = monotonic_ns();
	if (timeout_ns < 0)
		timeout_ns = 0;
	w.timeout_nsec = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
	ret = accelrt_ioctl(run->dev->fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	if (ret)
		return ret;
	profile = (const void *)((uint8_t *)run->ctx->cmd->map + profile_off);
	*result = __atomic_load_n(&profile->error, __ATOMIC_ACQUIRE);
	return 0;
}

/*
 * Wait up to @timeout_ns for @run's job: 0, -ETIME, or the job's error. Once over, its
 * result is kept, so that later waits (accelrt_run_free()'s too) cost nothing.
 */
static int job_wait(struct accelrt_run *run, int64_t timeout_ns)
{
	int ret;

	if (run->over)
		return run->result;
	if (run->uq) {
		ret = job_wait_uq(run, timeout_ns);
		if (ret == 1)
			return -ETIME;
	} else {
		int wret = sync_wait(run, run->ctx->job_syncs[0], run->ctx->profile_off,
				     timeout_ns, &ret);

		if (wret)
			return wret;
	}
	run->over = 1;
	run->result = ret;
	return ret;
}

/* A device stage from the worker: submitted (again while the queue is full), waited for. */
static int stage_device(struct accelrt_run *run, const struct accelrt_stage *st)
{
	int ret;

	for (;;) {
		ret = job_submit(run, st, run->slots, run->nslots);
		if (ret != -EBUSY)
			break;
		/* Other runs fill the context's queue: their jobs finish, so retry shortly. */
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	}
	if (ret)
		return ret;
	ret = job_wait(run, INT64_MAX);
	if (run->uq) {
		accelrt_uq_put(run->dev, run->uq);
		run->uq = NULL;
	}
	return ret;
}

/* ---- chains ------------------------------------------------------------------------------ */

/*
 * Set every semaphore of @run to UINT64_MAX: each SEM_WAIT of the run is satisfied, so that
 * no job still queued waits for one that failed (or was never submitted).
 */
static void sems_release(struct accelrt_run *run)
{
	const struct accelrt_program *prog = run->prog;
	uint64_t *sem;

	if (prog->sem_slot < 0)
		return;
	sem = run->slots[prog->sem_slot]->map;
	for (uint64_t i = 0; i < prog->sem_size / 8; i++)
		__atomic_store_n(&sem[i], UINT64_MAX, __ATOMIC_RELEASE);
}

/*
 * The context stage @i of a chain that starts at stage @first runs on: compute, or one of
 * the two DMA contexts (the second for DMA stages after a compute stage of the chain).
 */
static uint32_t chain_ctx(const struct accelrt_run *run, unsigned int first, unsigned int i)
{
	const struct accelrt_program *prog = run->prog;
	const struct accelrt_device *dev = run->dev;

	if (!(prog->stages[i].flags & ACCELRT_STAGE_DMA) && !(run->flags & ACCELRT_RUN_DMA))
		return dev->ctx_compute;
	for (unsigned int k = first; k < i; k++)
		if (!(prog->stages[k].flags & ACCELRT_STAGE_DMA) && !(run->flags & ACCELRT_RUN_DMA))
			return dev->ctx_dma_out;
	return dev->ctx_dma;
}

/* Submit stage @i of a chain starting at @first into its own place; retried while full. */
static int chain_submit(struct accelrt_run *run, unsigned int first, unsigned int i)
{
	const struct accelrt_stage *st = &run->prog->stages[i];
	struct job_place pl = { .cmd_off = st->cmd_off, .profile_off = st->profile_off,
				.sync = run->ctx->job_syncs[st->chain_pos],
				.ctx_id = chain_ctx(run, first, i) };
	int ret;

	for (;;) {
		ret = job_submit_at(run, st, run->slots, run->nslots, &pl);
		if (ret != -EBUSY)
			return ret;
		/* The context's queue is full of earlier jobs: they finish, so retry shortly. */
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	}
}

/*
 * Wait for the @n submitted jobs of the chain starting at stage @first, in order; @ret is the
 * chain's error so far (a stage that could not be submitted). Once there is an error, the
 * semaphores are released before each wait: the jobs left run to their end instead of
 * waiting forever. Return: the first error.
 */
static int chain_finish(struct accelrt_run *run, unsigned int first, unsigned int n, int ret)
{
	const struct accelrt_program *prog = run->prog;

	for (unsigned int k = 0; k < n; k++) {
		const struct accelrt_stage *st = &prog->stages[first + k];
		int result = 0, wret;

		if (ret)
			sems_release(run);
		wret = sync_wait(run, run->ctx->job_syncs[st->chain_pos], st->profile_off,
				 INT64_MAX, &result);
		/* A job whose end was not seen may still use the context: never reuse it. */
		if (wret)
			run->lost = 1;
		if (!ret)
			ret = wret ? wret : result;
	}
	return ret;
}

/* ---- staged runs ------------------------------------------------------------------------- */

static void *run_worker(void *arg)
{
	struct accelrt_run *run = arg;
	struct accelrt_program *prog = run->prog;
	void **maps = calloc(run->nslots ? run->nslots : 1, sizeof(*maps));
	struct drm_syncobj_array sig = { .handles = (uintptr_t)&run->ctx->run_sync,
					 .count_handles = 1 };
	int ret = maps ? 0 : -ENOMEM;

	/* VRAM slots have no mapping: a host stage finds NULL there. */
	for (unsigned int i = 0; maps && i < run->nslots; i++)
		maps[i] = run->slots[i] ? run->slots[i]->map : NULL;
	/*
	 * With chains (kernel queue only: a user queue runs its entries in order anyway), each
	 * device stage is submitted into its own place and joins the chain being built; the
	 * chain is waited for after its last stage, and before anything else runs.
	 */
	bool chains = prog->chained && !(run->flags & ACCELRT_RUN_USER_QUEUE);
	unsigned int chain_first = 0, chain_n = 0;

	for (unsigned int i = 0; i < prog->nstages && !ret; i++) {
		const struct accelrt_stage *st = &prog->stages[i];

		if (st->fn) {
			ret = st->fn(st->ctx, maps, run->nslots);
		} else if (!chains) {
			ret = stage_device(run, st);
		} else {
			if (!chain_n)
				chain_first = i;
			ret = chain_submit(run, chain_first, i);
			if (ret)
				break;
			chain_n++;
			if (!(st->flags & ACCELRT_STAGE_NO_WAIT) || i + 1 == prog->nstages ||
			    prog->stages[i + 1].fn) {
				ret = chain_finish(run, chain_first, chain_n, 0);
				chain_n = 0;
			}
		}
	}
	/* A failed submit leaves the chain's earlier jobs in flight: see them end. */
	if (chain_n)
		ret = chain_finish(run, chain_first, chain_n, ret);
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

/* Start a staged run: a copy of @slots, the worker. */
static int run_staged(struct accelrt_run *run, struct accelrt_buffer *const *slots,
		      unsigned int nslots)
{
	struct accelrt_program *prog = run->prog;
	pthread_condattr_t ca;
	int ret;

	/* A missing slot is the caller's error now, not the worker's later. */
	for (unsigned int i = 0; i < prog->nstages; i++)
		for (unsigned int r = 0; r < prog->stages[i].nrelocs; r++)
			if (!slots[prog->stages[i].relocs[r].slot])
				return -EINVAL;
	run->staged = 1;
	run->nslots = nslots;
	run->slots = calloc(nslots ? nslots : 1, sizeof(*run->slots));
	if (!run->slots)
		return -ENOMEM;
	if (nslots)
		memcpy(run->slots, slots, nslots * sizeof(*slots));
	ret = -pthread_mutex_init(&run->lock, NULL);
	if (ret)
		goto err_slots;
	ret = -pthread_condattr_init(&ca);
	if (ret)
		goto err_mutex;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	ret = -pthread_cond_init(&run->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (ret)
		goto err_mutex;
	ret = -pthread_create(&run->worker, NULL, run_worker, run);
	if (ret)
		goto err_cond;
	return 0;

err_cond:
	pthread_cond_destroy(&run->cond);
err_mutex:
	pthread_mutex_destroy(&run->lock);
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
	/* A user queue runs on the compute engines. */
	if ((flags & ACCELRT_RUN_DMA) && (flags & ACCELRT_RUN_USER_QUEUE))
		return -EINVAL;
	if (prog->sem_slot >= 0) {
		const struct accelrt_buffer *sem = slots[prog->sem_slot];

		/* The runtime writes the semaphores from the CPU: a mapping of its own. */
		if (!sem || !sem->map || sem->size < prog->sem_size)
			return -EINVAL;
		/* Zero before any job of the run is submitted (SUBMIT orders the stores). */
		memset(sem->map, 0, prog->sem_size);
	}
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->dev = prog->dev;
	run->prog = prog;
	run->flags = flags;
	ret = runctx_get(prog, &run->ctx);
	if (ret)
		goto err_free;
	__atomic_add_fetch(&prog->refs, 1, __ATOMIC_ACQ_REL);
	if (prog->nstages == 1 && !prog->stages[0].fn)
		ret = job_submit(run, &prog->stages[0], slots, nslots);
	else
		ret = run_staged(run, slots, nslots);
	if (ret)
		goto err_ctx;
	*out = run;
	return 0;

err_ctx:
	/* Nothing was queued: the context is as good as before. */
	runctx_put(prog, run->ctx);
	accelrt_program_put(prog);
err_free:
	free(run);
	return ret;
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
	return job_wait(run, timeout_ns);
}

int accelrt_run_sync_file(struct accelrt_run *run)
{
	struct drm_syncobj_handle h = { .handle = run->ctx->job_syncs[0],
					.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
					.fd = -1 };
	struct drm_vnpu_queue_signal qs = { 0 };
	int ret;

	if (run->staged) {
		/*
		 * A staged run's fence is signalled by its worker at the end: there is none to
		 * export before, so wait for the run (include/accelrt.h documents it).
		 */
		staged_wait(run, INT64_MAX);
		h.handle = run->ctx->run_sync;
	} else if (run->uq) {
		/* A user-queue entry has a fence only when asked for: the queue's signal. */
		qs.queue_id = accel_vnpu_uq_id(run->uq->q);
		qs.seqno = run->seqno;
		qs.out_sync.handle = run->ctx->job_syncs[0];
		ret = accelrt_ioctl(run->dev->fd, DRM_IOCTL_VNPU_QUEUE_SIGNAL, &qs);
		if (ret)
			return ret;
	}
	ret = accelrt_ioctl(run->dev->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);
	return ret ? ret : h.fd;
}

void accelrt_run_free(struct accelrt_run *run)
{
	struct accelrt_program *prog;
	bool idle = true;

	if (!run)
		return;
	prog = run->prog;
	if (run->staged) {
		pthread_join(run->worker, NULL);
		pthread_cond_destroy(&run->cond);
		pthread_mutex_destroy(&run->lock);
		free(run->slots);
		idle = !run->lost;
	} else {
		/* The device reads the stream and writes the record until the job is over. */
		job_wait(run, INT64_MAX);
		idle = run->over;
		if (run->uq)
			accelrt_uq_put(run->dev, run->uq);
	}
	/* A job whose end was not seen may still use the context: never reuse it. */
	if (idle)
		runctx_put(prog, run->ctx);
	else
		accelrt_runctx_destroy(run->dev, run->ctx);
	accelrt_program_put(prog);
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
