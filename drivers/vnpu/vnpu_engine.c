// SPDX-License-Identifier: MIT
/*
 * vnpu: engine instances. Each compute and DMA engine is a DRM scheduler ring and an
 * execution thread. The scheduler's run_job hands a job to the engine's FIFO and returns the
 * job's hardware fence; the thread runs the command stream in the client's address space and
 * signals the fence. Keeping execution off the scheduler's worker leaves the worker free to
 * watch the timeout while a job runs: the timeout handler asks the running job to abort,
 * waits for the engine to drop it (the engine "reset"), and answers the scheduler, which then
 * kills the guilty context and lets every other context's work go on.
 *
 * An unsolicited engine reset aborts only the job on the engine. A timeout also cancels the
 * hung context's jobs staged behind it (its context is being killed); the other contexts'
 * jobs in the FIFO run normally after it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/drm_drv.h>
#include <accel/drm_gem.h>
#include <accel/drm_print.h>
#include <accel/trace.h>
#include <accel/wait.h>
#include "vnpu_cmd.h"
#include "vnpu_drv.h"
#include "vnpu_engine.h"
#include "vnpu_vf_sched.h"
#include "vnpu_inject.h"
#include "vnpu_job_history.h"
#include "vnpu_units.h"

static const char *vnpu_hw_fence_driver_name(struct dma_fence *fence)
{
	(void)fence;
	return "vnpu";
}

static const char *vnpu_hw_fence_timeline_name(struct dma_fence *fence)
{
	(void)fence;
	return "engine";
}

static const struct dma_fence_ops vnpu_hw_fence_ops = {
	.get_driver_name = vnpu_hw_fence_driver_name,
	.get_timeline_name = vnpu_hw_fence_timeline_name,
};

const char *const vnpu_class_name[VNPU_NR_CLASSES] = {
	[VNPU_ENGINE_COMPUTE] = "compute",
	[VNPU_ENGINE_DMA] = "dma",
};

static struct vnpu_job *to_vnpu_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct vnpu_job, base);
}

/**
 * vnpu_engine_busy_ns() - time the engine has spent running jobs, the running one included
 * @e: the engine
 *
 * Return: nanoseconds since probe.
 */
uint64_t vnpu_engine_busy_ns(struct vnpu_engine *e)
{
	uint64_t busy;

	pthread_mutex_lock(&e->lock);
	busy = atomic_load(&e->busy_ns);
	if (e->running && e->running->start_ns)
		busy += vnpu_now_ns() - e->running->start_ns;
	pthread_mutex_unlock(&e->lock);
	return busy;
}

/* A reset happened: the engine's and the device's counters (sysfs). */
static void vnpu_engine_count_reset(struct vnpu_engine *e)
{
	atomic_fetch_add(&e->resets, 1);
	ACCEL_TRACE(ACCEL_TRACE_VNPU_RESET, (uintptr_t)&e->sched, 0, 0, 0, 0, 0, 0, e->name);
	atomic_fetch_add(&e->vdev->reset_count, 1);
}

/* Ask @job to stop with @error unless it was asked already; wake a hung wait. Locked. */
static void vnpu_job_abort_locked(struct vnpu_engine *e, struct vnpu_job *job, int error)
{
	int expected = 0;

	atomic_compare_exchange_strong(&job->abort, &expected, error);
	pthread_cond_broadcast(&e->cond);
}

/**
 * vnpu_engine_reset() - reset an engine now, as a hardware reset would: the job on it (if
 * any) is lost and completes with @error; queued jobs are unaffected
 * @e: the engine
 * @error: the lost job's errno (-EIO for an unsolicited reset)
 */
void vnpu_engine_reset(struct vnpu_engine *e, int error)
{
	/* Counted first: the lost job's fence may signal as soon as it is aborted. */
	vnpu_engine_count_reset(e);
	pthread_mutex_lock(&e->lock);
	if (e->running)
		vnpu_job_abort_locked(e, e->running, error);
	pthread_mutex_unlock(&e->lock);
}

static int vnpu_job_aborted(void *arg)
{
	struct vnpu_job *job = arg;

	return atomic_load(&job->abort) != 0;
}

/*
 * An injected slow packet (debugfs inject_packet_delay_ms): the packet takes @ms longer, as
 * a long primitive build would, unless the job is aborted meanwhile.
 */
