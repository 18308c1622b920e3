// SPDX-License-Identifier: MIT
/*
 * vtrain: jobs. SUBMIT copies the stream out of its object, validates it (vtrain_exec.c),
 * takes a reference to every object the file holds a handle to (the job's address space:
 * an operand must lie inside one of them) and queues the job on the file's scheduler entity
 * with its in-syncobjs' fences as dependencies; its finished fence goes to the out-syncobj.
 *
 * run_job hands the job to the card's engine thread and returns the job's hardware fence,
 * which the engine signals with the first error of the job's packets. The engine is a
 * thread of its own, not the scheduler's, so that a job waiting on its peers (link packets)
 * does not keep the scheduler from firing the timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/drm_drv.h>
#include <accel/drm_ioctl.h>
#include <accel/drm_print.h>
#include <accel/drm_syncobj.h>
#include <accel/uaccess.h>
#include "vtrain_comm.h"
#include "vtrain_drv.h"
#include "vtrain_exec.h"

static const char *vtrain_fence_driver_name(struct dma_fence *fence)
{
	(void)fence;
	return "vtrain";
}

static const char *vtrain_fence_timeline_name(struct dma_fence *fence)
{
	(void)fence;
	return "compute";
}

static const struct dma_fence_ops vtrain_hw_fence_ops = {
	.get_driver_name = vtrain_fence_driver_name,
	.get_timeline_name = vtrain_fence_timeline_name,
};

static uint64_t vtrain_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct vtrain_job *to_vtrain_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct vtrain_job, base);
}

static void vtrain_file_release(struct kref *ref)
{
	struct vtrain_file *vf = container_of(ref, struct vtrain_file, ref);

	vtrain_comms_fini(vf);
	pthread_mutex_destroy(&vf->lock);
	free(vf);
}

static void vtrain_file_put(struct vtrain_file *vf)
{
	kref_put(&vf->ref, vtrain_file_release);
}

/**
 * vtrain_file_open() - the driver's open: the file's scheduler entity
 * @dev: the device
 * @file: the new client
 *
 * Return: 0, -ENOMEM or the entity's error.
 */
int vtrain_file_open(struct drm_device *dev, struct drm_file *file)
{
	struct vtrain_device *vdev = to_vtrain_device(dev);
	struct vtrain_file *vf = calloc(1, sizeof(*vf));
	int ret;

	if (!vf)
		return -ENOMEM;
	kref_init(&vf->ref);
	vf->vdev = vdev;
	pthread_mutex_init(&vf->lock, NULL);
	pthread_mutex_init(&vf->comm_lock, NULL);
	idr_init(&vf->comms);
	ret = drm_sched_entity_init(&vf->entity, DRM_SCHED_PRIORITY_NORMAL, vdev->sched_list, 1);
	if (ret) {
		vtrain_file_put(vf);
		return ret;
	}
	file->driver_priv = vf;
	return 0;
}

/**
 * vtrain_file_postclose() - the file is closing: its queued jobs are flushed or cancelled
 * @dev: the device
 * @file: the client
 */
void vtrain_file_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct vtrain_file *vf = file->driver_priv;

	(void)dev;
	drm_sched_entity_destroy(&vf->entity);
	file->driver_priv = NULL;
	vtrain_file_put(vf);
}

static void vtrain_job_unmap(struct vtrain_job *job)
{
	for (unsigned int i = 0; i < job->nr_bos; i++) {
		if (job->bos[i].vaddr)
			drm_gem_shmem_vunmap(to_drm_gem_shmem_obj(job->bos[i].obj));
		job->bos[i].vaddr = NULL;
	}
}

static void vtrain_job_free(struct vtrain_job *job)
{
	drm_sched_job_cleanup(&job->base);
	vtrain_job_unmap(job);
	for (unsigned int i = 0; i < job->nr_bos; i++)
		drm_gem_object_put(job->bos[i].obj);
	free(job->bos);
	if (job->hw_fence)
		dma_fence_put(job->hw_fence);
	free(job->cmds);
	vtrain_file_put(job->vfile);
	free(job);
}

/* ---------------------------------------------------------------------------------------- */
/* On the engine */

/* The executor's view of device memory: the one object of the job holding the range. */
static void *vtrain_job_map_range(void *priv, uint64_t addr, uint64_t size)
{
	struct vtrain_job *job = priv;

	for (unsigned int i = 0; i < job->nr_bos; i++) {
		struct vtrain_job_bo *b = &job->bos[i];

		if (addr < b->addr || addr - b->addr >= b->size || size > b->size - (addr - b->addr))
			continue;
		if (!b->vaddr &&
		    drm_gem_shmem_vmap(to_drm_gem_shmem_obj(b->obj), &b->vaddr)) {
			b->vaddr = NULL;
			return NULL;
		}
		return (uint8_t *)b->vaddr + (addr - b->addr);
	}
	return NULL;
}

