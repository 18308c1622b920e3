// SPDX-License-Identifier: MIT
/*
 * vedge: jobs. SUBMIT copies the stream, takes the regions' objects, lays the regions out in
 * SRAM when the NPU has no DMA (-ENOSPC when they do not fit), checks the stream
 * (vedge_validate.c) and queues the job on the file's scheduler entity with its in-syncobjs'
 * fences as dependencies; its finished fence goes to the out-syncobj.
 *
 * The NPU runs one job at a time (a ring of credit 1). run_job resumes the NPU (runtime PM),
 * programs it and kicks it: with DMA the region registers hold the objects' addresses;
 * without, the driver first copies every region and the stream into SRAM through the PIO
 * window. The interrupt thread (vedge_irq.c) completes the job: PIO copy of the writable
 * regions back, performance counters, fence. A job that runs past the timeout is taken off
 * the NPU by the timeout handler, which resets the NPU (CONTROL.RESET) and fails the job with
 * -ETIMEDOUT; the file goes on (no context to kill: as rocket and ethosu, a timed-out job
 * fails alone).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <accel/drm_drv.h>
#include <accel/drm_gem_shmem_helper.h>
#include <accel/drm_ioctl.h>
#include <accel/drm_print.h>
#include <accel/drm_syncobj.h>
#include <accel/uaccess.h>
#include "vedge_drv.h"
#include "vedge_regs.h"

static const char *vedge_fence_driver_name(struct dma_fence *fence)
{
	(void)fence;
	return "vedge";
}

static const char *vedge_fence_timeline_name(struct dma_fence *fence)
{
	(void)fence;
	return "npu";
}

static const struct dma_fence_ops vedge_hw_fence_ops = {
	.get_driver_name = vedge_fence_driver_name,
	.get_timeline_name = vedge_fence_timeline_name,
};

static struct vedge_job *to_vedge_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct vedge_job, base);
}

static void vedge_file_release(struct kref *ref)
{
	struct vedge_file *vf = container_of(ref, struct vedge_file, ref);

	pthread_mutex_destroy(&vf->lock);
	free(vf);
}

static void vedge_file_put(struct vedge_file *vf)
{
	kref_put(&vf->ref, vedge_file_release);
}

/**
 * vedge_file_open() - the driver's open: the file's scheduler entity
 * @dev: the device
 * @file: the new client
 *
 * Return: 0, -ENOMEM or the entity's error.
 */
int vedge_file_open(struct drm_device *dev, struct drm_file *file)
{
	struct vedge_device *vdev = to_vedge_device(dev);
	struct vedge_file *vf = calloc(1, sizeof(*vf));
	int ret;

	if (!vf)
		return -ENOMEM;
	kref_init(&vf->ref);
	vf->vdev = vdev;
	pthread_mutex_init(&vf->lock, NULL);
	ret = drm_sched_entity_init(&vf->entity, DRM_SCHED_PRIORITY_NORMAL, vdev->sched_list, 1);
	if (ret) {
		vedge_file_put(vf);
		return ret;
	}
	file->driver_priv = vf;
	return 0;
}

/**
 * vedge_file_postclose() - the file is closing: its queued jobs are flushed or cancelled
 * (drm_sched_entity_destroy()); the job on the NPU finishes and keeps what it holds until
 * the scheduler frees it
 * @dev: the device
 * @file: the client
 */
void vedge_file_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct vedge_file *vf = file->driver_priv;

	(void)dev;
	drm_sched_entity_destroy(&vf->entity);
	file->driver_priv = NULL;
	vedge_file_put(vf);
}

static void vedge_jobs_put(struct vedge_device *vdev)
{
	pthread_mutex_lock(&vdev->busy_lock);
	vdev->jobs_alive--;
	pthread_cond_broadcast(&vdev->busy_cond);
	pthread_mutex_unlock(&vdev->busy_lock);
}

/**
 * vedge_jobs_alive() - jobs of the device not yet freed (queued, on the NPU, completing)
 * @vdev: the device
 *
 * Return: the count, a snapshot (debugfs "jobs_alive" shows it).
 */
unsigned int vedge_jobs_alive(struct vedge_device *vdev)
{
	unsigned int n;

	pthread_mutex_lock(&vdev->busy_lock);
	n = vdev->jobs_alive;
	pthread_mutex_unlock(&vdev->busy_lock);
	return n;
}

