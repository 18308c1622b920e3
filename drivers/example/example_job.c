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
#include <time.h>

#include <accel/attr.h>
#include <accel/drm_gem.h>
#include <accel/kref.h>
#include <accel/ktime.h>

#include <accel/dma_fence.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
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

/*
 * struct example_client - a client's engine statistics for fdinfo. Shared with the
 * callbacks of its jobs, which may run after the file is closed: refcounted; the counters
 * are atomic.
 */
struct example_client {
	struct kref ref;
	atomic_uint_fast64_t busy_ns;
	atomic_uint_fast64_t jobs_done;
};

/* A job's busy time: from submission to its fence's signal. */
struct example_job_time {
	struct dma_fence_cb cb;
	uint64_t submitted_ns;
	struct example_client *client;
};

static void example_client_free(struct kref *ref)
{
	free(container_of(ref, struct example_client, ref));
}

static void example_job_done(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct example_job_time *t = container_of(cb, struct example_job_time, cb);

	(void)fence;
	atomic_fetch_add(&t->client->busy_ns, (uint64_t)ktime_get() - t->submitted_ns);
	atomic_fetch_add(&t->client->jobs_done, 1);
	kref_put(&t->client->ref, example_client_free);
	free(t);
}

/**
 * example_open() - a client opened the device: its statistics.
 */
int example_open(struct drm_device *dev, struct drm_file *file)
{
	struct example_client *c = calloc(1, sizeof(*c));

	(void)dev;
	if (!c)
		return -ENOMEM;
	kref_init(&c->ref);
	file->driver_priv = c;
	return 0;
}

/**
 * example_postclose() - drop the client's statistics (jobs still running keep them).
 */
void example_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct example_client *c = file->driver_priv;

	(void)dev;
	if (c)
		kref_put(&c->ref, example_client_free);
	file->driver_priv = NULL;
}

/**
 * example_show_fdinfo() - the client's usage keys: engine time of its jobs, its buffers.
 */
void example_show_fdinfo(struct seq_file *m, struct drm_file *file)
{
	struct example_client *c = file->driver_priv;

	if (c)
		seq_printf(m, "drm-engine-job:\t%llu ns\n", (unsigned long long)atomic_load(&c->busy_ns));
	drm_show_memory_stats(m, file);
}

/* Count the job's time for @file's client once its fence signals. */
static void example_job_account(struct drm_file *file, struct dma_fence *fence)
{
	struct example_client *c = file->driver_priv;
	struct example_job_time *t;

	if (!c)
		return;
	t = malloc(sizeof(*t));
	if (!t)
		return; /* statistics only: the job itself is unaffected */
	t->submitted_ns = (uint64_t)ktime_get();
	t->client = c;
	kref_get(&c->ref);
	if (dma_fence_add_callback(fence, &t->cb, example_job_done))
		example_job_done(fence, &t->cb);
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
	example_job_account(file, fence);
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