static int vnpu_engine_delay_packet(struct vnpu_engine *e, struct vnpu_job *job, unsigned int ms)
{
	uint64_t until = vnpu_now_ns() + (uint64_t)ms * ACCEL_TIMEOUT_SCALE * 1000000ull;
	struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ull),
			       .tv_nsec = (long)(until % 1000000000ull) };
	int err;

	pthread_mutex_lock(&e->lock);
	while (!(err = atomic_load(&job->abort)) && vnpu_now_ns() < until)
		pthread_cond_timedwait(&e->cond, &e->lock, &ts); /* @cond is on CLOCK_MONOTONIC */
	pthread_mutex_unlock(&e->lock);
	return err;
}

/*
 * The executor calls this before each packet that occupies an engine: count the job's
 * progress for the timeout handler (the packet before this one is done), then take what
 * fault injection has pending for the packet.
 */
static int vnpu_job_packet_start(void *arg, enum vnpu_engine_class klass)
{
	struct vnpu_job *job = arg;
	struct vnpu_engine *e = job->engine;
	unsigned int delay_ms;
	int ret;

	atomic_fetch_add(&job->progress, 1);
	delay_ms = vnpu_inject_packet_delay_ms(e->vdev);
	if (delay_ms) {
		ret = vnpu_engine_delay_packet(e, job, delay_ms);
		if (ret)
			return ret;
	}
	if (vnpu_inject_fault_take(e->vdev, e))
		atomic_store(&job->vm.fault_next, true);
	return vnpu_inject_dma_error_on(e->vdev, e, klass);
}

/* A hung job: the engine stops making progress until it is reset. */
static int vnpu_engine_hang(struct vnpu_engine *e, struct vnpu_job *job)
{
	pthread_mutex_lock(&e->lock);
	job->hang = true; /* under the lock: debugfs "queues" reads it while the job runs */
	while (!atomic_load(&job->abort))
		pthread_cond_wait(&e->cond, &e->lock);
	pthread_mutex_unlock(&e->lock);
	return atomic_load(&job->abort);
}

static int vnpu_engine_run_stream(struct vnpu_engine *e, struct vnpu_job *job)
{
	struct vnpu_exec_ctx ctx = {
		.mem = &vnpu_vm_mem_ops,
		.mem_ctx = &job->vm,
		.aborted = vnpu_job_aborted,
		.abort_ctx = job,
		.inject = vnpu_job_packet_start,
	};
	void *vaddr;
	int ret;

	if (e->klass == VNPU_ENGINE_COMPUTE) {
		if (!e->compute) {
			ret = vnpu_compute_create(&e->compute);
			if (ret)
				return ret;
		}
		ctx.compute = e->compute;
	}
	ret = vnpu_bo_device_vaddr(job->cmd_obj, &vaddr);
	if (ret)
		return ret;
	return vnpu_exec_stream(&ctx, (const uint8_t *)vaddr + job->cmd_offset,
				(size_t)job->cmd_size, &job->res);
}

static void vnpu_job_fill_profile(struct vnpu_job *job, int error, struct vnpu_job_profile *p)
{
	*p = (struct vnpu_job_profile){
		.submit_ns = (uint64_t)job->base.submit_ts, /* the scheduler's push time */
		.start_ns = job->start_ns,
		.end_ns = job->end_ns,
		.busy_ns = { job->res.busy_ns[VNPU_EXEC_DMA],
			     job->res.busy_ns[VNPU_EXEC_COMPUTE] },
		.engine_class = job->engine->klass,
		.engine_instance = job->engine->index,
		.error = error,
		.packets = job->res.packets,
	};
}

/* The history's record of a job the engine is done with (its result and times final). */
static void vnpu_record_job(struct vnpu_job *job, struct vnpu_job_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->client_id = job->ctx->client_id;
	rec->ctx_id = job->ctx->id;
	rec->job_id = job->job_id;
	snprintf(rec->engine, sizeof(rec->engine), "%s", job->engine->name);
	vnpu_job_fill_profile(job, job->res.error, &rec->profile);
	vnpu_job_record_set_result(rec, &job->res);
}

/*
 * Write the job's profile record, if it asked for one; a record the client's address space
 * refuses fails a job that had succeeded with -EFAULT. Returns the job's error.
 */
