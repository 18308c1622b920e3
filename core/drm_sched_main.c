// SPDX-License-Identifier: MIT
/*
 * The DRM job scheduler (drivers/gpu/drm/scheduler/sched_main.c): the worker thread of each
 * scheduler, running jobs and completing them, credits, the timeout (TDR) and recovery
 * (stop / start / fault), teardown, and the jobs' life cycle (init, arm, dependencies,
 * cleanup). Entities, the client queues the worker serves, are in drm_sched_entity.c.
 *
 * Each scheduler has one worker thread doing, in this order of preference: completing
 * killed jobs, freeing finished jobs, handling a timeout, running the next job. Everything
 * it shares with submitters and fence callbacks is under the scheduler's one mutex, which
 * is never held while calling the driver, signalling a fence, adding a fence callback (that
 * may signal and run callbacks on this thread) or removing one (that waits for a running
 * callback, which may want the mutex). Where the worker has to look at an entity without the
 * lock (resolving dependencies, run_job), @busy_entity tells drm_sched_entity_fini() to wait.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/drm_print.h>
#include <accel/drm_sched.h>
#include <accel/trace.h>
#include <accel/wait.h>
#include "drm_sched_internal.h"

/* ---- helpers ---- */

static bool on_worker(struct drm_gpu_scheduler *sched)
{
	return pthread_equal(pthread_self(), sched->thread);
}

/* ---- timeout ---- */

static ktime_t tdr_deadline_from_now(struct drm_gpu_scheduler *sched)
{
	/* 0: the timer is off. */
	if (sched->timeout_ms == MAX_SCHEDULE_TIMEOUT)
		return 0;
	return ktime_deadline_ms(sched->timeout_ms);
}

/*
 * The timeout watches the oldest job still on the engine and starts when it became the
 * oldest. (The kernel restarts it at every new job, which lets a stream of submissions
 * hide a hang.)
 */
static void tdr_update_locked(struct drm_gpu_scheduler *sched)
{
	struct drm_sched_job *job, *first = NULL;

	list_for_each_entry(job, &sched->pending_list, list) {
		if (!job->done) {
			first = job;
			break;
		}
	}
	if (!first) {
		sched->tdr_job = NULL;
		sched->tdr_deadline = 0;
		return;
	}
	/* Tracked even without a timeout: drm_sched_fault() needs to know the oldest job. */
	if (first != sched->tdr_job) {
		sched->tdr_job = first;
		sched->tdr_deadline = tdr_deadline_from_now(sched);
	}
}

/* ---- completion ---- */

/*
 * The engine is done with @job (or the scheduler gave up on it): return its credits,
 * signal its finished fence and let the worker free it. Any thread.
 */
static void drm_sched_job_done(struct drm_sched_job *job, int result)
{
	struct drm_gpu_scheduler *sched = job->sched;
	struct dma_fence *finished = &job->s_fence->finished;
	ktime_t now = ktime_get();
	int err;

	pthread_mutex_lock(&sched->lock);
	if (job->done) {
		pthread_mutex_unlock(&sched->lock);
		return;
	}
	job->done = true;
	job->finish_ts = now;
	if (!job->detached)
		sched->credit_count -= job->credits;
	atomic_fetch_sub(sched->score, 1);
	if (job->entity)
		drm_sched_entity_account_end(job->entity, now);
	err = result ?: job->cancel_error;
	tdr_update_locked(sched);
	/* drm_sched_fini() waits for us: we touch @sched again after signalling. */
	sched->in_callbacks++;
	pthread_mutex_unlock(&sched->lock);

	/*
	 * The fence is signalled (its flag set) before its callbacks run, and those may be in
	 * the driver's job: the worker frees the job only once @signalled says they are over.
	 */
	dma_fence_get(finished);
	drm_sched_fence_finished(job->s_fence, err);
	dma_fence_put(finished);

	pthread_mutex_lock(&sched->lock);
	job->signalled = true;
	sched->in_callbacks--;
	pthread_cond_signal(&sched->wake);
	pthread_cond_broadcast(&sched->idle_cond);
	pthread_mutex_unlock(&sched->lock);
}

