// SPDX-License-Identifier: MIT
/*
 * The mode configuration of a modesetting device and the ioctls that list its display objects
 * (MODE_GETRESOURCES, MODE_GETPLANERESOURCES). A device has no CRTCs, encoders, connectors,
 * planes or framebuffers yet, so each list is empty: the ioctls report zero counts and copy no
 * ids, whatever array sizes and pointers the caller passes, as the kernel does when the lists
 * are empty. A device without DRIVER_MODESET answers -EOPNOTSUPP.
 */
#define _GNU_SOURCE
#include <errno.h>

#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_mode_config.h>
#include <accel/drm_print.h>
#include <drm/drm_mode.h>
#include "drm_internal.h"

int drmm_mode_config_init(struct drm_device *dev)
{
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EINVAL;
	dev->mode_config = (struct drm_mode_config){ .initialized = true };
	return 0;
}

int drm_mode_getresources(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_mode_card_res *card_res = data;

	(void)file_priv;
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	/*
	 * The kernel writes an id only for an object that exists and fits the caller's count:
	 * with no objects it touches none of the arrays, and the counts say how many there are.
	 */
	card_res->count_fbs = 0;
	card_res->max_height = dev->mode_config.max_height;
	card_res->min_height = dev->mode_config.min_height;
	card_res->max_width = dev->mode_config.max_width;
	card_res->min_width = dev->mode_config.min_width;
	card_res->count_crtcs = 0;
	card_res->count_encoders = 0;
	card_res->count_connectors = 0;
	return 0;
}

int drm_mode_getplane_res(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_mode_get_plane_res *plane_resp = data;

	(void)file_priv;
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	/* No planes: none to list, with or without DRM_CLIENT_CAP_UNIVERSAL_PLANES. */
	plane_resp->count_planes = 0;
	return 0;
}