static int vnpu_job_write_profile(struct vnpu_job *job, int error)
{
	struct vnpu_job_profile prof;
	void *p;

	if (!job->profile_va)
		return error;
	p = vnpu_vm_mem_ops.map(&job->vm, job->profile_va, sizeof(prof), 1);
	if (p) {
		vnpu_job_fill_profile(job, error, &prof);
		memcpy(p, &prof, sizeof(prof));
	} else if (!error) {
		error = -EFAULT;
		job->res.fault_va = job->profile_va;
		job->res.fault_len = sizeof(prof);
		job->res.fault_write = true;
	}
	return error;
}

/*
 * How a job left the engine: it ran (and may have failed); it was skipped because an
 * in-fence failed (a profile record with start and end 0, no engine time); or it was
 * cancelled before it started (no record at all).
 */
enum vnpu_job_outcome {
	VNPU_JOB_RAN,
	VNPU_JOB_SKIPPED,
	VNPU_JOB_CANCELLED,
};

/* Everything the engine owes a finished job, before its fence signals. */
static void vnpu_engine_finish(struct vnpu_engine *e, struct vnpu_job *job, int error,
			       enum vnpu_job_outcome how)
{
	struct vnpu_job_record rec;
	uint64_t ran = 0;

	if (how == VNPU_JOB_RAN) {
		job->end_ns = vnpu_now_ns();
		ran = job->end_ns - job->start_ns;
	} else {
		/* Under the lock: vnpu_engine_busy_ns() reads the running job's start. */
		pthread_mutex_lock(&e->lock);
		job->start_ns = job->end_ns = 0;
		pthread_mutex_unlock(&e->lock);
	}
	if (how != VNPU_JOB_CANCELLED)
		error = vnpu_job_write_profile(job, error);
	job->res.error = error;
	/* While the job still holds its address space and command buffer. */
	if (how == VNPU_JOB_RAN)
		vnpu_coredump_capture(job, error);
	atomic_fetch_add(&job->vm.vf->busy_ns[e->klass], ran);
	vnpu_vm_job_end(&job->vm);
	job->vm_active = false;
	vnpu_record_job(job, &rec);
	ACCEL_TRACE(ACCEL_TRACE_VNPU_END, (uintptr_t)&e->sched, job->base.s_fence->scheduled.context, job->base.s_fence->finished.seqno, rec.profile.busy_ns[0], rec.profile.busy_ns[1], rec.profile.packets, rec.profile.error, e->name);
	ACCEL_TRACE_IF(job->res.fault_len, ACCEL_TRACE_VNPU_FAULT, (uintptr_t)&e->sched, job->base.s_fence->scheduled.context, job->base.s_fence->finished.seqno, job->res.fault_va, job->res.fault_len, job->res.fault_write, error, e->name);
	vnpu_job_history_add(&e->vdev->history, &rec, true);

	pthread_mutex_lock(&e->lock);
	atomic_fetch_add(&e->busy_ns, ran);
	if (how == VNPU_JOB_RAN)
		atomic_fetch_add(&e->jobs, 1);
	e->running = NULL;
	pthread_mutex_unlock(&e->lock);
}

static void vnpu_engine_execute(struct vnpu_engine *e, struct vnpu_job *job)
{
	struct dma_fence *fence = dma_fence_get(job->hw_fence);
	enum vnpu_job_outcome how = VNPU_JOB_RAN;
	int err;

	/* Cancelled before it started (its context killed, the device gone). */
	err = atomic_load(&job->abort);
	if (err)
		how = VNPU_JOB_CANCELLED;
	/*
	 * As in the kernel, a failed dependency is not run into: the job carries its error.
	 * Checked here rather than in run_job: dependencies on the context's own earlier jobs
	 * are not waited for by the scheduler (the order holds) and may still have been running
	 * at run_job; they are over now, the engine running one job at a time in order, and
	 * every other dependency signalled before run_job.
	 */
	if (!err) {
		err = drm_sched_job_dependency_error(&job->base);
		if (err)
			how = VNPU_JOB_SKIPPED;
	}
	if (!err && vnpu_inject_hang_take_on(e->vdev, e))
		err = vnpu_engine_hang(e, job);
	/* On a VF, the job runs while one of the PF's engines is lent to it (vnpu_vf_sched.c). */
	if (!err)
		err = vnpu_vf_engine_acquire(e, job);
	if (!err) {
		uint64_t lent_ns = vnpu_now_ns();
		bool more;

		err = vnpu_engine_run_stream(e, job);
		/* Its next job staged, or on its way (this job is one of the outstanding). */
		pthread_mutex_lock(&e->lock);
		more = e->fifo_head != NULL || atomic_load(&job->ctx->outstanding) > 1;
		pthread_mutex_unlock(&e->lock);
		vnpu_vf_engine_release(e, lent_ns, more);
	} else {
		vnpu_vf_engine_drop(e);
	}
	/* A stream stopped by an abort reports -ECANCELED; the reason is the abort's. */
	if (how == VNPU_JOB_RAN && atomic_load(&job->abort))
		err = atomic_load(&job->abort);
	vnpu_engine_finish(e, job, err, how);
	/* The job may be freed as soon as the fence signals: nothing of it is touched after. */
	if (err)
		dma_fence_set_error(fence, err);
	dma_fence_signal(fence);
	dma_fence_put(fence);
}

