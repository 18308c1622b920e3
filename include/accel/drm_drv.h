/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_drv.h - struct drm_driver and the device lifetime.
 *
 * A driver fills a struct drm_driver and, per device: drm_dev_alloc() (or drm_dev_init() on
 * an embedded struct), drm_dev_register(), and at removal drm_dev_unplug() (or
 * drm_dev_unregister()) and drm_dev_put(). Minors are reserved at init, openable from
 * register, refused (-ENODEV) after unregister and released at the last put, as in the kernel.
 */
#ifndef ACCEL_DRM_DRV_H
#define ACCEL_DRM_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <accel/compiler.h>
#include <accel/drm_device.h>

struct dma_buf;
struct drm_file;
struct drm_gem_object;
struct drm_ioctl_desc;
struct drm_mode_create_dumb;
struct file_operations;
struct device;
struct seq_file;

/** enum drm_driver_feature - the feature bits of drm_driver.driver_features. */
enum drm_driver_feature {
	DRIVER_GEM = 1U << 0,
	DRIVER_MODESET = 1U << 1,
	DRIVER_RENDER = 1U << 3,
	DRIVER_ATOMIC = 1U << 4,
	DRIVER_SYNCOBJ = 1U << 5,
	DRIVER_SYNCOBJ_TIMELINE = 1U << 6,
	/** @DRIVER_COMPUTE_ACCEL: an accelerator: accel minor only; excludes RENDER/MODESET. */
	DRIVER_COMPUTE_ACCEL = 1U << 7,
	DRIVER_GEM_GPUVA = 1U << 8,
};

/** struct drm_driver - what a DRM/accel driver is and does. Constant once registered. */
struct drm_driver {
	/** @open: a client opened the device; non-zero fails the open. */
	int (*open)(struct drm_device *dev, struct drm_file *file);
	/** @postclose: a client's file is going away (after the core released its objects). */
	void (*postclose)(struct drm_device *dev, struct drm_file *file);
	/** @release: the last reference of the device is gone. */
	void (*release)(struct drm_device *dev);
	/** @show_fdinfo: print the driver's per-client usage keys. */
	void (*show_fdinfo)(struct seq_file *m, struct drm_file *file);
	/** @debugfs_init: add the driver's debugfs files under minor->debugfs_root. */
	void (*debugfs_init)(struct drm_minor *minor);

	/** @gem_create_object: allocate the driver's object struct (helpers call it). */
	struct drm_gem_object *(*gem_create_object)(struct drm_device *dev, size_t size);
	/** @gem_prime_import: replace the whole import (default drm_gem_prime_import()). */
	struct drm_gem_object *(*gem_prime_import)(struct drm_device *dev, struct dma_buf *buf);
	/**
	 * @gem_prime_import_buf: wrap a buffer of another device or a foreign memfd as an
	 * object (the kernel's gem_prime_import_sg_table); without it such imports fail -EINVAL.
	 */
	struct drm_gem_object *(*gem_prime_import_buf)(struct drm_device *dev, struct dma_buf *buf);
	/** @dumb_create: make a dumb buffer; without it the dumb ioctls fail -ENOSYS. */
	int (*dumb_create)(struct drm_file *file, struct drm_device *dev,
			   struct drm_mode_create_dumb *args);
	/** @dumb_map_offset: MAP_DUMB (default drm_gem_dumb_map_offset()). */
	int (*dumb_map_offset)(struct drm_file *file, struct drm_device *dev, uint32_t handle,
			       uint64_t *offset);

	int major;
	int minor;
	int patchlevel;
	const char *name;
	const char *desc;
	const char *date;

	/** @driver_features: DRIVER_* bits. */
	unsigned int driver_features;
	/** @ioctls: driver ioctls, indexed by nr - DRM_COMMAND_BASE. */
	const struct drm_ioctl_desc *ioctls;
	int num_ioctls;
	/** @fops: the file operations; DEFINE_DRM_ACCEL_FOPS() for an accelerator. */
	const struct file_operations *fops;
};

/** drm_core_check_feature() - the device (driver and device mask) has @feature. */
static inline bool drm_core_check_feature(const struct drm_device *dev, unsigned int feature)
{
	return dev->driver->driver_features & dev->driver_features & feature;
}

/** drm_dev_init() - initialise @dev for @driver under @parent; reserves the minors. */
int drm_dev_init(struct drm_device *dev, const struct drm_driver *driver, struct device *parent);
/** drm_dev_alloc() - allocate and initialise a device; ERR_PTR on failure. */
struct drm_device *drm_dev_alloc(const struct drm_driver *driver, struct device *parent);
/** drm_dev_register() - make the minors openable and publish nodes, sysfs, debugfs. */
int drm_dev_register(struct drm_device *dev, unsigned long flags);
/** drm_dev_unregister() - remove nodes; new opens get -ENODEV. */
void drm_dev_unregister(struct drm_device *dev);
/** drm_dev_unplug() - unregister and mark unplugged: every later call on open files fails -ENODEV. */
void drm_dev_unplug(struct drm_device *dev);
/** drm_dev_get() - take a device reference. */
void drm_dev_get(struct drm_device *dev);
/** drm_dev_put() - drop a reference; the last releases the minors and the device. */
void drm_dev_put(struct drm_device *dev);
/** drm_dev_is_unplugged() - the device was unplugged. */
bool drm_dev_is_unplugged(struct drm_device *dev);
/**
 * drm_dev_enter() - start a section that touches the hardware; false once unplugged.
 * Pair with drm_dev_exit(); drm_dev_unplug() waits for open sections to end.
 */
bool drm_dev_enter(struct drm_device *dev, int *idx);
/** drm_dev_exit() - end a drm_dev_enter() section. */
void drm_dev_exit(int idx);
/** drm_dev_set_unique() - set the unique name (default: the parent's name). */
int drm_dev_set_unique(struct drm_device *dev, const char *name);

/**
 * drm_core_init() - register the DRM and accel classes and char majors, once, as the kernel's
 * drm_core_init() does at boot: whoever hosts the core calls it before the drivers register.
 * Returns 0 or -errno (the first call's result, every time).
 */
int drm_core_init(void);

#endif
