// SPDX-License-Identifier: MIT
/*
 * vnpu: contexts and job submission. A context is a DRM scheduler entity on the engines of
 * one class at one priority; SUBMIT turns a command buffer into a scheduler job with the
 * in-syncobjs' fences as dependencies and publishes its finished fence in the out-syncobj.
 * The job holds the client's address space from SUBMIT on, so a client that closes its file
 * (or dies) right after submitting cannot pull memory from under a running job.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include <accel/cred.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/drm_ioctl.h>
#include <accel/drm_syncobj.h>
#include <accel/trace.h>
#include <accel/uaccess.h>
#include "vnpu_drv.h"
#include "vnpu_engine.h"

static const enum drm_sched_priority vnpu_sched_priority[] = {
	[VNPU_PRIORITY_NORMAL] = DRM_SCHED_PRIORITY_NORMAL,
	[VNPU_PRIORITY_LOW] = DRM_SCHED_PRIORITY_LOW,
	[VNPU_PRIORITY_HIGH] = DRM_SCHED_PRIORITY_HIGH,
};

static void vnpu_ctx_release(struct kref *ref)
{
	struct vnpu_ctx *ctx = container_of(ref, struct vnpu_ctx, ref);

	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

static void vnpu_ctx_put(struct vnpu_ctx *ctx)
{
	kref_put(&ctx->ref, vnpu_ctx_release);
}

/*
 * Tear the context's entity down, as file close does: no push after this; queued jobs get
 * DRM_SCHED_ENTITY_FLUSH_TIMEOUT_MS to reach an engine, the rest complete with -ESRCH.
 */
static void vnpu_ctx_kill(struct vnpu_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	ctx->dead = true;
	pthread_mutex_unlock(&ctx->lock);
	drm_sched_entity_destroy(&ctx->entity);
	atomic_fetch_sub(&ctx->vdev->contexts, 1);
}

/**
 * vnpu_context_create_ioctl() - DRM_IOCTL_VNPU_CONTEXT_CREATE
 * @dev: the device
 * @data: struct drm_vnpu_context_create
 * @file: the client
 *
 * Return: 0; -EINVAL for an unknown engine class, priority or flag; -EACCES for HIGH
 * priority without CAP_SYS_ADMIN; -ENOSPC past VNPU_MAX_CONTEXTS; -ENOMEM.
 */
int vnpu_context_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vnpu_device *vdev = to_vnpu_device(dev);
	struct vnpu_file *vf = vnpu_file_of(file);
	struct drm_vnpu_context_create *args = data;
	struct vnpu_ctx *ctx;
	int id, ret;

	if (args->flags || args->engine >= VNPU_NR_CLASSES ||
	    args->priority >= ARRAY_SIZE(vnpu_sched_priority))
		return -EINVAL;
	/* As amdgpu asks CAP_SYS_NICE: a high-priority queue can starve everybody else. */
	if (args->priority == VNPU_PRIORITY_HIGH && !capable_sys_admin())
		return -EACCES;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	kref_init(&ctx->ref);
	ctx->vdev = vdev;
	ctx->klass = args->engine;
	ctx->priority = args->priority;
	ctx->client_id = file->client_id;
	pthread_mutex_init(&ctx->lock, NULL);
	atomic_init(&ctx->outstanding, 0);
	ret = drm_sched_entity_init(&ctx->entity, vnpu_sched_priority[args->priority],
				    vdev->sched_list[args->engine], vdev->nr_engines[args->engine]);
	if (ret)
		goto err_free;

	pthread_mutex_lock(&vf->ctx_lock);
	id = idr_alloc(&vf->contexts, ctx, 1);
	if (id > VNPU_MAX_CONTEXTS) {
		idr_remove(&vf->contexts, id);
		id = -ENOSPC;
	}
	if (id > 0)
		ctx->id = (uint32_t)id;
	pthread_mutex_unlock(&vf->ctx_lock);
	if (id < 0) {
		ret = id;
		goto err_entity;
	}
	atomic_fetch_add(&vdev->contexts, 1);
	args->ctx_id = (uint32_t)id;
	return 0;

err_entity:
	drm_sched_entity_fini(&ctx->entity);
err_free:
	vnpu_ctx_put(ctx);
	return ret;
}