static void *vnpu_engine_thread(void *arg)
{
	struct vnpu_engine *e = arg;
	uint64_t idle_since = 0;
	struct vnpu_job *job;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		while (!e->fifo_head && !e->stop) {
			/*
			 * A VF engine keeping a PF engine for its next job waits for it only a
			 * short while (vnpu_vf_sched.c), then gives the PF engine back.
			 */
			if (e->vf_lent) {
				uint64_t now = vnpu_now_ns();

				if (!idle_since)
					idle_since = now;
				cond_wait_deadline(&e->cond, &e->lock,
						   (ktime_t)(now + VNPU_VF_IDLE_POLL_NS));
				if (e->fifo_head || e->stop)
					continue;
				pthread_mutex_unlock(&e->lock);
				if (vnpu_now_ns() - idle_since >= VNPU_VF_IDLE_WINDOW_NS ||
				    !vnpu_vf_engine_due(e))
					vnpu_vf_engine_drop(e);
				pthread_mutex_lock(&e->lock);
				continue;
			}
			pthread_cond_wait(&e->cond, &e->lock);
		}
		idle_since = 0;
		job = e->fifo_head;
		if (!job)
			break; /* stopping, and nothing left */
		e->fifo_head = job->fifo_next;
		if (!e->fifo_head)
			e->fifo_tail = NULL;
		e->running = job;
		job->start_ns = vnpu_now_ns();
		ACCEL_TRACE(ACCEL_TRACE_VNPU_START, (uintptr_t)&e->sched, job->base.s_fence->scheduled.context, job->base.s_fence->finished.seqno, job->ctx->client_id, job->ctx->id, job->job_id, 0, e->name);
		/* Teardown: every job still handed to the engine completes, with -ENODEV. */
		if (e->stop)
			vnpu_job_abort_locked(e, job, -ENODEV);
		pthread_mutex_unlock(&e->lock);
		vnpu_engine_execute(e, job);
		pthread_mutex_lock(&e->lock);
	}
	pthread_mutex_unlock(&e->lock);
	vnpu_vf_engine_drop(e);
	return NULL;
}

static struct dma_fence *vnpu_sched_run_job(struct drm_sched_job *sched_job)
{
	struct vnpu_job *job = to_vnpu_job(sched_job);
	struct vnpu_engine *e = container_of(sched_job->sched, struct vnpu_engine, sched);
	struct dma_fence *fence;

	job->engine = e;
	fence = malloc(sizeof(*fence));
	if (!fence)
		return ERR_PTR(-ENOMEM);
	dma_fence_init(fence, &vnpu_hw_fence_ops, e->fence_context, atomic_fetch_add(&e->seqno, 1) + 1);
	job->hw_fence = fence;

	pthread_mutex_lock(&e->lock);
	if (e->stop) {
		/* Unplugged between the engine's stop and the scheduler's. */
		pthread_mutex_unlock(&e->lock);
		dma_fence_set_error(fence, -ENODEV);
		dma_fence_signal(fence);
		return dma_fence_get(fence);
	}
	job->fifo_next = NULL;
	if (e->fifo_tail)
		e->fifo_tail->fifo_next = job;
	else
		e->fifo_head = job;
	e->fifo_tail = job;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	return dma_fence_get(fence);
}

/*
 * Whether @job started an engine packet since the last timeout check: a job that did is
 * making progress, however long it runs in all. Called only by the timeout handler (the
 * scheduler's worker), which alone touches @progress_seen.
 */
