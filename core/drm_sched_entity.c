// SPDX-License-Identifier: MIT
/*
 * Scheduler entities (drivers/gpu/drm/scheduler/sched_entity.c): a client's queue of jobs
 * on one of its schedulers, with its priority (run queue), its dependencies, pushing jobs,
 * moving to the least loaded scheduler while idle, flushing and teardown, and its usage
 * statistics. The worker that serves entities is in drm_sched_main.c; the locking rules are
 * those of &struct drm_sched_entity (the scheduler's lock guards the queue and state).
 */
#include <string.h>

#include <accel/drm_sched.h>
#include <accel/trace.h>
#include <accel/wait.h>
#include "drm_sched_internal.h"

/* ---- statistics ---- */

void drm_sched_entity_account_start(struct drm_sched_entity *entity, ktime_t now)
{
	pthread_mutex_lock(&entity->stats_lock);
	if (!entity->active++)
		entity->busy_since = now;
	pthread_mutex_unlock(&entity->stats_lock);
}

void drm_sched_entity_account_end(struct drm_sched_entity *entity, ktime_t now)
{
	pthread_mutex_lock(&entity->stats_lock);
	/* Busy time is the union of the jobs' intervals: overlapping jobs count once. */
	if (entity->active && !--entity->active)
		entity->busy_ns += now - entity->busy_since;
	entity->jobs_done++;
	pthread_mutex_unlock(&entity->stats_lock);
}

/* ---- stopping ---- */

/*
 * Stop @entity with @error: it takes no more jobs and its queued ones go to the kill path,
 * each chained on the one before. Lock held; the worker is not looking at the entity.
 */
void drm_sched_entity_stop_locked(struct drm_gpu_scheduler *sched,
				  struct drm_sched_entity *entity, int error)
{
	struct dma_fence *prev;
	struct drm_sched_job *job;

	if (!entity->error)
		entity->error = error;
	entity->stopped = true;
	prev = dma_fence_get(entity->last_scheduled);
	while ((job = entity_head_locked(entity))) {
		list_del_init(&job->list);
		queue_count_add(entity, -1);
		drm_sched_kill_job_locked(sched, job, entity->error, prev);
		prev = dma_fence_get(&job->s_fence->finished);
	}
	dma_fence_put(prev);
	pthread_cond_broadcast(&sched->idle_cond);
}

/* ---- dependencies ---- */

static void drm_sched_entity_wakeup(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct drm_sched_entity *entity = container_of(cb, struct drm_sched_entity, cb);
	struct drm_gpu_scheduler *sched = entity->sched;
	struct dma_fence *put = NULL;

	pthread_mutex_lock(&sched->lock);
	if (entity->dependency == f) {
		put = entity->dependency;
		entity->dependency = NULL;
	}
	pthread_cond_signal(&sched->wake);
	pthread_mutex_unlock(&sched->lock);
	dma_fence_put(put);
}

/*
 * Walk the head job's dependencies: true when all have signalled, false when the entity now
 * waits on one (entity->dependency, whose callback wakes the worker). Worker, unlocked, with
 * @busy_entity set.
 */
bool drm_sched_entity_resolve(struct drm_gpu_scheduler *sched,
			      struct drm_sched_entity *entity, struct drm_sched_job *job)
{
	while (job->last_dependency < job->num_dependencies) {
		struct dma_fence *f = job->dependencies[job->last_dependency];
		struct dma_fence *put;

		/* Fences of the entity's own jobs come earlier in its queue: the order holds. */
		if (f->context == entity->fence_context || f->context == entity->fence_context + 1 ||
		    dma_fence_is_signaled(f)) {
			job->last_dependency++;
			continue;
		}
		pthread_mutex_lock(&sched->lock);
		entity->dependency = dma_fence_get(f);
		pthread_mutex_unlock(&sched->lock);
		if (!dma_fence_add_callback(f, &entity->cb, drm_sched_entity_wakeup))
			return false;
		pthread_mutex_lock(&sched->lock);
		put = entity->dependency;
		entity->dependency = NULL;
		pthread_mutex_unlock(&sched->lock);
		dma_fence_put(put);
		job->last_dependency++;
	}
	return true;
}

/* Take back a dependency callback of @entity, if one is armed. Unlocked. */
void drm_sched_entity_drop_dependency(struct drm_gpu_scheduler *sched,
				      struct drm_sched_entity *entity)
{
	struct dma_fence *dep, *put = NULL;

	pthread_mutex_lock(&sched->lock);
	dep = dma_fence_get(entity->dependency);
	pthread_mutex_unlock(&sched->lock);
	if (!dep)
		return;
	/* When it is not removed the callback ran (or is returning) and dropped the fence. */
	if (dma_fence_remove_callback(dep, &entity->cb)) {
		pthread_mutex_lock(&sched->lock);
		put = entity->dependency;
		entity->dependency = NULL;
		pthread_mutex_unlock(&sched->lock);
	}
	dma_fence_put(put);
	dma_fence_put(dep);
}

