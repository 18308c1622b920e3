/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_accel.h - what makes a DRM driver an accelerator.
 *
 * Exactly the two changes of the accel documentation: DRIVER_COMPUTE_ACCEL in
 * driver_features, and accel_open() as the open of the fops (DEFINE_DRM_ACCEL_FOPS()).
 * The device then gets an accel minor (/dev/accel/accelN, major 261) and no DRM node.
 */
#ifndef ACCEL_DRM_ACCEL_H
#define ACCEL_DRM_ACCEL_H

#include <accel/fs.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/drm_ioctl.h>

/** ACCEL_MAJOR - the char major of accel nodes. */
#define ACCEL_MAJOR 261
/** ACCEL_MAX_MINORS - accel minors are 0..255. */
#define ACCEL_MAX_MINORS 256
/** DRM_MAJOR - the char major of DRM nodes (card, renderD). */
#define DRM_MAJOR 226

/** accel_open() - the open of an accel node's fops. */
int accel_open(struct inode *inode, struct file *filp);

/** DRM_ACCEL_FOPS - the file operations of an accelerator, for use inside an initialiser. */
#define DRM_ACCEL_FOPS \
	.open = accel_open, \
	.release = drm_release, \
	.unlocked_ioctl = drm_ioctl, \
	.mmap = drm_gem_mmap, \
	.show_fdinfo = drm_show_fdinfo

/** DEFINE_DRM_ACCEL_FOPS() - define the file operations of an accelerator driver. */
#define DEFINE_DRM_ACCEL_FOPS(name) \
	static const struct file_operations name = { \
		DRM_ACCEL_FOPS, \
	}

/** DEFINE_DRM_GEM_FOPS() - the file operations of a graphics (card/render) driver. */
#define DEFINE_DRM_GEM_FOPS(name) \
	static const struct file_operations name = { \
		.open = drm_open, \
		.release = drm_release, \
		.unlocked_ioctl = drm_ioctl, \
		.mmap = drm_gem_mmap, \
		.show_fdinfo = drm_show_fdinfo, \
	}

#endif