static bool vnpu_job_progressed(struct vnpu_job *job)
{
	unsigned int now = atomic_load(&job->progress);
	bool moved = now != job->progress_seen;

	job->progress_seen = now;
	return moved;
}

/**
 * vnpu_engine_force_recovery() - run the timeout handler of @e now, as if its running job
 * had hung: the job is reset even if it is making progress (debugfs force_recovery)
 * @e: the engine
 */
void vnpu_engine_force_recovery(struct vnpu_engine *e)
{
	pthread_mutex_lock(&e->lock);
	if (e->running)
		atomic_store(&e->running->force_reset, true);
	pthread_mutex_unlock(&e->lock);
	drm_sched_fault(&e->sched);
}

/*
 * The job has been the oldest on the engine for the whole timeout (or recovery was forced
 * through debugfs). The timeout is there to catch hangs, not long jobs: as the kernel's v3d
 * does when its control-list pointers moved since the last timeout, a job that started a
 * packet since the last check is left running and the timeout restarts (NO_HANG). A model's
 * first inference builds a oneDNN primitive for each new packet shape inside the job and can
 * take many timeouts in all while every packet takes a fraction of one. A job stuck in one
 * packet, a SEM_WAIT or an injected hang starts no packet: it is reset at the first check
 * after it stopped, within two timeouts of its last packet start. Reset: the abort stops the
 * stream at its next packet boundary or semaphore poll; a packet in progress finishes first,
 * which bounds the reset by the longest packet.
 */
static enum drm_gpu_sched_stat vnpu_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct vnpu_job *job = to_vnpu_job(sched_job);
	struct vnpu_engine *e = job->engine;
	struct vnpu_device *vdev = e->vdev;
	struct vnpu_job *next;

	if (dma_fence_is_signaled(job->hw_fence))
		return DRM_GPU_SCHED_STAT_NO_HANG;
	/* Unplugged: no reset; the teardown (vnpu_engines_stop()) completes every job. */
	if (drm_dev_is_unplugged(&vdev->drm))
		return DRM_GPU_SCHED_STAT_ENODEV;
	if (!atomic_exchange(&job->force_reset, false) &&
	    (vnpu_job_progressed(job) || atomic_load(&job->vf_waiting)))
		return DRM_GPU_SCHED_STAT_NO_HANG;
	/*
	 * Traced before the job's fence can signal: a client that sees its job fail may exit at
	 * once, and its trace must already hold the hang.
	 */
	ACCEL_TRACE(ACCEL_TRACE_VNPU_HANG, (uintptr_t)&e->sched, sched_job->s_fence->scheduled.context, sched_job->s_fence->finished.seqno, job->ctx->client_id, job->ctx->id, job->job_id, -ETIME, e->name);
	/* Before the hung job's fence can signal: whoever sees it must find the context dead. */
	atomic_store(&job->ctx->killed, true);
	/*
	 * Counted (and traced) before the abort below: the abort wakes the engine, which signals
	 * the fence at once, and whoever sees the fence must find the reset counted.
	 */
	vnpu_engine_count_reset(e);
	pthread_mutex_lock(&e->lock);
	/*
	 * The context is about to be killed: its jobs already staged behind this one must not
	 * start once the engine drops it (the scheduler cancels only what it still holds).
	 * Under the same lock as the abort, so the engine cannot pick the next one up first.
	 */
	for (next = e->fifo_head; next; next = next->fifo_next)
		if (next->ctx == job->ctx)
			vnpu_job_abort_locked(e, next, -ECANCELED);
	vnpu_job_abort_locked(e, job, -ETIME);
	pthread_mutex_unlock(&e->lock);
	/* The engine's finish logged the job (-ETIME: debugfs last_hang) before signalling. */
	dma_fence_wait(job->hw_fence, false);
	accel_printk(ACCEL_LOG_WARN, "[drm] vnpu %s: job %llu of client %llu context %u hung on %s: engine reset, context killed",
		 vdev->drm.unique, (unsigned long long)job->job_id,
		 (unsigned long long)job->ctx->client_id, job->ctx->id, e->name);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void vnpu_sched_free_job(struct drm_sched_job *sched_job)
{
	vnpu_job_free(to_vnpu_job(sched_job));
}

const struct drm_sched_backend_ops vnpu_sched_ops = {
	.run_job = vnpu_sched_run_job,
	.timedout_job = vnpu_sched_timedout_job,
	.free_job = vnpu_sched_free_job,
};