static void drm_sched_job_done_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct drm_sched_job *job = container_of(cb, struct drm_sched_job, cb);

	/* Signalled: its error is final and needs no lock. */
	drm_sched_job_done(job, f->error);
}

/* A job that never runs: both fences signal now, then the driver frees it. Unlocked. */
static void drm_sched_job_complete_unrun(struct drm_gpu_scheduler *sched,
					 struct drm_sched_job *job, int error)
{
	job->finish_ts = ktime_get();
	atomic_fetch_sub(sched->score, 1);
	drm_sched_fence_scheduled(job->s_fence);
	drm_sched_fence_finished(job->s_fence, error);
	sched->ops->free_job(job);
}

/* ---- killed jobs ---- */

static void drm_sched_kill_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct drm_sched_job *job = container_of(cb, struct drm_sched_job, kill_cb);
	struct drm_gpu_scheduler *sched = job->sched;

	pthread_mutex_lock(&sched->lock);
	if (job->kill_wait == f) {
		job->kill_wait = NULL;
		list_move_tail(&job->list, &sched->kill_ready_list);
		pthread_cond_signal(&sched->wake);
	}
	pthread_mutex_unlock(&sched->lock);
	dma_fence_put(f);
}

/*
 * Hand @job to the kill path with @error: it completes without running once @prev (the
 * finished fence of the job before it on its entity; reference taken over) and its own
 * dependencies have signalled, so its fences keep the order of the entity's timeline and
 * nothing it depends on is still writing its buffers. Lock held.
 */
void drm_sched_kill_job_locked(struct drm_gpu_scheduler *sched, struct drm_sched_job *job,
			       int error, struct dma_fence *prev)
{
	job->entity = NULL;
	job->kill_error = error;
	job->kill_prev = prev;
	list_add_tail(&job->list, &sched->kill_ready_list);
	pthread_cond_signal(&sched->wake);
}

/* Wait on the next unsignalled fence of a killed job; true when there is none left. Unlocked. */
static bool drm_sched_kill_step(struct drm_gpu_scheduler *sched, struct drm_sched_job *job)
{
	for (;;) {
		struct dma_fence *f = NULL;

		if (job->kill_prev) {
			f = job->kill_prev;
			job->kill_prev = NULL;
		} else {
			while (job->last_dependency < job->num_dependencies) {
				struct dma_fence *d = job->dependencies[job->last_dependency++];

				if (!fence_signaled_flag(d)) {
					f = dma_fence_get(d);
					break;
				}
			}
		}
		if (!f)
			return true;

		pthread_mutex_lock(&sched->lock);
		job->kill_wait = f;
		list_add_tail(&job->list, &sched->kill_wait_list);
		pthread_mutex_unlock(&sched->lock);
		if (!dma_fence_add_callback(f, &job->kill_cb, drm_sched_kill_cb))
			return false;

		/* Already signalled: the callback was never added, nobody else moved the job. */
		pthread_mutex_lock(&sched->lock);
		job->kill_wait = NULL;
		list_del_init(&job->list);
		pthread_mutex_unlock(&sched->lock);
		dma_fence_put(f);
	}
}

/* ---- the worker ---- */

/*
 * The entity to serve next: the highest priority with a ready entity, and in it the entity
 * whose next job was submitted first. NULL when none, or when that job does not fit the
 * ring: lower priorities must not overtake it. Lock held.
 */
static struct drm_sched_entity *drm_sched_select_entity_locked(struct drm_gpu_scheduler *sched)
{
	int prio;

	for (prio = DRM_SCHED_PRIORITY_KERNEL; prio < DRM_SCHED_PRIORITY_COUNT; prio++) {
		struct drm_sched_entity *e, *best = NULL;

		list_for_each_entry(e, &sched->sched_rq[prio].entities, link) {
			if (!drm_sched_entity_ready_locked(e))
				continue;
			if (!best || entity_head_locked(e)->submit_ts <
				     entity_head_locked(best)->submit_ts)
				best = e;
		}
		if (best) {
			if (sched->credit_limit - sched->credit_count < entity_head_locked(best)->credits)
				return NULL;
			return best;
		}
	}
	return NULL;
}

