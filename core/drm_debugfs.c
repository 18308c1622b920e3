// SPDX-License-Identifier: MIT
/*
 * debugfs of DRM and accel devices: one directory per device named by its unique name
 * (sys/kernel/debug/dri/<unique>, sys/kernel/debug/accel/<unique>) and, for DRM (card and
 * render) minors only, an "N" symlink in dri/ pointing at it: as in Linux 6.12, accel
 * minors get no "N" link, their directory is found by its unique name.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_print.h>
#include "drm_internal.h"

struct attr_node *drm_debugfs_root(enum drm_minor_table table)
{
	return attr_dir_create_path(NULL, table == DRM_MINOR_TABLE_ACCEL ? "kernel/debug/accel" :
								      "kernel/debug/dri");
}

static int drm_name_show(struct seq_file *m)
{
	struct drm_device *dev = m->private;

	seq_printf(m, "%s", dev->driver->name);
	if (dev->dev)
		seq_printf(m, " dev=%s", dev_name(dev->dev));
	if (dev->unique)
		seq_printf(m, " unique=%s", dev->unique);
	seq_puts(m, "\n");
	return 0;
}

static void drm_clients_show_one(struct drm_file *file, void *data)
{
	struct seq_file *m = data;

	pthread_mutex_lock(&file->client_name_lock);
	seq_printf(m, "%20d %5u %c %c %5u %10llu %s\n", (int)file->pid, (unsigned int)file->minor->index,
		   drm_is_current_master(file) ? 'y' : 'n', file->authenticated ? 'y' : 'n', (unsigned int)file->uid,
		   (unsigned long long)file->client_id,
		   file->client_name ? file->client_name : "<unset>");
	pthread_mutex_unlock(&file->client_name_lock);
}

static int drm_clients_show(struct seq_file *m)
{
	seq_printf(m, "%20s %5s %3s %5s %10s %*s\n", "pid", "dev", "master", "a", "uid", 10,
		   "client_id");
	drm_file_for_each(m->private, drm_clients_show_one, m);
	return 0;
}

void drm_debugfs_dev_init(struct drm_device *dev, struct attr_node *root)
{
	dev->debugfs_root = NULL;
	if (IS_ERR_OR_NULL(root))
		return;
	/* Like debugfs, a second device with the same unique name gets no directory. */
	if (attr_child(root, dev->unique)) {
		drm_dbg(dev, "debugfs directory %s exists already", dev->unique);
		return;
	}
	dev->debugfs_root = attr_dir_create(root, dev->unique);
	if (IS_ERR(dev->debugfs_root))
		dev->debugfs_root = NULL;
	if (dev->debugfs_root && !drm_core_check_feature(dev, DRIVER_COMPUTE_ACCEL)) {
		attr_file_create(dev->debugfs_root, "name", 0444, drm_name_show, NULL, dev);
		attr_file_create(dev->debugfs_root, "clients", 0444, drm_clients_show, NULL, dev);
	}
}

void drm_debugfs_dev_fini(struct drm_device *dev)
{
	attr_remove(dev->debugfs_root);
	dev->debugfs_root = NULL;
}

void drm_debugfs_register_minor(struct drm_minor *minor, struct attr_node *root)
{
	struct drm_device *dev = minor->dev;
	char name[16];

	minor->debugfs_root = dev->debugfs_root;
	if (!dev->debugfs_root || IS_ERR_OR_NULL(root))
		return;
	if (minor->type != DRM_MINOR_ACCEL) {
		snprintf(name, sizeof(name), "%d", minor->index);
		minor->debugfs_symlink = attr_link_create(root, name, dev->debugfs_root);
		if (IS_ERR(minor->debugfs_symlink))
			minor->debugfs_symlink = NULL;
	}
	if (dev->driver->debugfs_init && dev->render != minor)
		dev->driver->debugfs_init(minor);
}

void drm_debugfs_unregister_minor(struct drm_minor *minor)
{
	attr_remove(minor->debugfs_symlink);
	minor->debugfs_symlink = NULL;
}
