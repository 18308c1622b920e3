/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_device.h - struct drm_device and struct drm_minor.
 */
#ifndef ACCEL_DRM_DEVICE_H
#define ACCEL_DRM_DEVICE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <accel/kref.h>
#include <accel/device.h>
#include <accel/idr.h>
#include <accel/drm_mode_config.h>

struct drm_driver;
struct drm_device;
struct drm_file;
struct drm_master;
struct drm_vma_offset_node;

/** enum drm_minor_type - which kind of node a minor is. */
enum drm_minor_type {
	DRM_MINOR_PRIMARY = 0,
	DRM_MINOR_CONTROL = 1,
	DRM_MINOR_RENDER = 2,
	DRM_MINOR_ACCEL = 32,
};

/**
 * struct drm_minor - one node of a device (card, renderD or accel).
 * Constant after drm_dev_init() but for @kdev registration state, guarded by the minor table lock.
 */
struct drm_minor {
	int index;
	enum drm_minor_type type;
	struct drm_device *dev;
	struct device *kdev;
	/** @debugfs_root: the device's debugfs directory, for driver debugfs_init. */
	struct attr_node *debugfs_root;
	struct attr_node *debugfs_symlink;
};

/**
 * struct drm_device - one DRM or accel device.
 *
 * Fields are constant after drm_dev_init() except:
 * @filelist and @open_count are guarded by @filelist_mutex; @registered and the minors'
 * publication by the minor table lock; @unplugged is atomic and @unplug_lock (a rwlock:
 * readers are drm_dev_enter() sections) orders it against callers.
 * @master_mutex guards @master and, of every file of the device, its master, is_master,
 * magic and the writes of was_master and authenticated (core/drm_auth.c).
 * GEM: @object_name_lock guards @object_name_idr and, of every object of the device, its
 * handle_count, name and dma_buf; @vma_offset_lock guards @vma_offset_nodes and every
 * object's vma_node; @gem_objects and @gem_bytes are atomic.
 */
struct drm_device {
	struct kref ref;
	struct device *dev;
	const struct drm_driver *driver;
	/** @driver_features: per-device mask of the driver's features (default all). */
	unsigned int driver_features;
	char *unique;
	void *dev_private;

	struct drm_minor *primary;
	struct drm_minor *render;
	struct drm_minor *accel;

	bool registered;
	atomic_bool unplugged;
	pthread_rwlock_t unplug_lock;

	pthread_mutex_t filelist_mutex;
	struct drm_file *filelist;
	int open_count;

	pthread_mutex_t master_mutex;
	/** @master: the card node's current master session, or NULL (none: the next opener's). */
	struct drm_master *master;

	struct attr_node *debugfs_root;

	pthread_mutex_t object_name_lock;
	/** @object_name_idr: flink names, the lowest free from 1. */
	struct idr object_name_idr;
	pthread_rwlock_t vma_offset_lock;
	/** @vma_offset_nodes: objects with a fake mmap offset, sorted by offset. */
	struct drm_vma_offset_node *vma_offset_nodes;
	/** @gem_objects: objects not yet freed. */
	atomic_uint gem_objects;
	/** @gem_bytes: their sizes added up. */
	atomic_uint_fast64_t gem_bytes;

	/** @mode_config: a modesetting driver's display configuration (drmm_mode_config_init()). */
	struct drm_mode_config mode_config;

	/** @managed_release: free the struct in the last put (drm_dev_alloc()). */
	bool managed_release;
};

#endif