/* Run the head job of @entity, or arm its next dependency. Entered and left locked. */
static void drm_sched_run_entity(struct drm_gpu_scheduler *sched, struct drm_sched_entity *entity)
{
	struct drm_sched_job *job = entity_head_locked(entity);
	struct drm_sched_fence *s_fence = job->s_fence;
	struct dma_fence *fence, *old;
	ktime_t now;

	sched->busy_entity = entity;
	pthread_mutex_unlock(&sched->lock);
	if (!drm_sched_entity_resolve(sched, entity, job)) {
		pthread_mutex_lock(&sched->lock);
		sched->busy_entity = NULL;
		pthread_cond_broadcast(&sched->idle_cond);
		return;
	}
	ACCEL_TRACE(ACCEL_TRACE_DEPS_DONE, entity->fence_context, entity->fence_context, s_fence->finished.seqno, 0, 0, 0, 0, NULL);

	pthread_mutex_lock(&sched->lock);
	list_del_init(&job->list);
	queue_count_add(entity, -1);
	old = entity->last_scheduled;
	entity->last_scheduled = dma_fence_get(&s_fence->finished);
	now = ktime_get();
	job->start_ts = now;
	sched->credit_count += job->credits;
	list_add_tail(&job->list, &sched->pending_list);
	drm_sched_entity_account_start(entity, now);
	tdr_update_locked(sched);
	sched->in_submit = true;
	pthread_cond_broadcast(&sched->idle_cond);
	pthread_mutex_unlock(&sched->lock);
	dma_fence_put(old);

	ACCEL_TRACE(ACCEL_TRACE_RUN, (uintptr_t)sched, s_fence->scheduled.context, s_fence->finished.seqno, 0, 0, 0, 0, sched->name);
	fence = sched->ops->run_job(job);

	pthread_mutex_lock(&sched->lock);
	sched->busy_entity = NULL;
	if (!IS_ERR_OR_NULL(fence))
		__atomic_store_n(&s_fence->parent, fence, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&sched->idle_cond);
	pthread_mutex_unlock(&sched->lock);

	drm_sched_fence_scheduled(s_fence);
	/* The fence may have signalled already, even before run_job returned. */
	if (IS_ERR_OR_NULL(fence))
		drm_sched_job_done(job, IS_ERR(fence) ? (int)PTR_ERR(fence) : 0);
	else if (dma_fence_add_callback(fence, &job->cb, drm_sched_job_done_cb))
		drm_sched_job_done(job, fence_error(fence));

	/* Only now may drm_sched_stop() look for the callback on the hardware fence. */
	pthread_mutex_lock(&sched->lock);
	sched->in_submit = false;
	pthread_cond_broadcast(&sched->idle_cond);
}

/*
 * After a reset answer: raise the job's karma, make its entity guilty past the hang limit,
 * and stop waiting for a hardware fence that will not come. Entered and left locked.
 */
static void drm_sched_handle_hang(struct drm_gpu_scheduler *sched, struct drm_sched_job *job)
{
	struct drm_sched_entity *entity = job->entity;
	struct dma_fence *parent;
	bool finish;
	int karma = 0;

	/* Kernel work (page tables, clears) is never to blame, as in the kernel. */
	if (job->s_priority != DRM_SCHED_PRIORITY_KERNEL)
		karma = atomic_fetch_add(&job->karma, 1) + 1;
	if (entity && karma > (int)sched->hang_limit && !entity->stopped) {
		struct drm_sched_job *pending;

		drm_sched_entity_stop_locked(sched, entity, -ECANCELED);
		list_for_each_entry(pending, &sched->pending_list, list)
			if (pending->entity == entity)
				pending->cancel_error = -ECANCELED;
	}
	job->cancel_error = -ETIME;
	finish = !job->done && !job->detached;
	parent = job->s_fence->parent;
	pthread_mutex_unlock(&sched->lock);

	if (finish && parent && dma_fence_remove_callback(parent, &job->cb))
		drm_sched_job_done(job, fence_error(parent));
	pthread_mutex_lock(&sched->lock);
}

