/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_gem_shmem_helper.h - GEM objects in host memory, one memfd each.
 *
 * The helper most drivers use, as drm_gem_shmem_helper is in the kernel: create objects,
 * dumb buffers, import foreign buffers, and map an object into the core for the driver's
 * own CPU access (drm_gem_shmem_vmap()).
 */
#ifndef ACCEL_DRM_GEM_SHMEM_HELPER_H
#define ACCEL_DRM_GEM_SHMEM_HELPER_H

#include <pthread.h>
#include <accel/drm_gem.h>

/**
 * struct drm_gem_shmem_object - a memfd-backed object.
 * @vaddr and @vmap_use_count are guarded by @vmap_lock.
 */
struct drm_gem_shmem_object {
	struct drm_gem_object base;
	pthread_mutex_t vmap_lock;
	void *vaddr;
	unsigned int vmap_use_count;
};

/** to_drm_gem_shmem_obj() - the shmem object of @obj. */
static inline struct drm_gem_shmem_object *to_drm_gem_shmem_obj(struct drm_gem_object *obj)
{
	return container_of(obj, struct drm_gem_shmem_object, base);
}

/**
 * drm_gem_shmem_create() - a new object of @size bytes (rounded up to pages), zeroed, with
 * one reference; ERR_PTR(-EINVAL) for size 0, -ENOMEM when no memory.
 */
struct drm_gem_shmem_object *drm_gem_shmem_create(struct drm_device *dev, size_t size);
/** drm_gem_shmem_free() - free an object whose last reference is gone. */
void drm_gem_shmem_free(struct drm_gem_shmem_object *shmem);
/** drm_gem_shmem_create_with_handle() - create and return only a handle in @file. */
int drm_gem_shmem_create_with_handle(struct drm_file *file, struct drm_device *dev, size_t size,
				     uint32_t *handle);
/** drm_gem_shmem_dumb_create() - the dumb_create of shmem drivers. */
int drm_gem_shmem_dumb_create(struct drm_file *file, struct drm_device *dev,
			      struct drm_mode_create_dumb *args);
/** drm_gem_shmem_prime_import_buf() - wrap a buffer of another device or a foreign memfd. */
struct drm_gem_object *drm_gem_shmem_prime_import_buf(struct drm_device *dev, struct dma_buf *buf);
/** drm_gem_shmem_vmap() - map the object into the core for the driver (counted). */
int drm_gem_shmem_vmap(struct drm_gem_shmem_object *shmem, void **vaddr);
/** drm_gem_shmem_vunmap() - drop one drm_gem_shmem_vmap(). */
void drm_gem_shmem_vunmap(struct drm_gem_shmem_object *shmem);

/** DRM_GEM_SHMEM_DRIVER_OPS - the drm_driver hooks of a shmem driver. */
#define DRM_GEM_SHMEM_DRIVER_OPS \
	.gem_prime_import_buf = drm_gem_shmem_prime_import_buf, \
	.dumb_create = drm_gem_shmem_dumb_create

#endif