/* Drop the job from the active list (busy objects) and wake BO_WAIT. */
static void vedge_job_inactive(struct vedge_job *job)
{
	struct vedge_device *vdev = job->vfile->vdev;
	struct vedge_job **p;

	pthread_mutex_lock(&vdev->busy_lock);
	for (p = &vdev->active; *p; p = &(*p)->active_next) {
		if (*p == job) {
			*p = job->active_next;
			break;
		}
	}
	job->on_active = false;
	pthread_cond_broadcast(&vdev->busy_cond);
	pthread_mutex_unlock(&vdev->busy_lock);
}

static void vedge_job_done(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	(void)fence;
	vedge_job_inactive(container_of(cb, struct vedge_job, done_cb));
}

static void vedge_job_unmap(struct vedge_job *job)
{
	for (uint32_t i = 0; i < job->nr_regions; i++) {
		if (job->regions[i].vaddr)
			drm_gem_shmem_vunmap(to_drm_gem_shmem_obj(job->regions[i].obj));
		job->regions[i].vaddr = NULL;
	}
}

/* Free a job: the scheduler's free_job, or SUBMIT's error path before the push. */
static void vedge_job_free(struct vedge_job *job)
{
	struct vedge_device *vdev = job->vfile->vdev;

	drm_sched_job_cleanup(&job->base);
	vedge_job_unmap(job);
	for (uint32_t i = 0; i < job->nr_regions; i++)
		if (job->regions[i].obj)
			drm_gem_object_put(job->regions[i].obj);
	if (job->hw_fence)
		dma_fence_put(job->hw_fence);
	free(job->cmds);
	vedge_file_put(job->vfile);
	free(job);
	vedge_jobs_put(vdev);
}

/* ---------------------------------------------------------------------------------------- */
/* On the NPU */

/* Program the region and stream registers; without DMA, copy everything into SRAM first. */
static void vedge_job_program(struct vedge_device *vdev, struct vedge_job *job)
{
	uint64_t t0 = vedge_now_ns();
	uint32_t i;

	for (i = 0; i < VEDGE_MAX_REGIONS; i++) {
		struct vedge_job_region *r = &job->regions[i];
		uint64_t base = 0, size = 0;

		if (i < job->nr_regions) {
			size = r->size;
			if (vdev->cfg.has_dma) {
				base = (uintptr_t)r->vaddr + r->offset;
			} else {
				base = r->sram_offset;
				vedge_sram_write(vdev, r->sram_offset,
						 (const uint8_t *)r->vaddr + r->offset, r->size);
			}
		}
		vedge_reg_write64(vdev, VEDGE_REG_REGION_BASE_LO(i), base);
		vedge_reg_write(vdev, VEDGE_REG_REGION_SIZE(i), (uint32_t)size);
	}
	if (vdev->cfg.has_dma) {
		vedge_reg_write64(vdev, VEDGE_REG_CMD_BASE_LO, (uintptr_t)job->cmds);
		vedge_reg_write(vdev, VEDGE_REG_SCRATCH_BASE, 0);
	} else {
		vedge_sram_write(vdev, job->cmd_sram_offset, job->cmds,
				 (size_t)job->nr_cmds * sizeof(struct vedge_cmd));
		vedge_reg_write64(vdev, VEDGE_REG_CMD_BASE_LO, job->cmd_sram_offset);
		vedge_reg_write(vdev, VEDGE_REG_SCRATCH_BASE, job->scratch_base);
		job->pio_ns += vedge_now_ns() - t0;
	}
	vedge_reg_write(vdev, VEDGE_REG_CMD_LENGTH, job->nr_cmds * (uint32_t)sizeof(struct vedge_cmd));
	vedge_reg_write(vdev, VEDGE_REG_PERF_CTRL, VEDGE_PERF_CLEAR);
}

static int vedge_job_map(struct vedge_job *job)
{
	for (uint32_t i = 0; i < job->nr_regions; i++) {
		int ret = drm_gem_shmem_vmap(to_drm_gem_shmem_obj(job->regions[i].obj),
					     &job->regions[i].vaddr);

		if (ret) {
			job->regions[i].vaddr = NULL;
			vedge_job_unmap(job);
			return ret;
		}
	}
	return 0;
}