/* The oldest job timed out: ask the driver. Entered and left locked. */
static void drm_sched_timedout(struct drm_gpu_scheduler *sched)
{
	struct drm_sched_job *job = sched->tdr_job;
	enum drm_gpu_sched_stat stat;

	sched->tdr_deadline = 0;
	if (!job || job->done) {
		sched->tdr_job = NULL;
		tdr_update_locked(sched);
		return;
	}
	pthread_mutex_unlock(&sched->lock);
	accel_printk(ACCEL_LOG_WARN, "[drm] %s: job %llu timed out", sched->name,
		     (unsigned long long)job->id);
	ACCEL_TRACE(ACCEL_TRACE_TIMEOUT, (uintptr_t)sched, job->s_fence->scheduled.context, job->s_fence->finished.seqno, 0, 0, 0, -ETIME, sched->name);
	stat = sched->ops->timedout_job(job);
	pthread_mutex_lock(&sched->lock);

	switch (stat) {
	case DRM_GPU_SCHED_STAT_ENODEV:
		/* The device is gone: no more timeouts for this job; fini completes it. */
		break;
	case DRM_GPU_SCHED_STAT_NO_HANG:
		if (sched->tdr_job == job && !job->done)
			sched->tdr_deadline = tdr_deadline_from_now(sched);
		else
			tdr_update_locked(sched);
		break;
	case DRM_GPU_SCHED_STAT_NONE:
	case DRM_GPU_SCHED_STAT_NOMINAL:
	default:
		drm_sched_handle_hang(sched, job);
		sched->tdr_job = NULL;
		tdr_update_locked(sched);
		break;
	}
}

/* The oldest job that drm_sched_job_done() is over with, off the pending list. Locked. */
static struct drm_sched_job *drm_sched_get_finished_job_locked(struct drm_gpu_scheduler *sched)
{
	struct drm_sched_job *job;

	list_for_each_entry(job, &sched->pending_list, list) {
		if (job->signalled) {
			list_del_init(&job->list);
			return job;
		}
	}
	return NULL;
}

static void *drm_sched_worker(void *arg)
{
	struct drm_gpu_scheduler *sched = arg;
	struct drm_sched_entity *entity;
	struct drm_sched_job *job;

	pthread_mutex_lock(&sched->lock);
	while (!sched->stopping) {
		if (!list_empty(&sched->kill_ready_list)) {
			job = list_first_entry(&sched->kill_ready_list, struct drm_sched_job, list);
			list_del_init(&job->list);
			pthread_mutex_unlock(&sched->lock);
			if (drm_sched_kill_step(sched, job))
				drm_sched_job_complete_unrun(sched, job, job->kill_error);
			pthread_mutex_lock(&sched->lock);
			continue;
		}
		if (sched->pause_submit) {
			pthread_cond_wait(&sched->wake, &sched->lock);
			continue;
		}
		job = drm_sched_get_finished_job_locked(sched);
		if (job) {
			sched->in_submit = true;
			pthread_mutex_unlock(&sched->lock);
			sched->ops->free_job(job);
			pthread_mutex_lock(&sched->lock);
			sched->in_submit = false;
			pthread_cond_broadcast(&sched->idle_cond);
			continue;
		}
		if (sched->tdr_deadline && ktime_get() >= sched->tdr_deadline) {
			drm_sched_timedout(sched);
			continue;
		}
		entity = drm_sched_select_entity_locked(sched);
		if (entity) {
			drm_sched_run_entity(sched, entity);
			continue;
		}
		cond_wait_deadline(&sched->wake, &sched->lock,
				   sched->tdr_deadline ? sched->tdr_deadline : MAX_SCHEDULE_TIMEOUT);
	}
	pthread_mutex_unlock(&sched->lock);
	return NULL;
}