static void vnpu_engine_destroy(struct vnpu_engine *e)
{
	vnpu_compute_destroy(e->compute);
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static int vnpu_engine_create(struct vnpu_device *vdev, unsigned int klass, unsigned int index,
			      struct vnpu_engine **out)
{
	struct drm_sched_init_args args = {
		.ops = &vnpu_sched_ops,
		.credit_limit = VNPU_ENGINE_CREDITS,
		.hang_limit = 0,
		.timeout_ms = (long)(vdev->cfg.job_timeout_ms * ACCEL_TIMEOUT_SCALE),
	};
	pthread_condattr_t cattr;
	struct vnpu_engine *e;
	int ret;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->vdev = vdev;
	e->klass = klass;
	e->index = index;
	snprintf(e->name, sizeof(e->name), "%s%u", vnpu_class_name[klass], index);
	e->fence_context = dma_fence_context_alloc(1);
	pthread_mutex_init(&e->lock, NULL);
	/* Monotonic: an injected packet delay waits on it with a deadline of vnpu_now_ns(). */
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &cattr);
	pthread_condattr_destroy(&cattr);
	args.name = e->name;
	ret = drm_sched_init(&e->sched, &args);
	if (ret)
		goto err_free;
	ret = -pthread_create(&e->thread, NULL, vnpu_engine_thread, e);
	if (ret)
		goto err_sched;
	e->thread_started = true;
	*out = e;
	return 0;

err_sched:
	drm_sched_fini(&e->sched);
err_free:
	vnpu_engine_destroy(e);
	return ret;
}

/**
 * vnpu_engines_init() - make the device's compute and DMA engines and start them
 * @vdev: the device, its configuration parsed
 *
 * Return: 0, or -ENOMEM / -EAGAIN with every engine made so far torn down again.
 */
int vnpu_engines_init(struct vnpu_device *vdev)
{
	const uint64_t count[VNPU_NR_CLASSES] = {
		[VNPU_ENGINE_COMPUTE] = vdev->cfg.compute_engines,
		[VNPU_ENGINE_DMA] = vdev->cfg.dma_engines,
	};
	unsigned int k, i;
	int ret;

	for (k = 0; k < VNPU_NR_CLASSES; k++) {
		for (i = 0; i < count[k]; i++) {
			ret = vnpu_engine_create(vdev, k, i, &vdev->engines[k][i]);
			if (ret)
				goto err;
			vdev->sched_list[k][i] = &vdev->engines[k][i]->sched;
			vdev->nr_engines[k] = i + 1;
		}
	}
	return 0;

err:
	vnpu_engines_stop(vdev);
	vnpu_engines_fini(vdev);
	return ret;
}

/**
 * vnpu_engines_stop() - unplug: stop every engine thread and the scheduler rings
 * @vdev: the device
 *
 * The job running on an engine is aborted and every job handed to an engine completes with
 * -ENODEV; then drm_sched_fini() completes what the schedulers still hold. Contexts are
 * detached: later SUBMITs fail with -ENODEV.
 */
void vnpu_engines_stop(struct vnpu_device *vdev)
{
	unsigned int k, i;

	for (k = 0; k < VNPU_NR_CLASSES; k++) {
		for (i = 0; i < vdev->nr_engines[k]; i++) {
			struct vnpu_engine *e = vdev->engines[k][i];

			if (!e->thread_started)
				continue;
			pthread_mutex_lock(&e->lock);
			e->stop = true;
			if (e->running)
				vnpu_job_abort_locked(e, e->running, -ENODEV);
			pthread_cond_broadcast(&e->cond);
			pthread_mutex_unlock(&e->lock);
			pthread_join(e->thread, NULL);
			e->thread_started = false;
			drm_sched_fini(&e->sched);
		}
	}
}

/**
 * vnpu_engines_fini() - free the engines (device release: no entity uses them any more)
 * @vdev: the device, its engines stopped
 */
void vnpu_engines_fini(struct vnpu_device *vdev)
{
	unsigned int k, i;

	for (k = 0; k < VNPU_NR_CLASSES; k++) {
		for (i = 0; i < vdev->nr_engines[k]; i++)
			vnpu_engine_destroy(vdev->engines[k][i]);
		vdev->nr_engines[k] = 0;
	}
}
