// SPDX-License-Identifier: MIT
/*
 * vtrain: buffer objects in HBM. Each object is a range of the card's HBM aperture (drm_mm,
 * the device address packets use) backed by host pages of a memfd that the kernel allocates
 * as they are first touched, so that a card with many GiB of HBM costs only what is used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include <accel/attr.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/drm_print.h>
#include "vtrain_drv.h"

static void vtrain_bo_free(struct drm_gem_object *obj)
{
	struct vtrain_device *vdev = to_vtrain_device(obj->dev);
	struct vtrain_bo *bo = to_vtrain_bo(obj);

	pthread_mutex_lock(&vdev->hbm_lock);
	if (drm_mm_node_allocated(&bo->node))
		drm_mm_remove_node(&bo->node);
	pthread_mutex_unlock(&vdev->hbm_lock);
	drm_gem_shmem_free(&bo->base);
}

static enum drm_gem_object_status vtrain_bo_status(struct drm_gem_object *obj)
{
	(void)obj;
	return DRM_GEM_OBJECT_RESIDENT;
}

static const struct drm_gem_object_funcs vtrain_bo_funcs = {
	.free = vtrain_bo_free,
	.status = vtrain_bo_status,
};

/**
 * vtrain_gem_create_object() - the driver's gem_create_object: every object of the device
 * (created or imported) is a struct vtrain_bo; only BO_CREATE gives it an HBM range.
 * @dev: the device
 * @size: unused
 *
 * Return: the zeroed object or NULL.
 */
struct drm_gem_object *vtrain_gem_create_object(struct drm_device *dev, size_t size)
{
	struct vtrain_bo *bo = calloc(1, sizeof(*bo));

	(void)dev;
	(void)size;
	if (!bo)
		return NULL;
	bo->base.base.funcs = &vtrain_bo_funcs;
	return &bo->base.base;
}

/**
 * vtrain_bo_create_ioctl() - DRM_IOCTL_VTRAIN_BO_CREATE
 * @dev: the device
 * @data: struct drm_vtrain_bo_create
 * @file: the client that gets the handle
 *
 * Return: 0; -EINVAL for size 0 or flags; -ENOMEM when HBM has no free range of the size.
 */
int vtrain_bo_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vtrain_device *vdev = to_vtrain_device(dev);
	struct drm_vtrain_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	struct vtrain_bo *bo;
	uint64_t size;
	int ret;

	if (!args->size || args->flags)
		return -EINVAL;
	if (args->size > vdev->cfg.hbm_size)
		return -ENOMEM;
	size = (args->size + VTRAIN_BO_ALIGN - 1) & ~(VTRAIN_BO_ALIGN - 1);
	shmem = drm_gem_shmem_create(dev, (size_t)size);
	if (IS_ERR(shmem))
		return (int)PTR_ERR(shmem);
	bo = container_of(shmem, struct vtrain_bo, base);
	pthread_mutex_lock(&vdev->hbm_lock);
	ret = drm_mm_insert_node_in_range(&vdev->hbm_mm, &bo->node, size, VTRAIN_BO_ALIGN, 0,
					  VTRAIN_HBM_BASE, VTRAIN_HBM_BASE + vdev->cfg.hbm_size,
					  DRM_MM_INSERT_BEST);
	pthread_mutex_unlock(&vdev->hbm_lock);
	if (!ret)
		ret = drm_gem_handle_create(file, &shmem->base, &args->handle);
	drm_gem_object_put(&shmem->base);
	return ret == -ENOSPC ? -ENOMEM : ret;
}

/**
 * vtrain_bo_info_ioctl() - DRM_IOCTL_VTRAIN_BO_INFO
 * @dev: the device
 * @data: struct drm_vtrain_bo_info
 * @file: the client
 *
 * Return: 0; -EINVAL for a non-zero pad; -ENOENT for an unknown handle or an object without
 * HBM (imported from elsewhere: packets cannot address it).
 */
int vtrain_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_vtrain_bo_info *args = data;
	struct drm_gem_object *obj;
	struct vtrain_bo *bo;
	int ret = 0;

	(void)dev;
	if (args->pad)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	bo = to_vtrain_bo(obj);
	args->size = obj->size;
	args->mmap_offset = drm_vma_node_offset_addr(obj);
	args->dev_addr = drm_mm_node_allocated(&bo->node) ? bo->node.start : 0;
	drm_gem_object_put(obj);
	return ret;
}

/**
 * vtrain_hbm_used() - bytes of HBM held by objects (VTRAIN_PARAM_HBM_USED)
 * @vdev: the device
 *
 * Return: a snapshot.
 */
uint64_t vtrain_hbm_used(struct vtrain_device *vdev)
{
	uint64_t used;

	pthread_mutex_lock(&vdev->hbm_lock);
	used = drm_mm_used_bytes(&vdev->hbm_mm);
	pthread_mutex_unlock(&vdev->hbm_lock);
	return used;
}

/**
 * vtrain_show_fdinfo() - fdinfo: the core's memory keys and the client's compute time.
 * @m: the fdinfo being written
 * @file: the client
 */
void vtrain_show_fdinfo(struct seq_file *m, struct drm_file *file)
{
	struct vtrain_file *vf = file->driver_priv;
	struct drm_sched_entity_stats st = { 0 };

	drm_show_memory_stats(m, file);
	if (vf)
		drm_sched_entity_get_stats(&vf->entity, &st);
	seq_printf(m, "drm-engine-compute:\t%llu ns\n", (unsigned long long)st.busy_ns);
}