/**
 * vedge_job_complete() - finish the job just taken off vdev->running: copy the writable
 * regions back from SRAM (DMA-less, on success), account it, release the NPU to runtime PM
 * and signal its fence with @error
 * @vdev: the device
 * @job: the job; its fence may free it once signalled
 * @error: 0, -EIO (the NPU reported an error) or -ETIMEDOUT (reset)
 */
void vedge_job_complete(struct vedge_device *vdev, struct vedge_job *job, int error)
{
	struct dma_fence *fence = dma_fence_get(job->hw_fence);
	struct vedge_perf perf;

	if (!error && !vdev->cfg.has_dma) {
		uint64_t t0 = vedge_now_ns();

		for (uint32_t i = 0; i < job->nr_regions; i++) {
			struct vedge_job_region *r = &job->regions[i];

			if (r->flags & VEDGE_REGION_F_WRITE)
				vedge_sram_read(vdev, r->sram_offset, (uint8_t *)r->vaddr + r->offset,
						r->size);
		}
		job->pio_ns += vedge_now_ns() - t0;
	}
	perf.cycles = vedge_reg_read64(vdev, VEDGE_REG_PERF_CYCLES_LO);
	perf.macs = vedge_reg_read64(vdev, VEDGE_REG_PERF_MACS_LO);
	perf.ops = vedge_reg_read64(vdev, VEDGE_REG_PERF_OPS_LO);
	perf.bytes = vedge_reg_read64(vdev, VEDGE_REG_PERF_BYTES_LO);
	vedge_job_unmap(job);
	job->end_ns = vedge_now_ns();

	pthread_mutex_lock(&vdev->perf_lock);
	vdev->last_perf = perf;
	vdev->total_perf.cycles += perf.cycles;
	vdev->total_perf.macs += perf.macs;
	vdev->total_perf.ops += perf.ops;
	vdev->total_perf.bytes += perf.bytes;
	vdev->last_job_ns = job->end_ns - job->start_ns;
	vdev->last_pio_ns = job->pio_ns;
	vdev->last_resume_ns = job->resume_ns;
	pthread_mutex_unlock(&vdev->perf_lock);
	atomic_fetch_add(&vdev->busy_ns, job->end_ns - job->start_ns);
	atomic_fetch_add(error ? &vdev->jobs_failed : &vdev->jobs_done, 1);
	vedge_pm_put(vdev);
	if (error)
		dma_fence_set_error(fence, error);
	dma_fence_signal(fence);
	dma_fence_put(fence);
}

static struct dma_fence *vedge_sched_run_job(struct drm_sched_job *sched_job)
{
	struct vedge_job *job = to_vedge_job(sched_job);
	struct vedge_device *vdev = job->vfile->vdev;
	struct dma_fence *fence;
	int err;

	fence = malloc(sizeof(*fence));
	if (!fence)
		return ERR_PTR(-ENOMEM);
	dma_fence_init(fence, &vedge_hw_fence_ops, vdev->fence_context,
		       atomic_fetch_add(&vdev->hw_seqno, 1) + 1);
	job->hw_fence = fence;
	/* As in the kernel, a failed dependency is not run into: the job carries its error. */
	err = drm_sched_job_dependency_error(sched_job);
	if (!err && drm_dev_is_unplugged(&vdev->drm))
		err = -ENODEV;
	if (!err)
		err = vedge_job_map(job);
	if (err) {
		dma_fence_set_error(fence, err);
		dma_fence_signal(fence);
		return dma_fence_get(fence);
	}
	job->start_ns = vedge_now_ns();
	job->resume_ns = vedge_pm_get(vdev);
	vedge_job_program(vdev, job);
	/* Running before the kick: the interrupt may come at once. */
	pthread_mutex_lock(&vdev->job_lock);
	vdev->running = job;
	pthread_mutex_unlock(&vdev->job_lock);
	vedge_reg_write(vdev, VEDGE_REG_CONTROL, VEDGE_CONTROL_KICK);
	return dma_fence_get(fence);
}

/*
 * The job has been on the NPU for the whole timeout. Take it off (unless the interrupt
 * thread already did), reset the NPU, which stops the command processor wherever it is and
 * clears its interrupts, and fail the job. The next job reprograms everything it uses.
 */