static int vtrain_job_link_packet(void *priv, const struct vtrain_pkt_header *h)
{
	struct vtrain_job *job = priv;

	return vtrain_comm_run_link_packet(job->vfile->vdev, job->vfile, vtrain_job_map_range,
					   job, h, job->deadline_ns);
}

static const struct vtrain_exec_ops vtrain_job_exec_ops = {
	.map = vtrain_job_map_range,
	.link = vtrain_job_link_packet,
};

static void vtrain_job_execute(struct vtrain_device *vdev, struct vtrain_job *job)
{
	struct dma_fence *fence = dma_fence_get(job->hw_fence);
	uint64_t t0 = vtrain_now_ns();
	int err;

	err = vtrain_exec_run(&vtrain_job_exec_ops, job, job->cmds, job->cmd_size);
	vtrain_job_unmap(job);
	atomic_fetch_add(&vdev->busy_ns, vtrain_now_ns() - t0);
	atomic_fetch_add(err ? &vdev->jobs_failed : &vdev->jobs_done, 1);
	if (err)
		dma_fence_set_error(fence, err);
	dma_fence_signal(fence);
	dma_fence_put(fence);
}

static void *vtrain_engine_main(void *arg)
{
	struct vtrain_device *vdev = arg;

	pthread_mutex_lock(&vdev->engine_lock);
	for (;;) {
		struct vtrain_job *job;

		while (!vdev->engine_job && !vdev->engine_stop)
			pthread_cond_wait(&vdev->engine_cond, &vdev->engine_lock);
		if (!vdev->engine_job)
			break;
		job = vdev->engine_job;
		pthread_mutex_unlock(&vdev->engine_lock);
		vtrain_job_execute(vdev, job);
		pthread_mutex_lock(&vdev->engine_lock);
		vdev->engine_job = NULL;
		pthread_cond_broadcast(&vdev->engine_cond);
	}
	pthread_mutex_unlock(&vdev->engine_lock);
	return NULL;
}

static struct dma_fence *vtrain_sched_run_job(struct drm_sched_job *sched_job)
{
	struct vtrain_job *job = to_vtrain_job(sched_job);
	struct vtrain_device *vdev = job->vfile->vdev;
	struct dma_fence *fence;
	int err;

	fence = malloc(sizeof(*fence));
	if (!fence)
		return ERR_PTR(-ENOMEM);
	dma_fence_init(fence, &vtrain_hw_fence_ops, vdev->fence_context,
		       atomic_fetch_add(&vdev->hw_seqno, 1) + 1);
	job->hw_fence = fence;
	/* As in the kernel, a failed dependency is not run into: the job carries its error. */
	err = drm_sched_job_dependency_error(sched_job);
	if (!err && drm_dev_is_unplugged(&vdev->drm))
		err = -ENODEV;
	if (err) {
		dma_fence_set_error(fence, err);
		dma_fence_signal(fence);
		return dma_fence_get(fence);
	}
	/* Waits for peers end with the scheduler's timeout, counted from now. */
	job->deadline_ns = vtrain_now_ns() + vdev->cfg.job_timeout_ms * ACCEL_TIMEOUT_SCALE *
					     1000000ull;
	/* A ring of credit 1: the engine is idle whenever the scheduler runs a job. */
	pthread_mutex_lock(&vdev->engine_lock);
	while (vdev->engine_job)
		pthread_cond_wait(&vdev->engine_cond, &vdev->engine_lock);
	vdev->engine_job = job;
	pthread_cond_broadcast(&vdev->engine_cond);
	pthread_mutex_unlock(&vdev->engine_lock);
	return dma_fence_get(fence);
}

/*
 * Compute packets always finish: a job past the timeout is still making progress. Jobs
 * that wait on peers fail themselves with -ETIMEDOUT at the timeout (the link layer).
 */
static enum drm_gpu_sched_stat vtrain_sched_timedout_job(struct drm_sched_job *sched_job)
{
	(void)sched_job;
	return DRM_GPU_SCHED_STAT_NO_HANG;
}

static void vtrain_sched_free_job(struct drm_sched_job *sched_job)
{
	vtrain_job_free(to_vtrain_job(sched_job));
}