/* ---- scheduler ---- */

/**
 * drm_sched_init() - set up a scheduler and start its worker.
 * @sched: the scheduler (zeroed or not; everything is set here)
 * @args: ops, ring capacity, hang limit, timeout, score and name
 *
 * Returns 0, -EINVAL for bad arguments, or the error of creating the worker thread.
 */
int drm_sched_init(struct drm_gpu_scheduler *sched, const struct drm_sched_init_args *args)
{
	char tname[16];
	int i, ret;

	if (!args->ops || !args->ops->run_job || !args->ops->timedout_job ||
	    !args->ops->free_job || !args->credit_limit ||
	    (args->timeout_ms < 0 && args->timeout_ms != MAX_SCHEDULE_TIMEOUT))
		return -EINVAL;

	memset(sched, 0, sizeof(*sched));
	sched->ops = args->ops;
	sched->credit_limit = args->credit_limit;
	sched->hang_limit = args->hang_limit;
	/* A timeout too long to express in nanoseconds is no timeout. */
	sched->timeout_ms = args->timeout_ms < MAX_SCHEDULE_TIMEOUT / 1000000 ?
			    args->timeout_ms : MAX_SCHEDULE_TIMEOUT;
	snprintf(sched->name, sizeof(sched->name), "%s", args->name ? args->name : "sched");
	atomic_init(&sched->_score, 0);
	sched->score = args->score ? args->score : &sched->_score;
	for (i = 0; i < DRM_SCHED_PRIORITY_COUNT; i++)
		INIT_LIST_HEAD(&sched->sched_rq[i].entities);
	INIT_LIST_HEAD(&sched->pending_list);
	INIT_LIST_HEAD(&sched->kill_wait_list);
	INIT_LIST_HEAD(&sched->kill_ready_list);
	pthread_mutex_init(&sched->lock, NULL);
	cond_init_monotonic(&sched->wake);
	cond_init_monotonic(&sched->idle_cond);
	sched->ready = true;

	ret = -pthread_create(&sched->thread, NULL, drm_sched_worker, sched);
	if (ret)
		goto err_destroy;
	snprintf(tname, sizeof(tname), "sched:%s", sched->name);
	pthread_setname_np(sched->thread, tname);
	return 0;

err_destroy:
	pthread_cond_destroy(&sched->idle_cond);
	pthread_cond_destroy(&sched->wake);
	pthread_mutex_destroy(&sched->lock);
	sched->ready = false;
	return ret;
}

/* Detach every entity of @sched; their queued jobs go on @cancel. Worker stopped. */
static void drm_sched_fini_entities(struct drm_gpu_scheduler *sched, struct list_head *cancel)
{
	int prio;

	for (prio = 0; prio < DRM_SCHED_PRIORITY_COUNT; prio++) {
		struct list_head *head = &sched->sched_rq[prio].entities;

		pthread_mutex_lock(&sched->lock);
		while (!list_empty(head)) {
			struct drm_sched_entity *entity =
				list_first_entry(head, struct drm_sched_entity, link);
			struct drm_sched_job *job;

			list_del_init(&entity->link);
			entity->stopped = true;
			if (!entity->error)
				entity->error = -ENODEV;
			while ((job = entity_head_locked(entity))) {
				queue_count_add(entity, -1);
				job->entity = NULL;
				list_move_tail(&job->list, cancel);
			}
			pthread_mutex_unlock(&sched->lock);
			drm_sched_entity_drop_dependency(sched, entity);
			pthread_mutex_lock(&sched->lock);
			/* Atomic: a client closing now reads it unlocked (drm_sched_entity_fini()). */
			__atomic_store_n(&entity->sched, NULL, __ATOMIC_RELAXED);
		}
		/* A client flushing a detached entity stops waiting. */
		pthread_cond_broadcast(&sched->idle_cond);
		pthread_mutex_unlock(&sched->lock);
	}
}