static enum drm_gpu_sched_stat vedge_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct vedge_job *job = to_vedge_job(sched_job);
	struct vedge_device *vdev = job->vfile->vdev;
	bool ours;

	/* Reset under job_lock: see vedge_irq_handle(). */
	pthread_mutex_lock(&vdev->job_lock);
	ours = vdev->running == job;
	if (ours) {
		vdev->running = NULL;
		vedge_reg_write(vdev, VEDGE_REG_CONTROL, VEDGE_CONTROL_RESET);
	}
	pthread_mutex_unlock(&vdev->job_lock);
	if (!ours)
		return DRM_GPU_SCHED_STAT_NO_HANG;
	atomic_fetch_add(&vdev->reset_count, 1);
	accel_printk(ACCEL_LOG_WARN, "[drm] vedge %s: job %llu timed out: NPU reset",
		     vdev->drm.unique, (unsigned long long)job->seqno);
	vedge_job_complete(vdev, job, -ETIMEDOUT);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void vedge_sched_free_job(struct drm_sched_job *sched_job)
{
	vedge_job_free(to_vedge_job(sched_job));
}

static const struct drm_sched_backend_ops vedge_sched_ops = {
	.run_job = vedge_sched_run_job,
	.timedout_job = vedge_sched_timedout_job,
	.free_job = vedge_sched_free_job,
};

/**
 * vedge_sched_init() - the NPU's ring
 * @vdev: the device, configured
 *
 * Return: 0 or the scheduler's error.
 */
int vedge_sched_init(struct vedge_device *vdev)
{
	struct drm_sched_init_args args = {
		.ops = &vedge_sched_ops,
		.credit_limit = 1,
		/* No context to kill: a file whose job timed out goes on submitting. */
		.hang_limit = INT_MAX,
		.timeout_ms = (long)(vdev->cfg.job_timeout_ms * ACCEL_TIMEOUT_SCALE),
		.name = "npu",
	};
	int ret;

	vdev->fence_context = dma_fence_context_alloc(1);
	ret = drm_sched_init(&vdev->sched, &args);
	if (ret)
		return ret;
	vdev->sched_list[0] = &vdev->sched;
	vdev->sched_ready = true;
	return 0;
}

/**
 * vedge_sched_fini() - unplug: the job on the NPU is reset and fails with -ENODEV, then the
 * scheduler completes what it still holds
 * @vdev: the device
 */
void vedge_sched_fini(struct vedge_device *vdev)
{
	struct vedge_job *job;

	if (!vdev->sched_ready)
		return;
	pthread_mutex_lock(&vdev->job_lock);
	job = vdev->running;
	vdev->running = NULL;
	if (job)
		vedge_reg_write(vdev, VEDGE_REG_CONTROL, VEDGE_CONTROL_RESET);
	pthread_mutex_unlock(&vdev->job_lock);
	if (job)
		vedge_job_complete(vdev, job, -ENODEV);
	drm_sched_fini(&vdev->sched);
	vdev->sched_ready = false;
}

/* ---------------------------------------------------------------------------------------- */
/* SUBMIT */

static int vedge_submit_check(const struct drm_vedge_submit *args)
{
	if (args->flags || args->pad || args->region_count > VEDGE_MAX_REGIONS ||
	    args->in_sync_count > VEDGE_MAX_IN_SYNCS)
		return -EINVAL;
	if ((args->cmd_offset & 7) || (args->cmd_size & 7) || !args->cmd_size ||
	    args->cmd_size > (uint64_t)VEDGE_MAX_CMDS * sizeof(struct vedge_cmd))
		return -EINVAL;
	return 0;
}

/* Copy the stream out of its object: the job runs this copy, whatever the object becomes. */
static int vedge_job_copy_stream(struct vedge_job *job, struct drm_file *file,
				 const struct drm_vedge_submit *args)
{
	struct drm_gem_object *obj = drm_gem_object_lookup(file, args->cmd_handle);
	void *vaddr;
	int ret;

	if (!obj)
		return -ENOENT;
	ret = -EINVAL;
	if (args->cmd_offset > obj->size || args->cmd_size > obj->size - args->cmd_offset)
		goto out;
	job->cmds = malloc((size_t)args->cmd_size);
	ret = -ENOMEM;
	if (!job->cmds)
		goto out;
	ret = drm_gem_shmem_vmap(to_drm_gem_shmem_obj(obj), &vaddr);
	if (ret)
		goto out;
	memcpy(job->cmds, (const uint8_t *)vaddr + args->cmd_offset, (size_t)args->cmd_size);
	drm_gem_shmem_vunmap(to_drm_gem_shmem_obj(obj));
	job->nr_cmds = (uint32_t)(args->cmd_size / sizeof(struct vedge_cmd));
out:
	drm_gem_object_put(obj);
	return ret;
}