/* ---- run queues ---- */

bool drm_sched_entity_ready_locked(struct drm_sched_entity *entity)
{
	return !entity->stopped && !entity->dependency && !list_empty(&entity->queue);
}

/* Move an idle entity to the least loaded of its schedulers. Driver-serialised with push. */
void drm_sched_entity_select_sched(struct drm_sched_entity *entity)
{
	struct drm_gpu_scheduler *cur = entity->sched, *best;
	bool idle;

	if (entity->num_sched_list < 2)
		return;
	pthread_mutex_lock(&cur->lock);
	/* Only an idle entity may move: its jobs must stay in order on one ring. */
	idle = !entity->stopped && !entity->queue_count && !entity->dependency &&
	       (!entity->last_scheduled || fence_signaled_flag(entity->last_scheduled));
	pthread_mutex_unlock(&cur->lock);
	if (!idle)
		return;
	best = drm_sched_pick_best(entity->sched_list, entity->num_sched_list);
	if (!best || best == cur)
		return;
	pthread_mutex_lock(&cur->lock);
	list_del_init(&entity->link);
	pthread_mutex_unlock(&cur->lock);
	pthread_mutex_lock(&best->lock);
	entity->sched = best;
	list_add_tail(&entity->link, &best->sched_rq[entity->priority].entities);
	pthread_mutex_unlock(&best->lock);
}

/* ---- entities ---- */

/**
 * drm_sched_entity_init() - set up a client queue.
 * @entity: the entity
 * @priority: its run queue
 * @sched_list: schedulers it may run on (the array must outlive the entity)
 * @num_sched_list: how many
 *
 * Returns 0, or -EINVAL without a ready scheduler or for a bad priority.
 */
int drm_sched_entity_init(struct drm_sched_entity *entity, enum drm_sched_priority priority,
			  struct drm_gpu_scheduler **sched_list, unsigned int num_sched_list)
{
	struct drm_gpu_scheduler *sched;

	if (!entity || !sched_list || !num_sched_list || !sched_list[0] ||
	    (unsigned int)priority >= DRM_SCHED_PRIORITY_COUNT)
		return -EINVAL;
	sched = sched_list[0];
	if (!sched->ready)
		return -EINVAL;

	memset(entity, 0, sizeof(*entity));
	INIT_LIST_HEAD(&entity->queue);
	pthread_mutex_init(&entity->stats_lock, NULL);
	entity->sched_list = sched_list;
	entity->num_sched_list = num_sched_list;
	entity->priority = priority;
	/* Two contexts: scheduled fences on the first, finished fences on the second. */
	entity->fence_context = dma_fence_context_alloc(2);
	entity->sched = sched;

	/* An entity stays on its scheduler's run queue until fini, so fini can find it. */
	pthread_mutex_lock(&sched->lock);
	list_add_tail(&entity->link, &sched->sched_rq[priority].entities);
	pthread_mutex_unlock(&sched->lock);
	return 0;
}

/**
 * drm_sched_entity_flush() - let an entity's queue drain.
 * @entity: the entity
 * @timeout_ms: how long to wait at most
 *
 * Returns the milliseconds left, 0 when the queue did not drain in time.
 */
long drm_sched_entity_flush(struct drm_sched_entity *entity, long timeout_ms)
{
	/* drm_sched_fini() may be detaching the entity right now (it clears @sched). */
	struct drm_gpu_scheduler *sched = __atomic_load_n(&entity->sched, __ATOMIC_RELAXED);
	ktime_t deadline, now;
	long left = 0;

	if (!sched)
		return 0;
	if (timeout_ms < 0)
		timeout_ms = 0;
	deadline = ktime_deadline_ms(timeout_ms);
	pthread_mutex_lock(&sched->lock);
	cond_wait_event_deadline(&sched->idle_cond, &sched->lock,
				 !entity->queue_count || entity->stopped, deadline);
	now = ktime_get();
	if ((!entity->queue_count || entity->stopped) && now < deadline)
		left = deadline == MAX_SCHEDULE_TIMEOUT ? timeout_ms :
		       (long)((deadline - now + 999999) / 1000000);
	pthread_mutex_unlock(&sched->lock);
	return left;
}

/**
 * drm_sched_entity_fini() - take an entity off its scheduler.
 * @entity: the entity; no job may be pushed to it any more
 *
 * Jobs still queued complete with -ESRCH without running, in order, once their
 * dependencies have signalled, and are freed through free_job.
 */