/**
 * drm_sched_fini() - tear a scheduler down.
 * @sched: the scheduler; its entities may be flushed and finalised after, or while it runs
 *	   (a client closing during an unplug): its lock and conditions stay usable until the
 *	   driver frees @sched, which it does once no entity can reach it
 *
 * Completes and frees every job it still holds: in flight (the hardware fence's error, or
 * -ECANCELED when it never came), queued (-ECANCELED), killed (their kill error).
 */
void drm_sched_fini(struct drm_gpu_scheduler *sched)
{
	LIST_HEAD(cancel);
	struct drm_sched_job *job;

	if (!sched->ready)
		return;
	pthread_mutex_lock(&sched->lock);
	sched->stopping = true;
	pthread_cond_signal(&sched->wake);
	pthread_mutex_unlock(&sched->lock);
	pthread_join(sched->thread, NULL);

	drm_sched_fini_entities(sched, &cancel);

	/* In flight: take the callbacks off the hardware fences and finish the jobs here. */
	pthread_mutex_lock(&sched->lock);
	list_for_each_entry(job, &sched->pending_list, list) {
		struct dma_fence *parent;

		if (job->done)
			continue;
		parent = job->s_fence->parent;
		pthread_mutex_unlock(&sched->lock);
		if (!parent || job->detached || dma_fence_remove_callback(parent, &job->cb))
			drm_sched_job_done(job, (parent ? fence_error(parent) : 0) ?: -ECANCELED);
		pthread_mutex_lock(&sched->lock);
	}
	/* Callbacks that were already running must be out before the jobs go. */
	while (sched->in_callbacks)
		pthread_cond_wait(&sched->idle_cond, &sched->lock);
	sched->tdr_job = NULL;
	sched->tdr_deadline = 0;

	/* Killed jobs waiting on a fence: stop waiting. */
	while (!list_empty(&sched->kill_wait_list)) {
		struct dma_fence *f;

		job = list_first_entry(&sched->kill_wait_list, struct drm_sched_job, list);
		f = dma_fence_get(job->kill_wait);
		pthread_mutex_unlock(&sched->lock);
		if (dma_fence_remove_callback(f, &job->kill_cb)) {
			pthread_mutex_lock(&sched->lock);
			job->kill_wait = NULL;
			list_move_tail(&job->list, &sched->kill_ready_list);
			pthread_mutex_unlock(&sched->lock);
			dma_fence_put(f);
		}
		dma_fence_put(f);
		pthread_mutex_lock(&sched->lock);
	}
	pthread_mutex_unlock(&sched->lock);

	/* Nothing else can reach the lists now. */
	while (!list_empty(&sched->pending_list)) {
		job = list_first_entry(&sched->pending_list, struct drm_sched_job, list);
		list_del_init(&job->list);
		sched->ops->free_job(job);
	}
	while (!list_empty(&sched->kill_ready_list)) {
		job = list_first_entry(&sched->kill_ready_list, struct drm_sched_job, list);
		list_del_init(&job->list);
		dma_fence_put(job->kill_prev);
		job->kill_prev = NULL;
		drm_sched_job_complete_unrun(sched, job, job->kill_error);
	}
	while (!list_empty(&cancel)) {
		job = list_first_entry(&cancel, struct drm_sched_job, list);
		list_del_init(&job->list);
		drm_sched_job_complete_unrun(sched, job, -ECANCELED);
	}

	/*
	 * The lock and conditions are not destroyed: an entity's flush or fini in a thread
	 * closing a file may still be waiting on them or about to take them (it then finds the
	 * entity stopped and detached). Default pthread mutexes and conditions hold no resource
	 * beyond their memory, which goes with the driver's.
	 */
	sched->ready = false;
}

/**
 * drm_sched_stop() - pause the scheduler for a reset.
 * @sched: the scheduler
 * @bad: the job that caused the reset (unused; the kernel's signature)
 *
 * No job is run or freed until drm_sched_start(); jobs in flight stop listening to their
 * hardware fences and give their credits back.
 */