/*
 * Two regions of one object that overlap, one of them writable: the NPU would see one
 * memory under two names, and a DMA-less job's copies back would race. Refused.
 */
static bool vedge_regions_alias(const struct vedge_job *job)
{
	for (uint32_t i = 0; i < job->nr_regions; i++) {
		for (uint32_t j = i + 1; j < job->nr_regions; j++) {
			const struct vedge_job_region *a = &job->regions[i], *b = &job->regions[j];

			if (a->obj == b->obj && ((a->flags | b->flags) & VEDGE_REGION_F_WRITE) &&
			    a->offset < b->offset + b->size && b->offset < a->offset + a->size)
				return true;
		}
	}
	return false;
}

static int vedge_job_take_regions(struct vedge_job *job, struct drm_file *file,
				  const struct drm_vedge_submit *args)
{
	struct drm_vedge_region regs[VEDGE_MAX_REGIONS];
	uint32_t i;

	if (args->region_count &&
	    copy_from_user(regs, u64_to_user_ptr(args->regions),
			   args->region_count * sizeof(regs[0])))
		return -EFAULT;
	for (i = 0; i < args->region_count; i++) {
		struct vedge_job_region *r = &job->regions[i];

		if ((regs[i].flags & ~VEDGE_REGION_FLAGS_ALL) || !regs[i].size ||
		    regs[i].size > UINT32_MAX)
			return -EINVAL;
		r->obj = drm_gem_object_lookup(file, regs[i].handle);
		if (!r->obj)
			return -ENOENT;
		job->nr_regions = i + 1;
		if (regs[i].offset > r->obj->size || regs[i].size > r->obj->size - regs[i].offset)
			return -EINVAL;
		r->offset = regs[i].offset;
		r->size = regs[i].size;
		r->flags = regs[i].flags;
	}
	return vedge_regions_alias(job) ? -EINVAL : 0;
}

/*
 * Without DMA: every region, then the stream, at VEDGE_SRAM_ALIGN offsets from 0; the SRAM
 * left is the job's VEDGE_REGION_SRAM. With DMA all of SRAM is scratch. Returns the scratch
 * bytes in *@scratch_size, or -ENOSPC.
 */
static int vedge_job_layout(struct vedge_device *vdev, struct vedge_job *job,
			    uint64_t *scratch_size)
{
	uint64_t off = 0, sram = vdev->cfg.sram_size;

#define VEDGE_ALIGN_UP(x) (((x) + VEDGE_SRAM_ALIGN - 1) & ~(uint64_t)(VEDGE_SRAM_ALIGN - 1))
	if (vdev->cfg.has_dma) {
		job->scratch_base = 0;
		*scratch_size = sram;
		return 0;
	}
	for (uint32_t i = 0; i < job->nr_regions; i++) {
		off = VEDGE_ALIGN_UP(off);
		job->regions[i].sram_offset = (uint32_t)off;
		off += job->regions[i].size;
		if (off > sram)
			return -ENOSPC;
	}
	off = VEDGE_ALIGN_UP(off);
	job->cmd_sram_offset = (uint32_t)off;
	off = VEDGE_ALIGN_UP(off + (uint64_t)job->nr_cmds * sizeof(struct vedge_cmd));
	if (off > sram)
		return -ENOSPC;
	job->scratch_base = (uint32_t)off;
	*scratch_size = sram - off;
	return 0;
#undef VEDGE_ALIGN_UP
}

static int vedge_job_add_in_syncs(struct vedge_job *job, struct drm_file *file,
				  const struct drm_vedge_submit *args)
{
	uint32_t handles[VEDGE_MAX_IN_SYNCS];
	struct dma_fence *fence;
	int ret;

	if (!args->in_sync_count)
		return 0;
	if (copy_from_user(handles, u64_to_user_ptr(args->in_syncs),
			   args->in_sync_count * sizeof(handles[0])))
		return -EFAULT;
	for (uint32_t i = 0; i < args->in_sync_count; i++) {
		ret = drm_syncobj_find_fence(file, handles[i], 0, 0, &fence);
		if (ret)
			return ret;
		ret = drm_sched_job_add_dependency(&job->base, fence);
		if (ret)
			return ret;
	}
	return 0;
}

