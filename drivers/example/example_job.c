// SPDX-License-Identifier: MIT
/*
 * example: jobs. SUBMIT makes a job whose fence lands in a syncobj (replacing its fence, or
 * as a timeline point) and names it by a fence_id; SIGNAL completes it by hand, optionally
 * with an error. There is no hardware: the caller decides when a job is done, which is what
 * the fence and syncobj tests need. Numbers and errors are those of the kernel oracle's
 * accel_oracle driver.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include <accel/dma_fence.h>
#include <accel/drm_drv.h>
#include <accel/drm_syncobj.h>
#include <accel/idr.h>
#include <uapi/drm/example_accel.h>
#include "example.h"

/*
 * struct example_jobs - the job fences of one device. @context is constant; @seqno is
 * atomic; @lock guards @fences (fence_id -> fence reference, the lowest free id from 1, as
 * the oracle's allocating xarray gives).
 */
struct example_jobs {
	uint64_t context;
	atomic_uint_fast64_t seqno;
	pthread_mutex_t lock;
	struct idr fences;
};

static const char *example_fence_driver_name(struct dma_fence *fence)
{
	(void)fence;
	return "example";
}

static const char *example_fence_timeline_name(struct dma_fence *fence)
{
	(void)fence;
	return "job";
}

static const struct dma_fence_ops example_fence_ops = {
	.get_driver_name = example_fence_driver_name,
	.get_timeline_name = example_fence_timeline_name,
};

/**
 * example_job_init() - give @dev its job fence table (before registration).
 * Returns 0 or -ENOMEM.
 */
int example_job_init(struct drm_device *dev)
{
	struct example_jobs *jobs = calloc(1, sizeof(*jobs));

	if (!jobs)
		return -ENOMEM;
	jobs->context = dma_fence_context_alloc(1);
	atomic_init(&jobs->seqno, 0);
	pthread_mutex_init(&jobs->lock, NULL);
	idr_init(&jobs->fences);
	dev->dev_private = jobs;
	return 0;
}

/**
 * example_job_release() - the device's last reference is gone: complete the jobs nobody
 * signalled (their waiters must not hang) and free the table.
 */
void example_job_release(struct drm_device *dev)
{
	struct example_jobs *jobs = dev->dev_private;
	struct dma_fence *fence;
	int id;

	if (!jobs)
		return;
	idr_for_each_entry(&jobs->fences, fence, id) {
		dma_fence_signal(fence);
		dma_fence_put(fence);
	}
	idr_destroy(&jobs->fences);
	pthread_mutex_destroy(&jobs->lock);
	free(jobs);
	dev->dev_private = NULL;
}

/**
 * example_submit_ioctl() - DRM_IOCTL_EXAMPLE_SUBMIT: a new job fence, named by fence_id,
 * put into out_syncobj (at out_point on its timeline when non-zero); signalled at once with
 * EXAMPLE_SUBMIT_SIGNAL_NOW (its id is then free again).
 */
int example_submit_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct example_jobs *jobs = dev->dev_private;
	struct drm_example_submit *args = data;
	struct dma_fence_chain *chain = NULL;
	struct drm_syncobj *syncobj = NULL;
	struct dma_fence *fence;
	int id, ret;

	if ((args->flags & ~EXAMPLE_SUBMIT_SIGNAL_NOW) || args->pad)
		return -EINVAL;
	if (args->out_syncobj) {
		syncobj = drm_syncobj_find(file, args->out_syncobj);
		if (!syncobj)
			return -ENOENT;
		if (args->out_point) {
			chain = dma_fence_chain_alloc();
			if (!chain) {
				ret = -ENOMEM;
				goto out;
			}
		}
	}
	fence = malloc(sizeof(*fence));
	if (!fence) {
		ret = -ENOMEM;
		goto out;
	}
	dma_fence_init(fence, &example_fence_ops, jobs->context, atomic_fetch_add(&jobs->seqno, 1) + 1);
	pthread_mutex_lock(&jobs->lock);
	id = idr_alloc(&jobs->fences, dma_fence_get(fence), 1);
	pthread_mutex_unlock(&jobs->lock);
	if (id < 0) {
		dma_fence_put(fence);
		dma_fence_put(fence);
		ret = id;
		goto out;
	}
	args->fence_id = (uint32_t)id;
	if (syncobj) {
		if (chain) {
			drm_syncobj_add_point(syncobj, chain, fence, args->out_point);
			chain = NULL;
		} else {
			drm_syncobj_replace_fence(syncobj, fence);
		}
	}
	if (args->flags & EXAMPLE_SUBMIT_SIGNAL_NOW) {
		pthread_mutex_lock(&jobs->lock);
		idr_remove(&jobs->fences, id);
		pthread_mutex_unlock(&jobs->lock);
		dma_fence_signal(fence);
		dma_fence_put(fence); /* the table's reference */
	}
	dma_fence_put(fence);
	ret = 0;
out:
	dma_fence_chain_free(chain);
	if (syncobj)
		drm_syncobj_put(syncobj);
	return ret;
}

/**
 * example_signal_ioctl() - DRM_IOCTL_EXAMPLE_SIGNAL: complete job @fence_id, with @error
 * (0, or -MAX_ERRNO..-1) recorded on its fence first.
 */
int example_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct example_jobs *jobs = dev->dev_private;
	struct drm_example_signal *args = data;
	struct dma_fence *fence = NULL;

	(void)file;
	if (args->error > 0 || args->error < -MAX_ERRNO)
		return -EINVAL;
	pthread_mutex_lock(&jobs->lock);
	if (args->fence_id <= INT32_MAX)
		fence = idr_remove(&jobs->fences, (int)args->fence_id);
	pthread_mutex_unlock(&jobs->lock);
	if (!fence)
		return -ENOENT;
	if (args->error)
		dma_fence_set_error(fence, args->error);
	dma_fence_signal(fence);
	dma_fence_put(fence);
	return 0;
}
