/* SPDX-License-Identifier: MIT */
/* The syncobj ioctl handlers of the core table (core/drm_ioctl.c). */
#ifndef ACCEL_CORE_DRM_SYNCOBJ_IOCTLS_H
#define ACCEL_CORE_DRM_SYNCOBJ_IOCTLS_H

#include <accel/drm_ioctl.h>

int drm_syncobj_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_handle_to_fd_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_fd_to_handle_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_transfer_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_timeline_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_eventfd_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_reset_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_timeline_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int drm_syncobj_query_ioctl(struct drm_device *dev, void *data, struct drm_file *file);

/* Pointer and descriptor fields of the syncobj arguments (drm_syncobj.c). */
extern const struct drm_ioctl_layout drm_syncobj_handle_to_fd_layout;
extern const struct drm_ioctl_layout drm_syncobj_fd_to_handle_layout;
extern const struct drm_ioctl_layout drm_syncobj_wait_layout;
extern const struct drm_ioctl_layout drm_syncobj_timeline_wait_layout;
extern const struct drm_ioctl_layout drm_syncobj_array_layout;
extern const struct drm_ioctl_layout drm_syncobj_timeline_signal_layout;
extern const struct drm_ioctl_layout drm_syncobj_query_layout;
extern const struct drm_ioctl_layout drm_syncobj_eventfd_layout;

#endif
