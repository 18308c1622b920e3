// SPDX-License-Identifier: MIT
/*
 * GEM objects in host memory, one memfd each: the helper drivers build on, as the kernel's
 * drm_gem_shmem_helper. Mapping, exporting and importing all share the memfd's pages.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/drm_mode.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem_shmem_helper.h>
#include <accel/drm_prime.h>
#include <accel/drm_print.h>

static void drm_gem_shmem_free_obj(struct drm_gem_object *obj)
{
	drm_gem_shmem_free(to_drm_gem_shmem_obj(obj));
}

/* Host memory is always there: resident, never purgeable. */
static enum drm_gem_object_status drm_gem_shmem_status(struct drm_gem_object *obj)
{
	(void)obj;
	return DRM_GEM_OBJECT_RESIDENT;
}

static const struct drm_gem_object_funcs drm_gem_shmem_funcs = {
	.free = drm_gem_shmem_free_obj,
	.status = drm_gem_shmem_status,
};

/* The driver's struct (gem_create_object) or ours, with the shmem funcs unless it set its own. */
static struct drm_gem_shmem_object *drm_gem_shmem_alloc(struct drm_device *dev, size_t size)
{
	struct drm_gem_shmem_object *shmem;
	struct drm_gem_object *obj;

	if (dev->driver->gem_create_object) {
		obj = dev->driver->gem_create_object(dev, size);
		if (IS_ERR(obj))
			return ERR_PTR(PTR_ERR(obj));
		if (!obj)
			return ERR_PTR(-ENOMEM);
		shmem = to_drm_gem_shmem_obj(obj);
	} else {
		shmem = calloc(1, sizeof(*shmem));
		if (!shmem)
			return ERR_PTR(-ENOMEM);
		obj = &shmem->base;
	}
	if (!obj->funcs)
		obj->funcs = &drm_gem_shmem_funcs;
	pthread_mutex_init(&shmem->vmap_lock, NULL);
	return shmem;
}

/**
 * drm_gem_shmem_create() - allocate a zeroed object in host memory
 * @dev: the device
 * @size: bytes, rounded up to whole pages
 *
 * Return: the object with one reference, or ERR_PTR(-EINVAL) for size 0, ERR_PTR(-ENOMEM)
 * (or the memfd's errno) when no memory is left.
 */
struct drm_gem_shmem_object *drm_gem_shmem_create(struct drm_device *dev, size_t size)
{
	struct drm_gem_shmem_object *shmem;
	int err;

	if (!size || size > SIZE_MAX - PAGE_SIZE)
		return ERR_PTR(-EINVAL);
	size = PAGE_ALIGN(size);
	shmem = drm_gem_shmem_alloc(dev, size);
	if (IS_ERR(shmem))
		return shmem;
	err = drm_gem_object_init(dev, &shmem->base, size);
	if (err)
		goto err_free;
	/* As the kernel's helper: the offset is made with the object, not on first BO_INFO. */
	err = drm_gem_create_mmap_offset(&shmem->base);
	if (err) {
		drm_gem_object_release(&shmem->base);
		goto err_free;
	}
	return shmem;

err_free:
	/* The init released the object already: only the struct is left. */
	pthread_mutex_destroy(&shmem->vmap_lock);
	free(shmem);
	return ERR_PTR(err);
}

/**
 * drm_gem_shmem_free() - free an object whose last reference is gone
 * @shmem: the object
 */
void drm_gem_shmem_free(struct drm_gem_shmem_object *shmem)
{
	if (shmem->vmap_use_count) {
		drm_warn(shmem->base.dev, "freeing a GEM object still mapped by its driver");
		munmap(shmem->vaddr, shmem->base.size);
	}
	drm_gem_object_release(&shmem->base);
	pthread_mutex_destroy(&shmem->vmap_lock);
	free(shmem);
}

/**
 * drm_gem_shmem_create_with_handle() - create an object and return only a handle
 * @file: the client that gets the handle
 * @dev: the device
 * @size: bytes
 * @handle: the new handle
 *
 * Return: 0 or a negative errno.
 */
