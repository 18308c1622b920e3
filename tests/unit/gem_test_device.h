/* SPDX-License-Identifier: MIT */
/* A GEM accelerator device for the GEM unit tests, opened through the core directly. */
#ifndef TEST_GEM_DEVICE_H
#define TEST_GEM_DEVICE_H

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_gem.h>
#include <accel/drm_gem_shmem_helper.h>
#include <accel/drm_prime.h>
#include "helpers.h"

DEFINE_DRM_ACCEL_FOPS(gem_test_fops);

static const struct drm_driver gem_test_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM,
	.fops = &gem_test_fops,
	DRM_GEM_SHMEM_DRIVER_OPS,
	.name = "t_gem", .desc = "GEM unit tests",
};

/* No DRIVER_GEM and no dumb_create: the GEM ioctls must refuse. */
static const struct drm_driver gem_test_nogem_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL,
	.fops = &gem_test_fops,
	.name = "t_nogem", .desc = "GEM unit tests",
};

struct gem_test {
	struct platform_device *parent;
	struct drm_device *dev;
};

static inline void gem_test_up(struct gem_test *t, const struct drm_driver *drv, int id)
{
	t->parent = test_parent_add("t_gem", id);
	t->dev = drm_dev_alloc(drv, &t->parent->dev);
	assert_false(IS_ERR(t->dev));
	assert_int_equal(drm_dev_register(t->dev, 0), 0);
}

static inline void gem_test_down(struct gem_test *t)
{
	drm_dev_unplug(t->dev);
	drm_dev_put(t->dev);
	test_parent_del(t->parent);
}

static inline struct file *gem_test_open(struct gem_test *t)
{
	struct file *f = chrdev_open(ACCEL_MAJOR, (unsigned int)t->dev->accel->index, O_RDWR);

	assert_false(IS_ERR(f));
	return f;
}

static inline struct drm_file *drm_file_of(struct file *f)
{
	return f->private_data;
}

/* A new shmem buffer's handle in @f. */
static inline uint32_t gem_test_create(struct gem_test *t, struct file *f, size_t size)
{
	uint32_t handle = 0;

	assert_int_equal(drm_gem_shmem_create_with_handle(drm_file_of(f), t->dev, size, &handle), 0);
	return handle;
}

static inline uint64_t gem_test_offset(struct file *f, uint32_t handle)
{
	struct drm_gem_object *obj = drm_gem_object_lookup(drm_file_of(f), handle);
	uint64_t off;

	assert_non_null(obj);
	assert_int_equal(drm_gem_create_mmap_offset(obj), 0);
	off = drm_vma_node_offset_addr(obj);
	drm_gem_object_put(obj);
	return off;
}

static inline long gem_test_close(struct file *f, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return vfs_ioctl(f, DRM_IOCTL_GEM_CLOSE, (unsigned long)&c);
}

/* Ask the file's mmap for @len bytes at @off; the vma says what to map. */
static inline int gem_test_mmap(struct file *f, uint64_t off, size_t len, struct vm_area_struct *vma)
{
	*vma = (struct vm_area_struct){ .vm_pgoff = off >> 12, .vm_len = len,
					.vm_prot = PROT_READ | PROT_WRITE, .vm_flags = MAP_SHARED,
					.map_fd = -1 };
	return f->f_op->mmap(f, vma);
}

static inline void gem_test_munmap(struct vm_area_struct *vma)
{
	if (vma->vm_close)
		vma->vm_close(vma);
}

#endif
