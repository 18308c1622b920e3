/* SPDX-License-Identifier: MIT */
/* The syncobj ioctl handlers of the core table (core/drm_ioctl.c). */
#ifndef ACCEL_CORE_DRM_SYNCOBJ_IOCTLS_H
#define ACCEL_CORE_DRM_SYNCOBJ_IOCTLS_H

#include <accel/drm_ioctl.h>

#endif