static int vedge_job_prepare(struct vedge_device *vdev, struct vedge_job *job,
			     struct drm_file *file, const struct drm_vedge_submit *args)
{
	struct vedge_region_info info[VEDGE_MAX_REGIONS];
	uint64_t scratch;
	int ret;

	ret = vedge_job_copy_stream(job, file, args);
	if (ret)
		return ret;
	ret = vedge_job_take_regions(job, file, args);
	if (ret)
		return ret;
	ret = vedge_job_layout(vdev, job, &scratch);
	if (ret)
		return ret;
	for (uint32_t i = 0; i < job->nr_regions; i++)
		info[i] = (struct vedge_region_info){ job->regions[i].size,
						      job->regions[i].flags & VEDGE_REGION_F_WRITE };
	return vedge_validate_stream(job->cmds, job->nr_cmds, info, job->nr_regions, scratch,
				     vdev->cfg.has_dma);
}

/**
 * vedge_submit_ioctl() - DRM_IOCTL_VEDGE_SUBMIT
 * @dev: the device
 * @data: struct drm_vedge_submit
 * @file: the client
 *
 * Return: 0; -EINVAL for a bad argument or stream; -ENOSPC when a DMA-less job's regions do
 * not fit the SRAM; -ENOENT for an unknown handle; -EFAULT; -ENOMEM; the scheduler's error
 * (-ENODEV once unplugged).
 */
int vedge_submit_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vedge_device *vdev = to_vedge_device(dev);
	struct vedge_file *vf = file->driver_priv;
	struct drm_vedge_submit *args = data;
	struct drm_syncobj *out = NULL;
	struct dma_fence *finished;
	struct vedge_job *job;
	uint64_t seqno;
	int ret;

	ret = vedge_submit_check(args);
	if (ret)
		return ret;
	if (args->out_sync) {
		out = drm_syncobj_find(file, args->out_sync);
		if (!out)
			return -ENOENT;
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		ret = -ENOMEM;
		goto out_put;
	}
	kref_get(&vf->ref);
	job->vfile = vf;
	pthread_mutex_lock(&vdev->busy_lock);
	vdev->jobs_alive++;
	pthread_mutex_unlock(&vdev->busy_lock);
	ret = drm_sched_job_init(&job->base, &vf->entity, 1, vf);
	if (ret)
		goto err_job;
	ret = vedge_job_prepare(vdev, job, file, args);
	if (ret)
		goto err_job;
	ret = vedge_job_add_in_syncs(job, file, args);
	if (ret)
		goto err_job;

	pthread_mutex_lock(&vf->lock);
	drm_sched_job_arm(&job->base);
	job->seqno = seqno = ++vf->seqno;
	finished = dma_fence_get(drm_sched_job_finished(&job->base));
	pthread_mutex_lock(&vdev->busy_lock);
	job->active_next = vdev->active;
	vdev->active = job;
	job->on_active = true;
	pthread_mutex_unlock(&vdev->busy_lock);
	if (dma_fence_add_callback(finished, &job->done_cb, vedge_job_done))
		vedge_job_inactive(job);
	ret = drm_sched_entity_push_job(&job->base);
	pthread_mutex_unlock(&vf->lock);

	if (!ret) {
		args->seqno = seqno;
		if (out)
			drm_syncobj_replace_fence(out, finished);
	}
	dma_fence_put(finished);
	goto out_put;

err_job:
	vedge_job_free(job);
out_put:
	if (out)
		drm_syncobj_put(out);
	return ret;
}

static const struct drm_ioctl_ptr vedge_submit_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_vedge_submit, regions, region_count,
		      sizeof(struct drm_vedge_region), VEDGE_MAX_REGIONS, DRM_IOCTL_IN),
	DRM_IOCTL_PTR(struct drm_vedge_submit, in_syncs, in_sync_count, sizeof(uint32_t),
		      VEDGE_MAX_IN_SYNCS, DRM_IOCTL_IN),
};

/* SUBMIT's regions and in_syncs arrays travel with the argument through acceld. */
const struct drm_ioctl_layout vedge_submit_layout = { vedge_submit_ptrs, 2, NULL, 0 };