void drm_sched_stop(struct drm_gpu_scheduler *sched, struct drm_sched_job *bad)
{
	struct drm_sched_job *job;

	(void)bad;
	pthread_mutex_lock(&sched->lock);
	sched->pause_submit = true;
	if (!on_worker(sched))
		while (sched->in_submit)
			pthread_cond_wait(&sched->idle_cond, &sched->lock);
	/* Paused: the pending list only changes under us now. */
	list_for_each_entry(job, &sched->pending_list, list) {
		struct dma_fence *parent = job->s_fence->parent;
		bool removed;

		if (job->done || job->detached || !parent)
			continue;
		pthread_mutex_unlock(&sched->lock);
		removed = dma_fence_remove_callback(parent, &job->cb);
		pthread_mutex_lock(&sched->lock);
		if (removed) {
			job->detached = true;
			sched->credit_count -= job->credits;
		}
	}
	sched->tdr_job = NULL;
	sched->tdr_deadline = 0;
	pthread_mutex_unlock(&sched->lock);
}

/**
 * drm_sched_start() - resume after a reset.
 * @sched: the scheduler stopped with drm_sched_stop()
 *
 * Jobs in flight listen to their hardware fences again (completing now if those signalled
 * during the reset); the timeout restarts; the worker runs again.
 */
void drm_sched_start(struct drm_gpu_scheduler *sched)
{
	struct drm_sched_job *job;

	pthread_mutex_lock(&sched->lock);
	list_for_each_entry(job, &sched->pending_list, list) {
		struct dma_fence *parent = job->s_fence->parent;

		if (!job->detached)
			continue;
		job->detached = false;
		sched->credit_count += job->credits;
		pthread_mutex_unlock(&sched->lock);
		if (dma_fence_add_callback(parent, &job->cb, drm_sched_job_done_cb))
			drm_sched_job_done(job, fence_error(parent));
		pthread_mutex_lock(&sched->lock);
	}
	sched->pause_submit = false;
	sched->tdr_job = NULL;
	tdr_update_locked(sched);
	pthread_cond_signal(&sched->wake);
	pthread_mutex_unlock(&sched->lock);
}

/**
 * drm_sched_fault() - handle the timeout now.
 * @sched: the scheduler whose engine the driver found hung
 */
void drm_sched_fault(struct drm_gpu_scheduler *sched)
{
	pthread_mutex_lock(&sched->lock);
	if (sched->tdr_job)
		sched->tdr_deadline = ktime_get();
	pthread_cond_signal(&sched->wake);
	pthread_mutex_unlock(&sched->lock);
}

/**
 * drm_sched_wqueue_ready() - whether @sched is initialised and not torn down.
 * @sched: the scheduler
 */
bool drm_sched_wqueue_ready(struct drm_gpu_scheduler *sched)
{
	return sched->ready;
}

/**
 * drm_sched_pick_best() - the least loaded ready scheduler.
 * @sched_list: candidates
 * @num_sched_list: how many
 *
 * Returns the one with the lowest score (jobs pushed and not yet completed), or NULL.
 */
struct drm_gpu_scheduler *drm_sched_pick_best(struct drm_gpu_scheduler **sched_list,
					      unsigned int num_sched_list)
{
	struct drm_gpu_scheduler *best = NULL;
	int min_score = 0;
	unsigned int i;

	for (i = 0; i < num_sched_list; i++) {
		struct drm_gpu_scheduler *sched = sched_list[i];
		int score;

		if (!sched->ready)
			continue;
		score = atomic_load(sched->score);
		if (!best || score < min_score) {
			best = sched;
			min_score = score;
		}
	}
	return best;
}

/* ---- jobs ---- */

/**
 * drm_sched_job_init() - prepare a job.
 * @job: the job (zeroed here)
 * @entity: the queue it goes to
 * @credits: ring capacity it takes (at most the scheduler's limit; more is truncated)
 * @owner: for debugging
 *
 * Returns 0, -EINVAL, -ENOENT or -ENOMEM.
 */
