// SPDX-License-Identifier: MIT
/*
 * The two fences of a scheduler job (drivers/gpu/drm/scheduler/sched_fence.c): "scheduled"
 * and "finished" share one allocation. The finished fence holds a reference on the
 * scheduled one, so the memory lives until both are gone; the hardware fence (@parent) is
 * kept until the finished fence goes, for whoever still asks about it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/drm_sched.h>
#include <accel/trace.h>

static const char *drm_sched_fence_get_driver_name(struct dma_fence *fence)
{
	(void)fence;
	return "drm_sched";
}

static const char *drm_sched_fence_get_timeline_name(struct dma_fence *f)
{
	struct drm_sched_fence *fence = to_drm_sched_fence(f);

	/* A copy, not the scheduler's name: fences outlive the scheduler that made them. */
	return fence->timeline;
}

static void drm_sched_fence_release_scheduled(struct dma_fence *f)
{
	struct drm_sched_fence *fence = container_of(f, struct drm_sched_fence, scheduled);

	free(fence);
}

static void drm_sched_fence_release_finished(struct dma_fence *f)
{
	struct drm_sched_fence *fence = container_of(f, struct drm_sched_fence, finished);

	dma_fence_put(fence->parent);
	fence->parent = NULL;
	dma_fence_put(&fence->scheduled);
}

static void drm_sched_fence_set_deadline_finished(struct dma_fence *f, ktime_t deadline)
{
	struct drm_sched_fence *fence = container_of(f, struct drm_sched_fence, finished);
	struct dma_fence *parent = __atomic_load_n(&fence->parent, __ATOMIC_ACQUIRE);

	/* Before run_job there is nothing to hurry; the engine's fence gets the hint after. */
	if (parent)
		dma_fence_set_deadline(parent, deadline);
}

static const struct dma_fence_ops drm_sched_fence_ops_scheduled = {
	.get_driver_name = drm_sched_fence_get_driver_name,
	.get_timeline_name = drm_sched_fence_get_timeline_name,
	.release = drm_sched_fence_release_scheduled,
};

static const struct dma_fence_ops drm_sched_fence_ops_finished = {
	.get_driver_name = drm_sched_fence_get_driver_name,
	.get_timeline_name = drm_sched_fence_get_timeline_name,
	.release = drm_sched_fence_release_finished,
	.set_deadline = drm_sched_fence_set_deadline_finished,
};

/**
 * to_drm_sched_fence() - the scheduler fence @f is part of.
 * @f: any fence
 *
 * Returns the &struct drm_sched_fence of a scheduled or finished fence, or NULL.
 */
struct drm_sched_fence *to_drm_sched_fence(struct dma_fence *f)
{
	if (f->ops == &drm_sched_fence_ops_scheduled)
		return container_of(f, struct drm_sched_fence, scheduled);
	if (f->ops == &drm_sched_fence_ops_finished)
		return container_of(f, struct drm_sched_fence, finished);
	return NULL;
}

/**
 * drm_sched_fence_alloc() - allocate a job's fences.
 * @owner: the job owner, for debugging
 *
 * Returns zeroed memory (@sched stays NULL until drm_sched_fence_init()), or NULL.
 */
struct drm_sched_fence *drm_sched_fence_alloc(void *owner)
{
	struct drm_sched_fence *fence = calloc(1, sizeof(*fence));

	if (fence)
		fence->owner = owner;
	return fence;
}

/**
 * drm_sched_fence_free() - free fences never initialised.
 * @fence: from drm_sched_fence_alloc()
 */
void drm_sched_fence_free(struct drm_sched_fence *fence)
{
	free(fence);
}

/**
 * drm_sched_fence_init() - initialise a job's fences.
 * @fence: from drm_sched_fence_alloc()
 * @sched: the scheduler that will run the job
 * @context: the entity's first fence context (scheduled; finished is @context + 1)
 * @seqno: the job's number on the entity's timelines
 */
void drm_sched_fence_init(struct drm_sched_fence *fence, struct drm_gpu_scheduler *sched,
			  uint64_t context, uint64_t seqno)
{
	fence->sched = sched;
	snprintf(fence->timeline, sizeof(fence->timeline), "%s", sched->name);
	dma_fence_init(&fence->scheduled, &drm_sched_fence_ops_scheduled, context, seqno);
	dma_fence_init(&fence->finished, &drm_sched_fence_ops_finished, context + 1, seqno);
}

/**
 * drm_sched_fence_scheduled() - the job was handed to the engine (or given up on).
 * @fence: the job's fences
 */
void drm_sched_fence_scheduled(struct drm_sched_fence *fence)
{
	dma_fence_signal(&fence->scheduled);
}

/**
 * drm_sched_fence_finished() - the job is over.
 * @fence: the job's fences
 * @result: 0, or the negative errno the finished fence carries
 */
void drm_sched_fence_finished(struct drm_sched_fence *fence, int result)
{
	if (result)
		dma_fence_set_error(&fence->finished, result);
	ACCEL_TRACE(ACCEL_TRACE_SIGNAL, fence->scheduled.context, fence->scheduled.context, fence->finished.seqno, 0, 0, 0, result, fence->timeline);
	dma_fence_signal(&fence->finished);
}