/**
 * vnpu_context_destroy_ioctl() - DRM_IOCTL_VNPU_CONTEXT_DESTROY
 * @dev: the device
 * @data: struct drm_vnpu_context_destroy
 * @file: the client
 *
 * Return: 0; -EINVAL for a non-zero pad; -ENOENT for an unknown context.
 */
int vnpu_context_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vnpu_file *vf = vnpu_file_of(file);
	struct drm_vnpu_context_destroy *args = data;
	struct vnpu_ctx *ctx = NULL;

	(void)dev;
	if (args->pad)
		return -EINVAL;
	pthread_mutex_lock(&vf->ctx_lock);
	if (args->ctx_id && args->ctx_id <= VNPU_MAX_CONTEXTS)
		ctx = idr_remove(&vf->contexts, (int)args->ctx_id);
	pthread_mutex_unlock(&vf->ctx_lock);
	if (!ctx)
		return -ENOENT;
	vnpu_ctx_kill(ctx);
	vnpu_ctx_put(ctx);
	return 0;
}

/**
 * vnpu_contexts_close() - the file is closing: destroy every context it still has
 * @file: the client
 */
void vnpu_contexts_close(struct drm_file *file)
{
	struct vnpu_file *vf = vnpu_file_of(file);
	struct vnpu_ctx *ctx;
	int id;

	for (;;) {
		id = 0;
		pthread_mutex_lock(&vf->ctx_lock);
		ctx = idr_get_next(&vf->contexts, &id);
		if (ctx)
			idr_remove(&vf->contexts, id);
		pthread_mutex_unlock(&vf->ctx_lock);
		if (!ctx)
			break;
		vnpu_ctx_kill(ctx);
		vnpu_ctx_put(ctx);
	}
}

/* A job is being made: it counts as alive until vnpu_job_free() (vnpu_wait_jobs_freed()). */
static void vnpu_jobs_get(struct vnpu_device *vdev)
{
	pthread_mutex_lock(&vdev->jobs_lock);
	vdev->jobs++;
	pthread_mutex_unlock(&vdev->jobs_lock);
}

static void vnpu_jobs_put(struct vnpu_device *vdev)
{
	pthread_mutex_lock(&vdev->jobs_lock);
	if (!--vdev->jobs)
		pthread_cond_broadcast(&vdev->jobs_freed);
	pthread_mutex_unlock(&vdev->jobs_lock);
}

/**
 * vnpu_job_free() - release a job: from the scheduler's free_job, or from SUBMIT's error
 * path before the job was pushed
 * @job: the job
 */
void vnpu_job_free(struct vnpu_job *job)
{
	struct vnpu_device *vdev = job->ctx->vdev;

	drm_sched_job_cleanup(&job->base);
	if (job->vm_active)
		vnpu_vm_job_end(&job->vm);
	if (job->hw_fence)
		dma_fence_put(job->hw_fence);
	if (job->cmd_obj)
		drm_gem_object_put(job->cmd_obj);
	vnpu_ctx_put(job->ctx);
	free(job);
	/* Last: a waiter of vnpu_wait_jobs_freed() may count what the job held right after. */
	vnpu_jobs_put(vdev);
}

/**
 * vnpu_jobs_alive() - how many jobs of the device are not freed yet (queued, on an engine,
 * completing, or waiting for the scheduler's worker to free them)
 * @dev: a vnpu device
 *
 * Return: the count, a snapshot.
 */
unsigned int vnpu_jobs_alive(struct drm_device *dev)
{
	struct vnpu_device *vdev = to_vnpu_device(dev);
	unsigned int n;

	pthread_mutex_lock(&vdev->jobs_lock);
	n = vdev->jobs;
	pthread_mutex_unlock(&vdev->jobs_lock);
	return n;
}

/**
 * vnpu_wait_jobs_freed() - wait until every job of the device has been freed
 * @dev: a vnpu device
 *
 * As in the kernel, closing a file (or destroying a context) does not wait for the jobs an
 * engine already has: drm_sched_entity_destroy() lets queued jobs reach an engine for up to
 * DRM_SCHED_ENTITY_FLUSH_TIMEOUT_MS and cancels the rest, but a running job keeps its
 * command buffer, its context and the client's address space (with every object bound in
 * it) until it completes or times out and the scheduler frees it, moments after close
 * returned. A caller that must see nothing of a closed client left (the fuzzers' per-input
 * leak check, tests) waits here, on an event rather than for a time: under load that moment
 * has no bound in wall-clock time. It returns once the count of jobs is 0, so jobs submitted
 * meanwhile by open files keep it waiting; callers close their files first. Not for a
 * driver path: the kernel offers user space no such wait.
 */