void drm_sched_entity_fini(struct drm_sched_entity *entity)
{
	/* drm_sched_fini() may be detaching the entity right now (it clears @sched). */
	struct drm_gpu_scheduler *sched = __atomic_load_n(&entity->sched, __ATOMIC_RELAXED);
	struct drm_sched_job *job;

	if (!sched)
		goto out;
	pthread_mutex_lock(&sched->lock);
	/* The worker may be resolving dependencies or in run_job for this entity. */
	while (sched->busy_entity == entity)
		pthread_cond_wait(&sched->idle_cond, &sched->lock);
	drm_sched_entity_stop_locked(sched, entity, -ESRCH);
	list_del_init(&entity->link);
	/* Jobs in flight outlive the entity. */
	list_for_each_entry(job, &sched->pending_list, list)
		if (job->entity == entity)
			job->entity = NULL;
	pthread_mutex_unlock(&sched->lock);
	drm_sched_entity_drop_dependency(sched, entity);
	__atomic_store_n(&entity->sched, NULL, __ATOMIC_RELAXED);
out:
	dma_fence_put(entity->last_scheduled);
	entity->last_scheduled = NULL;
	dma_fence_put(entity->last_pushed);
	entity->last_pushed = NULL;
	pthread_mutex_destroy(&entity->stats_lock);
}

/**
 * drm_sched_entity_destroy() - what closing a file does to its queue.
 * @entity: the entity
 */
void drm_sched_entity_destroy(struct drm_sched_entity *entity)
{
	drm_sched_entity_flush(entity, DRM_SCHED_ENTITY_FLUSH_TIMEOUT_MS);
	drm_sched_entity_fini(entity);
}

/**
 * drm_sched_entity_error() - the error new submissions to @entity should fail with.
 * @entity: the entity
 *
 * Returns 0 or a negative errno (see the header).
 */
int drm_sched_entity_error(struct drm_sched_entity *entity)
{
	struct drm_gpu_scheduler *sched = entity->sched;
	struct dma_fence *last;
	int err, status;

	if (!sched)
		return entity->error ?: -ENODEV;
	pthread_mutex_lock(&sched->lock);
	err = entity->error;
	last = dma_fence_get(entity->last_scheduled);
	pthread_mutex_unlock(&sched->lock);
	if (!err && last) {
		status = fence_signaled_flag(last) ? fence_error(last) : 0;
		err = status < 0 ? status : 0;
	}
	dma_fence_put(last);
	return err;
}

/**
 * drm_sched_entity_set_priority() - move an entity to another run queue.
 * @entity: the entity
 * @priority: the new priority
 */
void drm_sched_entity_set_priority(struct drm_sched_entity *entity,
				   enum drm_sched_priority priority)
{
	struct drm_gpu_scheduler *sched = entity->sched;

	if (!sched || (unsigned int)priority >= DRM_SCHED_PRIORITY_COUNT)
		return;
	pthread_mutex_lock(&sched->lock);
	entity->priority = priority;
	list_move_tail(&entity->link, &sched->sched_rq[priority].entities);
	pthread_cond_signal(&sched->wake);
	pthread_mutex_unlock(&sched->lock);
}

/**
 * drm_sched_entity_get_stats() - usage of an entity, for fdinfo.
 * @entity: the entity
 * @stats: filled in
 */
void drm_sched_entity_get_stats(struct drm_sched_entity *entity,
				struct drm_sched_entity_stats *stats)
{
	ktime_t now = ktime_get();

	pthread_mutex_lock(&entity->stats_lock);
	stats->busy_ns = entity->busy_ns + (entity->active ? now - entity->busy_since : 0);
	stats->active = entity->active;
	stats->jobs_done = entity->jobs_done;
	pthread_mutex_unlock(&entity->stats_lock);
	/* A snapshot: it may change as soon as it is read. */
	stats->queued = __atomic_load_n(&entity->queue_count, __ATOMIC_RELAXED);
}

/**
 * drm_sched_entity_push_job() - queue an armed job.
 * @job: the job; the scheduler owns it from here on
 *
 * Returns 0, or the entity's error when it takes no more work (the job then completes with
 * that error without running, and is freed through free_job).
 */
int drm_sched_entity_push_job(struct drm_sched_job *job)
{
	struct drm_sched_entity *entity = job->entity;
	struct drm_gpu_scheduler *sched = job->sched;
	struct dma_fence *prev;
	int err = 0;

	job->submit_ts = ktime_get();
	ACCEL_TRACE(ACCEL_TRACE_SUBMIT, entity->fence_context, entity->fence_context, job->s_fence->finished.seqno, 0, 0, 0, 0, sched->name);
	atomic_fetch_add(sched->score, 1);
	pthread_mutex_lock(&sched->lock);
	prev = entity->last_pushed;
	entity->last_pushed = dma_fence_get(&job->s_fence->finished);
	if (entity->stopped) {
		err = entity->error;
		drm_sched_kill_job_locked(sched, job, err, prev);
		prev = NULL;
	} else {
		list_add_tail(&job->list, &entity->queue);
		queue_count_add(entity, 1);
		pthread_cond_signal(&sched->wake);
	}
	pthread_mutex_unlock(&sched->lock);
	dma_fence_put(prev);
	return err;
}
