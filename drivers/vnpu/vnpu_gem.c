// SPDX-License-Identifier: MIT
/*
 * vnpu: buffer objects. Every object's pages are a host memfd (the shmem helper's); a VRAM
 * object additionally holds a range of the device's VRAM address space, which is what the
 * device's memory accounting (VRAM used/free, sysfs, fdinfo) counts. Ranges come from a
 * drm_mm under the device's vram_lock and go back when the object is freed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <accel/attr.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/fs.h>
#include <accel/idr.h>
#include <uapi/drm/vnpu_accel.h>
#include "vnpu_drv.h"

static void vnpu_bo_free(struct drm_gem_object *obj)
{
	struct vnpu_bo *bo = to_vnpu_bo(obj);
	struct vnpu_device *vdev = to_vnpu_device(obj->dev);

	if (drm_mm_node_allocated(&bo->vram_node)) {
		pthread_mutex_lock(&vdev->vram_lock);
		drm_mm_remove_node(&bo->vram_node);
		pthread_mutex_unlock(&vdev->vram_lock);
	}
	if (atomic_load(&bo->device_mapped))
		drm_gem_shmem_vunmap(&bo->base);
	/* @base is first in struct vnpu_bo: the helper's free() releases the whole struct. */
	drm_gem_shmem_free(&bo->base);
}

/**
 * vnpu_bo_device_vaddr() - where the device reaches an object's memory
 * @obj: a vnpu object
 * @vaddr: its host address, valid while the caller holds a reference to @obj
 *
 * The device maps an object once, on first use, and keeps the mapping until the object is
 * freed, as its page tables would: jobs then pay neither the mmap nor the first-touch page
 * faults again (for a 256 MiB copy these cost more than the copy).
 *
 * Return: 0 or the errno of mapping the object.
 */
int vnpu_bo_device_vaddr(struct drm_gem_object *obj, void **vaddr)
{
	struct vnpu_bo *bo = to_vnpu_bo(obj);
	bool expected = false;
	int ret;

	ret = drm_gem_shmem_vmap(&bo->base, vaddr);
	if (ret)
		return ret;
	/* The first caller's use is the one the object keeps; later callers give theirs back. */
	if (!atomic_compare_exchange_strong(&bo->device_mapped, &expected, true))
		drm_gem_shmem_vunmap(&bo->base);
	return 0;
}

/* Host memory backs every object, VRAM ones included: always resident, never purgeable. */
static enum drm_gem_object_status vnpu_bo_status(struct drm_gem_object *obj)
{
	(void)obj;
	return DRM_GEM_OBJECT_RESIDENT;
}

/*
 * The default GEM mapping (the memfd from its start, shared mappings only), refused for VRAM
 * objects the CPU was not given access to: -EACCES, as the uAPI documents.
 */
static int vnpu_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct vnpu_bo *bo = to_vnpu_bo(obj);

	if ((bo->flags & VNPU_BO_VRAM) && !(bo->flags & VNPU_BO_MAPPABLE))
		return -EACCES;
	if (obj->filp < 0 || (vma->vm_flags & MAP_TYPE) != MAP_SHARED)
		return -EINVAL;
	vma->map_fd = obj->filp;
	vma->map_offset = 0;
	if (vma->map_fd_escapes)
		atomic_store(&obj->filp_escaped, true);
	return 0;
}

static const struct drm_gem_object_funcs vnpu_bo_funcs = {
	.free = vnpu_bo_free,
	.status = vnpu_bo_status,
	.mmap = vnpu_bo_mmap,
};

/**
 * to_vnpu_bo() - the vnpu object of a GEM object of this driver
 * @obj: an object created through vnpu_gem_create_object() (every object of a vnpu device)
 *
 * Return: the containing struct vnpu_bo.
 */
struct vnpu_bo *to_vnpu_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct vnpu_bo, base);
}

/**
 * vnpu_gem_create_object() - the driver's gem_create_object: the shmem helper allocates
 * every object of the device (created, dumb or imported) as a struct vnpu_bo through it
 * @dev: the device
 * @size: the object's size (unused: the struct does not depend on it)
 *
 * Return: the zeroed object (a system-memory object until vnpu_bo_create_ioctl() says
 * otherwise), or NULL when out of memory.
 */
struct drm_gem_object *vnpu_gem_create_object(struct drm_device *dev, size_t size)
{
	struct vnpu_bo *bo;

	(void)dev;
	(void)size;
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return NULL;
	bo->base.base.funcs = &vnpu_bo_funcs;
	return &bo->base.base;
}