static const struct drm_sched_backend_ops vtrain_sched_ops = {
	.run_job = vtrain_sched_run_job,
	.timedout_job = vtrain_sched_timedout_job,
	.free_job = vtrain_sched_free_job,
};

/**
 * vtrain_sched_init() - the card's engine thread and its ring
 * @vdev: the device, configured
 *
 * Return: 0 or a negative errno.
 */
int vtrain_sched_init(struct vtrain_device *vdev)
{
	struct drm_sched_init_args args = {
		.ops = &vtrain_sched_ops,
		.credit_limit = 1,
		.hang_limit = INT_MAX,
		.timeout_ms = (long)(vdev->cfg.job_timeout_ms * ACCEL_TIMEOUT_SCALE),
		.name = "compute",
	};
	int ret;

	ret = -pthread_create(&vdev->engine_thread, NULL, vtrain_engine_main, vdev);
	if (ret)
		return ret;
	vdev->engine_started = true;
	vdev->fence_context = dma_fence_context_alloc(1);
	ret = drm_sched_init(&vdev->sched, &args);
	if (ret)
		return ret;
	vdev->sched_list[0] = &vdev->sched;
	vdev->sched_ready = true;
	return 0;
}

/**
 * vtrain_sched_fini() - finish the job on the engine, stop the engine, then the scheduler
 * completes what it still holds
 * @vdev: the device
 */
void vtrain_sched_fini(struct vtrain_device *vdev)
{
	if (vdev->engine_started) {
		pthread_mutex_lock(&vdev->engine_lock);
		while (vdev->engine_job)
			pthread_cond_wait(&vdev->engine_cond, &vdev->engine_lock);
		vdev->engine_stop = true;
		pthread_cond_broadcast(&vdev->engine_cond);
		pthread_mutex_unlock(&vdev->engine_lock);
		pthread_join(vdev->engine_thread, NULL);
		vdev->engine_started = false;
	}
	if (!vdev->sched_ready)
		return;
	drm_sched_fini(&vdev->sched);
	vdev->sched_ready = false;
}

/* ---------------------------------------------------------------------------------------- */
/* SUBMIT */

static int vtrain_submit_check(const struct drm_vtrain_submit *args)
{
	if (args->flags || args->pad || args->num_in_syncs > VTRAIN_MAX_IN_SYNCS ||
	    args->out_sync.flags)
		return -EINVAL;
	if ((args->cmd_offset & 7) || (args->cmd_size & 7) || !args->cmd_size ||
	    args->cmd_size > VTRAIN_MAX_CMD_SIZE)
		return -EINVAL;
	return 0;
}

/* Copy the stream out of its object: the job runs this copy, whatever the object becomes. */
static int vtrain_job_copy_stream(struct vtrain_job *job, struct drm_file *file,
				  const struct drm_vtrain_submit *args)
{
	struct drm_gem_object *obj = drm_gem_object_lookup(file, args->cmd_handle);
	void *vaddr;
	int ret;

	if (!obj)
		return -ENOENT;
	ret = -EINVAL;
	if (args->cmd_offset > obj->size || args->cmd_size > obj->size - args->cmd_offset)
		goto out;
	ret = -ENOMEM;
	job->cmds = malloc((size_t)args->cmd_size);
	if (!job->cmds)
		goto out;
	ret = drm_gem_shmem_vmap(to_drm_gem_shmem_obj(obj), &vaddr);
	if (ret)
		goto out;
	memcpy(job->cmds, (const uint8_t *)vaddr + args->cmd_offset, (size_t)args->cmd_size);
	drm_gem_shmem_vunmap(to_drm_gem_shmem_obj(obj));
	job->cmd_size = (size_t)args->cmd_size;
	ret = vtrain_exec_validate(job->cmds, job->cmd_size);
out:
	drm_gem_object_put(obj);
	return ret;
}

/* Every object with an HBM range that the file holds a handle to, referenced. */
static int vtrain_job_take_bos(struct vtrain_job *job, struct drm_file *file)
{
	struct drm_gem_object *obj;
	unsigned int n = 0, cap = 0;
	int id, ret = 0;

	pthread_mutex_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, id)
		cap++;
	job->bos = calloc(cap ? cap : 1, sizeof(*job->bos));
	if (!job->bos) {
		ret = -ENOMEM;
		goto out;
	}
	idr_for_each_entry(&file->object_idr, obj, id) {
		struct vtrain_bo *bo = to_vtrain_bo(obj);

		if (n == cap || !drm_mm_node_allocated(&bo->node))
			continue;
		drm_gem_object_get(obj);
		job->bos[n++] = (struct vtrain_job_bo){ .obj = obj, .addr = bo->node.start,
							.size = obj->size };
	}
	job->nr_bos = n;
