// SPDX-License-Identifier: MIT
/*
 * example: buffers. CREATE_BO makes a host-memory object through the shmem helper and
 * BO_INFO gives its size and the fake offset to mmap() it at, as any shmem driver does.
 */
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem_shmem_helper.h>
#include <uapi/drm/example_accel.h>
#include "example.h"

/**
 * example_create_bo_ioctl() - DRM_IOCTL_EXAMPLE_CREATE_BO
 * @dev: the device
 * @data: struct drm_example_create_bo
 * @file: the client that gets the handle
 *
 * Return: 0; -EINVAL for flags or a size of 0; -ENOMEM.
 */
int example_create_bo_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_example_create_bo *args = data;

	if (args->flags || !args->size)
		return -EINVAL;
	if (args->size > SIZE_MAX - PAGE_SIZE)
		return -ENOMEM;
	return drm_gem_shmem_create_with_handle(file, dev, PAGE_ALIGN((size_t)args->size),
						&args->handle);
}

/**
 * example_bo_info_ioctl() - DRM_IOCTL_EXAMPLE_BO_INFO
 * @dev: the device
 * @data: struct drm_example_bo_info
 * @file: the client
 *
 * Return: 0; -EINVAL for a non-zero pad; -ENOENT for an unknown handle.
 */
int example_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_example_bo_info *args = data;
	struct drm_gem_object *obj;
	int ret;

	(void)dev;
	if (args->pad)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret) {
		args->size = obj->size;
		args->mmap_offset = drm_vma_node_offset_addr(obj);
	}
	drm_gem_object_put(obj);
	return ret;
}