int drm_sched_job_init(struct drm_sched_job *job, struct drm_sched_entity *entity,
		       uint32_t credits, void *owner)
{
	if (!credits)
		return -EINVAL;
	if (!entity->sched)
		return -ENOENT;
	memset(job, 0, sizeof(*job));
	job->s_fence = drm_sched_fence_alloc(owner);
	if (!job->s_fence)
		return -ENOMEM;
	INIT_LIST_HEAD(&job->list);
	job->entity = entity;
	job->credits = credits;
	job->owner = owner;
	atomic_init(&job->karma, 0);
	return 0;
}

/**
 * drm_sched_job_arm() - commit a job to run.
 * @job: initialised with drm_sched_job_init()
 */
void drm_sched_job_arm(struct drm_sched_job *job)
{
	struct drm_sched_entity *entity = job->entity;
	struct drm_gpu_scheduler *sched;
	uint64_t seqno;

	drm_sched_entity_select_sched(entity);
	sched = entity->sched;
	job->sched = sched;
	if (job->credits > sched->credit_limit) {
		accel_printk(ACCEL_LOG_WARN, "[drm] %s: job of %u credits truncated to the limit %u",
			     sched->name, job->credits, sched->credit_limit);
		job->credits = sched->credit_limit;
	}
	pthread_mutex_lock(&sched->lock);
	job->s_priority = entity->priority;
	job->id = ++sched->job_id_count;
	seqno = ++entity->fence_seq;
	pthread_mutex_unlock(&sched->lock);
	drm_sched_fence_init(job->s_fence, sched, entity->fence_context, seqno);
}

/**
 * drm_sched_job_add_dependency() - make a job wait for a fence.
 * @job: the job, before it is pushed
 * @fence: the fence (reference consumed)
 *
 * Returns 0 or -ENOMEM.
 */
int drm_sched_job_add_dependency(struct drm_sched_job *job, struct dma_fence *fence)
{
	struct dma_fence **deps;
	uint32_t i, max;

	if (!fence)
		return 0;
	/* One fence per context: the array scales with engines, not with buffers. */
	for (i = 0; i < job->num_dependencies; i++) {
		struct dma_fence *entry = job->dependencies[i];

		if (entry->context != fence->context)
			continue;
		if (dma_fence_is_later(fence, entry)) {
			job->dependencies[i] = fence;
			dma_fence_put(entry);
		} else {
			dma_fence_put(fence);
		}
		return 0;
	}
	if (job->num_dependencies == job->max_dependencies) {
		max = job->max_dependencies ? job->max_dependencies * 2 : 4;
		deps = realloc(job->dependencies, max * sizeof(*deps));
		if (!deps) {
			dma_fence_put(fence);
			return -ENOMEM;
		}
		job->dependencies = deps;
		job->max_dependencies = max;
	}
	job->dependencies[job->num_dependencies++] = fence;
	return 0;
}

/**
 * drm_sched_job_dependency_error() - the first error among signalled dependencies.
 * @job: the job (from run_job: all its dependencies have signalled)
 *
 * Returns 0 or a negative errno.
 */
int drm_sched_job_dependency_error(struct drm_sched_job *job)
{
	uint32_t i;

	for (i = 0; i < job->num_dependencies; i++) {
		struct dma_fence *f = job->dependencies[i];

		if (fence_signaled_flag(f) && f->error < 0)
			return f->error;
	}
	return 0;
}

/**
 * drm_sched_job_cleanup() - release a job's scheduler resources.
 * @job: the job, from free_job or before it was armed/pushed
 */
void drm_sched_job_cleanup(struct drm_sched_job *job)
{
	uint32_t i;

	if (job->s_fence) {
		if (job->s_fence->sched)
			dma_fence_put(&job->s_fence->finished);
		else
			drm_sched_fence_free(job->s_fence);
		job->s_fence = NULL;
	}
	for (i = 0; i < job->num_dependencies; i++)
		dma_fence_put(job->dependencies[i]);
	free(job->dependencies);
	job->dependencies = NULL;
	job->num_dependencies = job->max_dependencies = 0;
}
