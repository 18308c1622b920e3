/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_mode_config.h - the mode configuration of a modesetting (DRIVER_MODESET) device.
 *
 * A modesetting driver calls drmm_mode_config_init() before drm_dev_register(), then sets the
 * limits it supports. The core answers MODE_GETRESOURCES and MODE_GETPLANERESOURCES from it.
 * There are no display objects (CRTCs, encoders, connectors, planes, framebuffers) yet: a device
 * has none of them, so every object list is empty.
 */
#ifndef ACCEL_DRM_MODE_CONFIG_H
#define ACCEL_DRM_MODE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

struct drm_device;

/**
 * struct drm_mode_config - a modesetting device's display limits and preferences.
 * Set by the driver between drmm_mode_config_init() and drm_dev_register(), constant after.
 */
struct drm_mode_config {
	/** @initialized: drmm_mode_config_init() ran. */
	bool initialized;
	/** @min_width: the smallest framebuffer width the device scans out, in pixels. */
	int min_width;
	/** @min_height: the smallest framebuffer height. */
	int min_height;
	/** @max_width: the largest framebuffer width. */
	int max_width;
	/** @max_height: the largest framebuffer height. */
	int max_height;
	/** @preferred_depth: DRM_CAP_DUMB_PREFERRED_DEPTH (0: no preference). */
	uint32_t preferred_depth;
	/** @prefer_shadow: DRM_CAP_DUMB_PREFER_SHADOW. */
	bool prefer_shadow;
	/** @async_page_flip: the device flips without waiting for vblank (DRM_CAP_ASYNC_PAGE_FLIP). */
	bool async_page_flip;
	/** @fb_modifiers_not_supported: DRM_CAP_ADDFB2_MODIFIERS answers 0. */
	bool fb_modifiers_not_supported;
	/** @cursor_width: the cursor width hint (0: the core's default, 64). */
	uint32_t cursor_width;
	/** @cursor_height: the cursor height hint (0: 64). */
	uint32_t cursor_height;
};

/**
 * drmm_mode_config_init() - start a modesetting device's mode configuration.
 * @dev: a device whose driver has DRIVER_MODESET, not yet registered.
 *
 * Like the kernel's, the configuration lives as long as the device (there is nothing to free:
 * no objects). The driver sets the limits in dev->mode_config afterwards.
 *
 * Return: 0, or -EINVAL when @dev's driver is not a modesetting driver.
 */
int drmm_mode_config_init(struct drm_device *dev);

#endif