void vnpu_wait_jobs_freed(struct drm_device *dev)
{
	struct vnpu_device *vdev = to_vnpu_device(dev);

	pthread_mutex_lock(&vdev->jobs_lock);
	while (vdev->jobs)
		pthread_cond_wait(&vdev->jobs_freed, &vdev->jobs_lock);
	pthread_mutex_unlock(&vdev->jobs_lock);
}

/* The job's finished fence signalled: it no longer counts against the queue depth. */
static void vnpu_job_done(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct vnpu_job *job = container_of(cb, struct vnpu_job, done_cb);

	(void)fence;
	atomic_fetch_sub(&job->ctx->outstanding, 1);
}

static struct vnpu_ctx *vnpu_ctx_lookup(struct vnpu_file *vf, uint32_t id)
{
	struct vnpu_ctx *ctx = NULL;

	pthread_mutex_lock(&vf->ctx_lock);
	if (id && id <= VNPU_MAX_CONTEXTS)
		ctx = idr_find(&vf->contexts, (int)id);
	if (ctx)
		kref_get(&ctx->ref);
	pthread_mutex_unlock(&vf->ctx_lock);
	return ctx;
}

/* Check SUBMIT's arguments that need no lookup. */
static int vnpu_submit_check(const struct drm_vnpu_submit *args)
{
	if (args->flags || args->out_sync.flags || args->num_in_syncs > VNPU_MAX_IN_SYNCS)
		return -EINVAL;
	if ((args->cmd_offset & 7) || (args->cmd_size & 7) || !args->cmd_size ||
	    args->cmd_size > VNPU_MAX_CMD_SIZE || (args->profile_va & 7))
		return -EINVAL;
	if (!args->out_sync.handle && args->out_sync.point)
		return -EINVAL;
	return 0;
}

/*
 * Depend on every fence a timeline point stands for, not on its chain node: as the kernel's
 * drm_sched_job_add_syncobj_dependency() unwraps, so that an error of any of them (a chain
 * node carries none of its own) keeps the job from running. Consumes @fence.
 */
static int vnpu_job_add_unwrapped(struct vnpu_job *job, struct dma_fence *fence)
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

