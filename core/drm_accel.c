// SPDX-License-Identifier: MIT
/*
 * The accel part of the core: major 261, the "accel" class whose nodes live in
 * <root>/dev/accel, accel_open() and the debugfs directory of accel devices.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_print.h>
#include "drm_internal.h"

static const struct device_type accel_sysfs_device_minor = { .name = "accel_minor" };

static char *accel_devnode(const struct device *dev, umode_t *mode)
{
	char *p;

	(void)mode;
	return asprintf(&p, "accel/%s", dev_name(dev)) < 0 ? NULL : p;
}

static struct class accel_class = {
	.name = "accel",
	.devnode = accel_devnode,
};

struct class *accel_class_get(void)
{
	return &accel_class;
}

const struct device_type *accel_minor_type(void)
{
	return &accel_sysfs_device_minor;
}

static int accel_name_show(struct seq_file *m)
{
	struct drm_minor *minor = m->private;
	struct drm_device *dev = minor->dev;

	seq_printf(m, "%s", dev->driver->name);
	if (dev->dev)
		seq_printf(m, " dev=%s", dev_name(dev->dev));
	if (dev->unique)
		seq_printf(m, " unique=%s", dev->unique);
	seq_puts(m, "\n");
	return 0;
}

void accel_debugfs_init(struct drm_device *dev)
{
	drm_debugfs_dev_init(dev, drm_debugfs_root(DRM_MINOR_TABLE_ACCEL));
}

void accel_debugfs_register(struct drm_device *dev)
{
	struct drm_minor *minor = dev->accel;

	minor->debugfs_root = dev->debugfs_root;
	if (!IS_ERR_OR_NULL(dev->debugfs_root))
		attr_file_create(dev->debugfs_root, "name", 0444, accel_name_show, NULL, minor);
}

/* The open of major 261: find the minor's driver and continue with its fops. */
static int accel_stub_open(struct inode *inode, struct file *filp)
{
	return drm_stub_open_minor(DRM_MINOR_TABLE_ACCEL, inode, filp);
}

static const struct file_operations accel_stub_fops = {
	.open = accel_stub_open,
};

int accel_open(struct inode *inode, struct file *filp)
{
	struct drm_minor *minor;
	int err;

	minor = drm_minor_acquire(DRM_MINOR_TABLE_ACCEL, iminor(inode));
	if (IS_ERR(minor))
		return PTR_ERR(minor);
	err = drm_open_helper(filp, minor);
	if (err) {
		drm_minor_release(minor);
		return err;
	}
	/* The device reference taken by drm_minor_acquire() is held until drm_release(). */
	return 0;
}

int accel_core_init(void)
{
	int err = class_register(&accel_class);

	if (err)
		return err;
	return register_chrdev_fops(ACCEL_MAJOR, "accel", &accel_stub_fops);
}