out:
	pthread_mutex_unlock(&file->table_lock);
	return ret;
}

/* Depend on every fence a timeline point stands for (as vnpu does). Consumes @fence. */
static int vtrain_job_add_unwrapped(struct vtrain_job *job, struct dma_fence *fence)
{
	struct dma_fence *iter;
	int ret = 0;

	if (!to_dma_fence_chain(fence))
		return drm_sched_job_add_dependency(&job->base, fence);
	dma_fence_chain_for_each(iter, fence) {
		ret = drm_sched_job_add_dependency(&job->base,
						   dma_fence_get(dma_fence_chain_contained(iter)));
		if (ret) {
			dma_fence_put(iter);
			break;
		}
	}
	dma_fence_put(fence);
	return ret;
}

static int vtrain_job_add_in_syncs(struct vtrain_job *job, struct drm_file *file,
				   const struct drm_vtrain_submit *args)
{
	struct drm_vtrain_sync syncs[VTRAIN_MAX_IN_SYNCS];
	struct dma_fence *fence;
	int ret;

	if (!args->num_in_syncs)
		return 0;
	if (copy_from_user(syncs, u64_to_user_ptr(args->in_syncs),
			   args->num_in_syncs * sizeof(syncs[0])))
		return -EFAULT;
	for (uint32_t i = 0; i < args->num_in_syncs; i++) {
		if (syncs[i].flags)
			return -EINVAL;
		ret = drm_syncobj_find_fence(file, syncs[i].handle, syncs[i].point, 0, &fence);
		if (ret)
			return ret;
		ret = vtrain_job_add_unwrapped(job, fence);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * vtrain_submit_ioctl() - DRM_IOCTL_VTRAIN_SUBMIT
 * @dev: the device
 * @data: struct drm_vtrain_submit
 * @file: the client
 *
 * Return: 0; -EINVAL for a bad argument or stream; -ENOENT for an unknown handle; -EFAULT;
 * -ENOMEM; the scheduler's error.
 */
int vtrain_submit_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vtrain_file *vf = file->driver_priv;
	struct drm_vtrain_submit *args = data;
	struct dma_fence_chain *chain = NULL;
	struct drm_syncobj *out = NULL;
	struct dma_fence *finished;
	struct vtrain_job *job;
	uint64_t seqno;
	int ret;

	(void)dev;
	ret = vtrain_submit_check(args);
	if (ret)
		return ret;
	if (args->out_sync.handle) {
		out = drm_syncobj_find(file, args->out_sync.handle);
		if (!out)
			return -ENOENT;
		if (args->out_sync.point) {
			chain = dma_fence_chain_alloc();
			if (!chain) {
				ret = -ENOMEM;
				goto out_put;
			}
		}
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		ret = -ENOMEM;
		goto out_put;
	}
	kref_get(&vf->ref);
	job->vfile = vf;
	ret = drm_sched_job_init(&job->base, &vf->entity, 1, vf);
	if (ret)
		goto err_job;
	ret = vtrain_job_copy_stream(job, file, args);
	if (!ret)
		ret = vtrain_job_take_bos(job, file);
	if (!ret)
		ret = vtrain_job_add_in_syncs(job, file, args);
	if (ret)
		goto err_job;

	pthread_mutex_lock(&vf->lock);
	drm_sched_job_arm(&job->base);
	job->seqno = seqno = ++vf->seqno;
	finished = dma_fence_get(drm_sched_job_finished(&job->base));
	ret = drm_sched_entity_push_job(&job->base);
	pthread_mutex_unlock(&vf->lock);

	if (!ret) {
		args->job_id = seqno;
		if (chain) {
			drm_syncobj_add_point(out, chain, finished, args->out_sync.point);
			chain = NULL;
		} else if (out) {
			drm_syncobj_replace_fence(out, finished);
		}
	}
	dma_fence_put(finished);
	goto out_put;

err_job:
	vtrain_job_free(job);
out_put:
	if (chain)
		dma_fence_chain_free(chain);
	if (out)
		drm_syncobj_put(out);
	return ret;
}

static const struct drm_ioctl_ptr vtrain_submit_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_vtrain_submit, in_syncs, num_in_syncs,
		      sizeof(struct drm_vtrain_sync), VTRAIN_MAX_IN_SYNCS, DRM_IOCTL_IN),
};

/* SUBMIT's in_syncs array travels with the argument through acceld. */
const struct drm_ioctl_layout vtrain_submit_layout = { vtrain_submit_ptrs, 1, NULL, 0 };
