// SPDX-License-Identifier: MIT
/*
 * vedge: buffer objects (the shmem helper's, host memory the NPU reaches by DMA or the driver
 * copies through the SRAM window), their busy state and wait, and fdinfo. An object is busy
 * while a submitted job whose fence has not signalled names it as a region: the device's
 * active-job list says so, under busy_lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>

#include <accel/attr.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/drm_gem_shmem_helper.h>
#include "vedge_drv.h"

/**
 * vedge_bo_create_ioctl() - DRM_IOCTL_VEDGE_BO_CREATE
 * @dev: the device
 * @data: struct drm_vedge_bo_create
 * @file: the client
 *
 * Return: 0; -EINVAL for size 0 or flags; -ENOMEM.
 */
int vedge_bo_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_vedge_bo_create *args = data;

	if (!args->size || args->flags)
		return -EINVAL;
	if (args->size > SIZE_MAX - PAGE_SIZE)
		return -ENOMEM;
	return drm_gem_shmem_create_with_handle(file, dev, (size_t)args->size, &args->handle);
}

/**
 * vedge_bo_mmap_ioctl() - DRM_IOCTL_VEDGE_BO_MMAP
 * @dev: the device
 * @data: struct drm_vedge_bo_mmap
 * @file: the client
 *
 * Return: 0; -EINVAL for a non-zero pad; -ENOENT for an unknown handle.
 */
int vedge_bo_mmap_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_vedge_bo_mmap *args = data;
	struct drm_gem_object *obj;
	int ret;

	(void)dev;
	if (args->pad)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret)
		args->offset = drm_vma_node_offset_addr(obj);
	drm_gem_object_put(obj);
	return ret;
}

/* Whether a job not yet finished names @obj. busy_lock held. */
static bool vedge_obj_busy_locked(struct vedge_device *vdev, struct drm_gem_object *obj)
{
	for (struct vedge_job *job = vdev->active; job; job = job->active_next)
		for (uint32_t i = 0; i < job->nr_regions; i++)
			if (job->regions[i].obj == obj)
				return true;
	return false;
}

/**
 * vedge_bo_info_ioctl() - DRM_IOCTL_VEDGE_BO_INFO
 * @dev: the device
 * @data: struct drm_vedge_bo_info
 * @file: the client
 *
 * Return: 0; -ENOENT for an unknown handle.
 */
int vedge_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vedge_device *vdev = to_vedge_device(dev);
	struct drm_vedge_bo_info *args = data;
	struct drm_gem_object *obj;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	args->size = obj->size;
	pthread_mutex_lock(&vdev->busy_lock);
	args->busy = vedge_obj_busy_locked(vdev, obj);
	pthread_mutex_unlock(&vdev->busy_lock);
	drm_gem_object_put(obj);
	return 0;
}

/**
 * vedge_bo_wait_ioctl() - DRM_IOCTL_VEDGE_BO_WAIT
 * @dev: the device
 * @data: struct drm_vedge_bo_wait
 * @file: the client
 *
 * Return: 0 once no unfinished job names the object; -ETIME at the deadline; -EINVAL for a
 * non-zero pad; -ENOENT for an unknown handle.
 */
int vedge_bo_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vedge_device *vdev = to_vedge_device(dev);
	struct drm_vedge_bo_wait *args = data;
	struct drm_gem_object *obj;
	struct timespec ts;
	int ret = 0;

	if (args->pad)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ts.tv_sec = args->timeout_ns > 0 ? (time_t)(args->timeout_ns / 1000000000ll) : 0;
	ts.tv_nsec = args->timeout_ns > 0 ? (long)(args->timeout_ns % 1000000000ll) : 0;
	pthread_mutex_lock(&vdev->busy_lock);
	while (vedge_obj_busy_locked(vdev, obj)) {
		/* busy_cond runs on CLOCK_MONOTONIC, the clock of the uAPI's deadline. */
		if (pthread_cond_timedwait(&vdev->busy_cond, &vdev->busy_lock, &ts) == ETIMEDOUT &&
		    vedge_obj_busy_locked(vdev, obj)) {
			ret = -ETIME;
			break;
		}
	}
	pthread_mutex_unlock(&vdev->busy_lock);
	drm_gem_object_put(obj);
	return ret;
}

/**
 * vedge_show_fdinfo() - fdinfo: the core's memory keys and the client's NPU time
 * (drm-engine-npu, from its scheduler entity's statistics, in ns).
 * @m: the fdinfo being written
 * @file: the client
 */
void vedge_show_fdinfo(struct seq_file *m, struct drm_file *file)
{
	struct vedge_file *vf = file->driver_priv;
	struct drm_sched_entity_stats st = { 0 };

	drm_show_memory_stats(m, file);
	if (vf)
		drm_sched_entity_get_stats(&vf->entity, &st);
	seq_printf(m, "drm-engine-npu:\t%llu ns\n", (unsigned long long)st.busy_ns);
}
