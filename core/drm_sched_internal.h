/* SPDX-License-Identifier: MIT */
/*
 * What the scheduler's two halves share (core/drm_sched_main.c: the worker, jobs, timeouts;
 * core/drm_sched_entity.c: entities): not for drivers, whose header is include/accel/drm_sched.h.
 * "Locked" means with the scheduler's lock held; see &struct drm_gpu_scheduler.
 */
#ifndef ACCEL_CORE_DRM_SCHED_INTERNAL_H
#define ACCEL_CORE_DRM_SCHED_INTERNAL_H

#include <stdbool.h>
#include <accel/drm_sched.h>

/* Without asking ops->signaled, which could signal and run callbacks on this thread. */
static inline bool fence_signaled_flag(struct dma_fence *f)
{
	return atomic_load(&f->flags) & (1UL << DMA_FENCE_FLAG_SIGNALED_BIT);
}

/* The error of @f, read under its lock (it may still be set until it signals). */
static inline int fence_error(struct dma_fence *f)
{
	int err;

	pthread_mutex_lock(&f->lock);
	err = f->error;
	pthread_mutex_unlock(&f->lock);
	return err;
}

/* The job at the head of @entity's queue, or NULL. Locked. */
static inline struct drm_sched_job *entity_head_locked(struct drm_sched_entity *entity)
{
	return list_first_entry_or_null(&entity->queue, struct drm_sched_job, list);
}

/*
 * @queue_count changes under sched->lock, but with an atomic add: drm_sched_entity_get_stats()
 * (fdinfo, debugfs) reads it without that lock, as a snapshot.
 */
static inline void queue_count_add(struct drm_sched_entity *entity, int delta)
{
	__atomic_add_fetch(&entity->queue_count, (unsigned int)delta, __ATOMIC_RELAXED);
}

/* ---- drm_sched_entity.c ---- */

/* One of @entity's jobs went to the engine at @now (usage statistics). */
void drm_sched_entity_account_start(struct drm_sched_entity *entity, ktime_t now);
/* One of @entity's jobs finished at @now (usage statistics). */
void drm_sched_entity_account_end(struct drm_sched_entity *entity, ktime_t now);

/*
 * Stop @entity with @error: it takes no more jobs and its queued ones go to the kill path,
 * each chained on the one before. Lock held; the worker is not looking at the entity.
 */
void drm_sched_entity_stop_locked(struct drm_gpu_scheduler *sched,
				  struct drm_sched_entity *entity, int error);

/*
 * Walk the head job's dependencies: true when all have signalled, false when the entity now
 * waits on one (entity->dependency, whose callback wakes the worker). Worker, unlocked, with
 * @busy_entity set.
 */
bool drm_sched_entity_resolve(struct drm_gpu_scheduler *sched,
			      struct drm_sched_entity *entity, struct drm_sched_job *job);

/* Take back a dependency callback of @entity, if one is armed. Unlocked. */
void drm_sched_entity_drop_dependency(struct drm_gpu_scheduler *sched,
				      struct drm_sched_entity *entity);

/* @entity has a job the worker may run now (not stopped, no dependency pending). Locked. */
bool drm_sched_entity_ready_locked(struct drm_sched_entity *entity);

/* Move an idle entity to the least loaded of its schedulers. Driver-serialised with push. */
void drm_sched_entity_select_sched(struct drm_sched_entity *entity);

/* ---- drm_sched_main.c ---- */

/*
 * Hand @job to the kill path with @error: it completes without running once @prev (the
 * finished fence of the job before it on its entity; reference taken over) and its own
 * dependencies have signalled, so its fences keep the order of the entity's timeline and
 * nothing it depends on is still writing its buffers. Lock held.
 */
void drm_sched_kill_job_locked(struct drm_gpu_scheduler *sched, struct drm_sched_job *job,
			       int error, struct dma_fence *prev);

#endif
