/* SPDX-License-Identifier: MIT */
/* The GEM, dumb-buffer and PRIME ioctl handlers of the core table (core/drm_ioctl.c). */
#ifndef ACCEL_CORE_DRM_GEM_IOCTLS_H
#define ACCEL_CORE_DRM_GEM_IOCTLS_H

#include <stdint.h>
#include <accel/drm_ioctl.h>

struct drm_gem_object;

/** drm_gem_close_ioctl() - GEM_CLOSE: -EOPNOTSUPP without DRIVER_GEM, -EINVAL for no handle. */
int drm_gem_close_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv);
/** drm_gem_flink_ioctl() - GEM_FLINK: a device-wide name for a handle's object (lowest from 1). */
int drm_gem_flink_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv);
/** drm_gem_open_ioctl() - GEM_OPEN: a new handle for a flink name; -ENOENT for an unknown name. */
int drm_gem_open_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv);
/** drm_prime_handle_to_fd_ioctl() - PRIME_HANDLE_TO_FD: flags beyond CLOEXEC|RDWR give -EINVAL. */
int drm_prime_handle_to_fd_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv);
/** drm_prime_fd_to_handle_ioctl() - PRIME_FD_TO_HANDLE. */
int drm_prime_fd_to_handle_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv);
/* The descriptor fields of the PRIME arguments, for acceld's marshalling. */
extern const struct drm_ioctl_layout drm_prime_handle_to_fd_layout;
extern const struct drm_ioctl_layout drm_prime_fd_to_handle_layout;

/** drm_mode_create_dumb_ioctl() - MODE_CREATE_DUMB: the driver's dumb_create (-ENOSYS without). */
int drm_mode_create_dumb_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv);
/** drm_mode_mmap_dumb_ioctl() - MODE_MAP_DUMB: the fake mmap offset of a dumb buffer. */
int drm_mode_mmap_dumb_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv);
/** drm_mode_destroy_dumb_ioctl() - MODE_DESTROY_DUMB: closes the handle. */
int drm_mode_destroy_dumb_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv);

/*
 * drm_gem_handle_create_tail() - make a handle; called with dev->object_name_lock held,
 * which it unlocks (drm_gem.c, used by PRIME import and GEM_OPEN).
 */
int drm_gem_handle_create_tail(struct drm_file *file, struct drm_gem_object *obj,
			       uint32_t *handlep);

#endif
