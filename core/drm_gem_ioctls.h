/* SPDX-License-Identifier: MIT */
/* The GEM, dumb-buffer and PRIME ioctl handlers of the core table (core/drm_ioctl.c). */
#ifndef ACCEL_CORE_DRM_GEM_IOCTLS_H
#define ACCEL_CORE_DRM_GEM_IOCTLS_H

#include <accel/drm_ioctl.h>

#endif