static int vnpu_job_add_in_syncs(struct vnpu_job *job, struct drm_file *file,
				 const struct drm_vnpu_submit *args)
{
	struct drm_vnpu_sync syncs[VNPU_MAX_IN_SYNCS];
	size_t bytes = (size_t)args->num_in_syncs * sizeof(syncs[0]);
	struct dma_fence *fence;
	uint32_t i;
	int ret;

	if (!bytes)
		return 0;
	if (copy_from_user(syncs, u64_to_user_ptr(args->in_syncs), bytes))
		return -EFAULT;
	for (i = 0; i < args->num_in_syncs; i++) {
		if (syncs[i].flags)
			return -EINVAL;
		ret = drm_syncobj_find_fence(file, syncs[i].handle, syncs[i].point, 0, &fence);
		if (ret)
			return ret;
		ret = vnpu_job_add_unwrapped(job, fence);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * vnpu_submit_ioctl() - DRM_IOCTL_VNPU_SUBMIT
 * @dev: the device
 * @data: struct drm_vnpu_submit
 * @file: the client
 *
 * Return: 0; -EINVAL, -ENOENT, -EFAULT for bad arguments; -EBUSY when the context's queue
 * is full; -ECANCELED (killed context) or -ENODEV (unplugged) from the scheduler; -ENOMEM.
 */
int vnpu_submit_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vnpu_device *vdev = to_vnpu_device(dev);
	struct vnpu_file *vf = vnpu_file_of(file);
	struct drm_vnpu_submit *args = data;
	struct dma_fence_chain *chain = NULL;
	struct drm_syncobj *out = NULL;
	struct dma_fence *finished;
	struct vnpu_ctx *ctx;
	struct vnpu_job *job;
	uint64_t job_id;
	int ret;

	ret = vnpu_submit_check(args);
	if (ret)
		return ret;
	ctx = vnpu_ctx_lookup(vf, args->ctx_id);
	if (!ctx)
		return -ENOENT;
	if (args->out_sync.handle) {
		out = drm_syncobj_find(file, args->out_sync.handle);
		if (!out) {
			ret = -ENOENT;
			goto err_ctx;
		}
		if (args->out_sync.point) {
			chain = dma_fence_chain_alloc();
			if (!chain) {
				ret = -ENOMEM;
				goto err_out;
			}
		}
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		ret = -ENOMEM;
		goto err_out;
	}
	job->ctx = ctx; /* the job takes over our reference */
	vnpu_jobs_get(vdev);
	job->cmd_offset = args->cmd_offset;
	job->cmd_size = args->cmd_size;
	job->profile_va = args->profile_va;
	atomic_init(&job->abort, 0);
	job->cmd_obj = drm_gem_object_lookup(file, args->cmd_handle);
	if (!job->cmd_obj) {
		ret = -ENOENT;
		goto err_job;
	}
	if (job->cmd_offset > job->cmd_obj->size ||
	    job->cmd_size > job->cmd_obj->size - job->cmd_offset) {
		ret = -EINVAL;
		goto err_job;
	}
	ret = drm_sched_job_init(&job->base, &ctx->entity, 1, vf);
	if (ret)
		goto err_job;
	ret = vnpu_job_add_in_syncs(job, file, args);
	if (ret)
		goto err_job;
	vnpu_vm_job_begin(file, &job->vm);
	job->vm_active = true;

	pthread_mutex_lock(&ctx->lock);
	if (ctx->dead) {
		ret = -ENOENT;
		goto err_unlock;
	}
	if (atomic_load(&ctx->killed)) {
		ret = -ECANCELED;
		goto err_unlock;
	}
	if (atomic_load(&ctx->outstanding) >= atomic_load(&vdev->queue_limit)) {
		ret = -EBUSY;
		goto err_unlock;
	}
	/*
	 * A killed context is refused above (and by the push below, once the scheduler marked
	 * it guilty), not by drm_sched_entity_error(): that also reports the last job's error,
	 * and a job that merely inherited an error from its in-fence, or faulted, must not make
	 * its context unusable.
	 */
	drm_sched_job_arm(&job->base);
	job->job_id = job_id = ++ctx->seqno;
	ACCEL_TRACE(ACCEL_TRACE_VNPU_SUBMIT, ctx->entity.fence_context, ctx->entity.fence_context, job->base.s_fence->finished.seqno, ctx->client_id, ctx->id, job_id, 0, vnpu_class_name[ctx->klass]);
	finished = dma_fence_get(drm_sched_job_finished(&job->base));
	atomic_fetch_add(&ctx->outstanding, 1);
	if (dma_fence_add_callback(finished, &job->done_cb, vnpu_job_done))
		atomic_fetch_sub(&ctx->outstanding, 1);
	kref_get(&ctx->ref); /* ours, for the unlock: the job may be freed once pushed */
	ret = drm_sched_entity_push_job(&job->base);
	pthread_mutex_unlock(&ctx->lock);
	vnpu_ctx_put(ctx);

	if (!ret && out) {
		if (chain)
			drm_syncobj_add_point(out, chain, finished, args->out_sync.point);
		else
			drm_syncobj_replace_fence(out, finished);
		chain = NULL;
	}
	if (!ret)
		args->job_id = job_id;
	dma_fence_put(finished);
	dma_fence_chain_free(chain);
	if (out)
		drm_syncobj_put(out);
	return ret;

err_unlock:
	pthread_mutex_unlock(&ctx->lock);
err_job:
	vnpu_job_free(job);
	ctx = NULL;
err_out:
	dma_fence_chain_free(chain);
	if (out)
		drm_syncobj_put(out);
err_ctx:
	if (ctx)
		vnpu_ctx_put(ctx);
	return ret;
}

static const struct drm_ioctl_ptr vnpu_submit_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_vnpu_submit, in_syncs, num_in_syncs, sizeof(struct drm_vnpu_sync),
		      VNPU_MAX_IN_SYNCS, DRM_IOCTL_IN),
};

/* SUBMIT's in_syncs array travels with the argument through acceld. */
const struct drm_ioctl_layout vnpu_submit_layout = { vnpu_submit_ptrs, 1, NULL, 0 };