/* Take a VRAM range for @bo; -ENOMEM (not the allocator's -ENOSPC) when none is free. */
static int vnpu_bo_vram_alloc(struct vnpu_device *vdev, struct vnpu_bo *bo)
{
	int ret;

	pthread_mutex_lock(&vdev->vram_lock);
	ret = drm_mm_insert_node_in_range(&vdev->vram_mm, &bo->vram_node, bo->base.base.size,
					  VNPU_VRAM_ALIGN, 0, 0, vdev->vram_limit,
					  DRM_MM_INSERT_BEST);
	pthread_mutex_unlock(&vdev->vram_lock);
	return ret == -ENOSPC ? -ENOMEM : ret;
}

/**
 * vnpu_bo_create_ioctl() - DRM_IOCTL_VNPU_BO_CREATE
 * @dev: the device
 * @data: struct drm_vnpu_bo_create
 * @file: the client that gets the handle
 *
 * The memfd is made first and the VRAM range taken after: a failed range insert then only
 * has to drop the object, whose free sees no range and gives nothing back.
 *
 * Return: 0; -EINVAL for a size of 0 or unknown flags; -ENOMEM when out of host memory
 * or, for a VRAM object, when no VRAM range of the size is free.
 */
int vnpu_bo_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vnpu_device *vdev = to_vnpu_device(dev);
	struct drm_vnpu_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	struct vnpu_bo *bo;
	int ret;

	if (!args->size || (args->flags & ~VNPU_BO_FLAGS_ALL))
		return -EINVAL;
	if (args->size > SIZE_MAX - PAGE_SIZE)
		return -ENOMEM;
	/* Cheap early answer: a VRAM object larger than all of VRAM can never fit. */
	if ((args->flags & VNPU_BO_VRAM) && PAGE_ALIGN(args->size) > vdev->cfg.vram_size)
		return -ENOMEM;
	shmem = drm_gem_shmem_create(dev, PAGE_ALIGN((size_t)args->size));
	if (IS_ERR(shmem))
		return (int)PTR_ERR(shmem);
	bo = to_vnpu_bo(&shmem->base);
	bo->flags = args->flags;
	if (bo->flags & VNPU_BO_VRAM) {
		ret = vnpu_bo_vram_alloc(vdev, bo);
		if (ret)
			goto out_put;
	}
	ret = drm_gem_handle_create(file, &shmem->base, &args->handle);
out_put:
	/* On success the handle holds the object now; on failure this frees it. */
	drm_gem_object_put(&shmem->base);
	return ret;
}

/**
 * vnpu_bo_info_ioctl() - DRM_IOCTL_VNPU_BO_INFO
 * @dev: the device
 * @data: struct drm_vnpu_bo_info
 * @file: the client
 *
 * Return: 0; -EINVAL for a non-zero pad; -ENOENT for an unknown handle.
 */
int vnpu_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_vnpu_bo_info *args = data;
	struct drm_gem_object *obj;
	int ret;

	(void)dev;
	if (args->pad || args->pad2)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret) {
		args->size = obj->size;
		args->mmap_offset = drm_vma_node_offset_addr(obj);
		args->flags = to_vnpu_bo(obj)->flags;
	}
	drm_gem_object_put(obj);
	return ret;
}

/*
 * The client's engine time per class (drm-usage-stats: drm-engine-<class> in ns, and
 * drm-engine-capacity-<class> when a class has more than one engine).
 */
static void vnpu_show_engine_fdinfo(struct seq_file *m, struct drm_file *file)
{
	struct vnpu_device *vdev = to_vnpu_device(file->minor->dev);
	struct vnpu_file *vf = vnpu_file_of(file);
	unsigned int k;

	for (k = 0; k < VNPU_NR_CLASSES; k++) {
		seq_printf(m, "drm-engine-%s:\t%llu ns\n", vnpu_class_name[k],
			   (unsigned long long)atomic_load(&vf->busy_ns[k]));
		if (vdev->nr_engines[k] > 1)
			seq_printf(m, "drm-engine-capacity-%s:\t%u\n", vnpu_class_name[k],
				   vdev->nr_engines[k]);
	}
}

/**
 * vnpu_show_fdinfo() - the driver's show_fdinfo: the core's memory keys, then the client's
 * objects split by placement (drm-total-vram, drm-total-system)
 * @m: the fdinfo being written
 * @file: the client
 *
 * Counted over the client's handles as drm_show_memory_stats() does, so an object shared
 * with another client counts in both.
 */
void vnpu_show_fdinfo(struct seq_file *m, struct drm_file *file)
{
	uint64_t vram = 0, system = 0;
	struct drm_gem_object *obj;
	int id;

	drm_show_memory_stats(m, file);
	pthread_mutex_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, id) {
		if (to_vnpu_bo(obj)->flags & VNPU_BO_VRAM)
			vram += obj->size;
		else
			system += obj->size;
	}
	pthread_mutex_unlock(&file->table_lock);
	drm_fdinfo_print_size(m, "drm", "total", "vram", vram);
	drm_fdinfo_print_size(m, "drm", "total", "system", system);
	vnpu_show_engine_fdinfo(m, file);
}