int drm_gem_shmem_create_with_handle(struct drm_file *file, struct drm_device *dev, size_t size,
				     uint32_t *handle)
{
	struct drm_gem_shmem_object *shmem;
	int ret;

	shmem = drm_gem_shmem_create(dev, size);
	if (IS_ERR(shmem))
		return (int)PTR_ERR(shmem);
	ret = drm_gem_handle_create(file, &shmem->base, handle);
	/* The handle holds the object now. */
	drm_gem_object_put(&shmem->base);
	return ret;
}

/**
 * drm_gem_shmem_dumb_create() - the dumb_create of shmem drivers
 * @file: the client
 * @dev: the device
 * @args: width, height, bpp in; handle, pitch, size out
 *
 * The pitch is the minimum for the width; the size is pitch times height in whole pages.
 *
 * Return: 0 or a negative errno.
 */
int drm_gem_shmem_dumb_create(struct drm_file *file, struct drm_device *dev,
			      struct drm_mode_create_dumb *args)
{
	uint32_t min_pitch = (args->width * args->bpp + 7) / 8;

	if (!args->pitch || !args->size) {
		args->pitch = min_pitch;
		args->size = PAGE_ALIGN((uint64_t)args->pitch * args->height);
	} else {
		if (args->pitch < min_pitch)
			args->pitch = min_pitch;
		if (args->size < (uint64_t)args->pitch * args->height)
			args->size = PAGE_ALIGN((uint64_t)args->pitch * args->height);
	}
	return drm_gem_shmem_create_with_handle(file, dev, args->size, &args->handle);
}

/**
 * drm_gem_shmem_prime_import_buf() - an object over another device's or a foreign buffer
 * @dev: the importing device
 * @buf: the buffer; its memory is shared, not copied
 *
 * Return: the new object with one reference, or an ERR_PTR.
 */
struct drm_gem_object *drm_gem_shmem_prime_import_buf(struct drm_device *dev, struct dma_buf *buf)
{
	struct drm_gem_shmem_object *shmem;
	int fd, err;

	/* Read-write whatever the export's mode: the importer maps it through its own file. */
	fd = dma_buf_open_rdwr(buf);
	if (fd < 0)
		return ERR_PTR(fd);
	shmem = drm_gem_shmem_alloc(dev, buf->size);
	if (IS_ERR(shmem)) {
		close(fd);
		return ERR_PTR(PTR_ERR(shmem));
	}
	drm_gem_private_object_init(dev, &shmem->base, buf->size);
	shmem->base.filp = fd;
	err = drm_gem_create_mmap_offset(&shmem->base);
	if (err) {
		drm_gem_object_release(&shmem->base);
		pthread_mutex_destroy(&shmem->vmap_lock);
		free(shmem);
		return ERR_PTR(err);
	}
	return &shmem->base;
}

/**
 * drm_gem_shmem_vmap() - map the object into the core for the driver's own access
 * @shmem: the object
 * @vaddr: where the object's memory is, until the matching drm_gem_shmem_vunmap()
 *
 * Return: 0 or a negative errno.
 */
int drm_gem_shmem_vmap(struct drm_gem_shmem_object *shmem, void **vaddr)
{
	int ret = 0;

	pthread_mutex_lock(&shmem->vmap_lock);
	if (!shmem->vmap_use_count) {
		void *p = mmap(NULL, shmem->base.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			       shmem->base.filp, 0);

		if (p == MAP_FAILED) {
			ret = -errno;
			goto out;
		}
		shmem->vaddr = p;
	}
	shmem->vmap_use_count++;
	*vaddr = shmem->vaddr;
out:
	pthread_mutex_unlock(&shmem->vmap_lock);
	return ret;
}

/**
 * drm_gem_shmem_vunmap() - drop one drm_gem_shmem_vmap()
 * @shmem: the object
 */
void drm_gem_shmem_vunmap(struct drm_gem_shmem_object *shmem)
{
	pthread_mutex_lock(&shmem->vmap_lock);
	if (shmem->vmap_use_count && --shmem->vmap_use_count == 0) {
		munmap(shmem->vaddr, shmem->base.size);
		shmem->vaddr = NULL;
	}
	pthread_mutex_unlock(&shmem->vmap_lock);
}
