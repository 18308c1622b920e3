// SPDX-License-Identifier: MIT
/*
 * Open files of DRM and accel devices: one struct drm_file per client, created by the open
 * of the node and torn down in the kernel's order when the last descriptor goes away.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/drm_prime.h>
#include <accel/drm_print.h>
#include <accel/drm_syncobj.h>
#include "drm_internal.h"

/* Client ids come from one counter for the whole process and are never reused. */
static atomic_uint_fast64_t drm_client_ident;

static struct drm_file *drm_file_alloc(struct drm_minor *minor, struct file *filp)
{
	struct drm_device *dev = minor->dev;
	struct drm_file *file;
	int err;

	file = calloc(1, sizeof(*file));
	if (!file)
		return ERR_PTR(-ENOMEM);
	file->client_id = atomic_fetch_add(&drm_client_ident, 1) + 1;
	file->pid = filp->f_cred.pid;
	file->uid = filp->f_cred.uid;
	file->minor = minor;
	file->filp = filp;
	/* Root is authenticated from the start; on a card node, so is a master (drm_auth.c). */
	atomic_init(&file->authenticated, capable_sys_admin());
	atomic_init(&file->was_master, false);
	pthread_mutex_init(&file->client_name_lock, NULL);
	if (drm_core_check_feature(dev, DRIVER_GEM))
		drm_gem_open(dev, file);
	drm_prime_init_file_private(&file->prime);
	if (drm_core_check_feature(dev, DRIVER_SYNCOBJ))
		drm_syncobj_open(file);

	if (dev->driver->open) {
		err = dev->driver->open(dev, file);
		if (err < 0) {
			if (drm_core_check_feature(dev, DRIVER_SYNCOBJ))
				drm_syncobj_release(file);
			drm_prime_destroy_file_private(&file->prime);
			if (drm_core_check_feature(dev, DRIVER_GEM))
				drm_gem_release(dev, file);
			pthread_mutex_destroy(&file->client_name_lock);
			free(file);
			return ERR_PTR(err);
		}
	}
	return file;
}

static void drm_file_free(struct drm_file *file, int open_count)
{
	struct drm_device *dev = file->minor->dev;

	drm_dbg(dev, "pid = %d, device = 0x%x, open_count = %d", (int)file->pid,
		(unsigned int)file->minor->index, open_count);
	/* The kernel's order: the client's objects go before the driver's postclose. */
	if (drm_core_check_feature(dev, DRIVER_SYNCOBJ))
		drm_syncobj_release(file);
	if (drm_core_check_feature(dev, DRIVER_GEM))
		drm_gem_release(dev, file);
	/* A master's close leaves the device without one: the next opener becomes master. */
	if (drm_is_primary_client(file))
		drm_master_release(file);
	if (dev->driver->postclose)
		dev->driver->postclose(dev, file);
	drm_prime_destroy_file_private(&file->prime);
	pthread_mutex_destroy(&file->client_name_lock);
	free(file->client_name);
	free(file);
}

/* Guards the creation and removal of the proc/<pid> directories of fdinfo files. */
static pthread_mutex_t fdinfo_lock = PTHREAD_MUTEX_INITIALIZER;

static int drm_fdinfo_show(struct seq_file *m)
{
	struct drm_file *file = m->private;
	struct file *filp = file->filp;

	seq_printf(m, "pos:\t0\nflags:\t0%o\n", filp->f_flags);
	if (filp->f_op->show_fdinfo)
		filp->f_op->show_fdinfo(m, filp);
	return 0;
}

/* Like /proc/<pid>/fdinfo/<fd>: one file per client, named by its client id. */
static void drm_fdinfo_add(struct drm_file *file)
{
	struct attr_node *dir;
	char path[64], name[24];

	snprintf(path, sizeof(path), "%d/fdinfo", (int)file->pid);
	snprintf(name, sizeof(name), "%llu", (unsigned long long)file->client_id);
	pthread_mutex_lock(&fdinfo_lock);
	dir = attr_dir_create_path(attr_proc_root(), path);
	file->fdinfo = IS_ERR(dir) ? NULL : attr_file_create(dir, name, 0444, drm_fdinfo_show, NULL, file);
	if (IS_ERR(file->fdinfo))
		file->fdinfo = NULL;
	pthread_mutex_unlock(&fdinfo_lock);
}

static void drm_fdinfo_remove(struct drm_file *file)
{
	struct attr_node *dir, *piddir;

	if (!file->fdinfo)
		return;
	pthread_mutex_lock(&fdinfo_lock);
	dir = file->fdinfo->parent;
	piddir = dir->parent;
	attr_remove(file->fdinfo);
	file->fdinfo = NULL;
	/* The process's last client takes its directory along. */
	if (!dir->children)
		attr_remove(piddir);
	pthread_mutex_unlock(&fdinfo_lock);
}

int drm_open_helper(struct file *filp, struct drm_minor *minor)
{
	struct drm_device *dev = minor->dev;
	struct drm_file *priv;
	int err, open_count;

	if (filp->f_flags & O_EXCL)
		return -EBUSY; /* no exclusive opens */
	priv = drm_file_alloc(minor, filp);
	if (IS_ERR(priv))
		return PTR_ERR(priv);
	/* Card nodes have masters, KMS or not: the first opener is one (Linux 6.12). */
	if (drm_is_primary_client(priv)) {
		err = drm_master_open(priv);
		if (err) {
			/* never on the file list: the count it would log is the device's as it is */
			pthread_mutex_lock(&dev->filelist_mutex);
			open_count = dev->open_count;
			pthread_mutex_unlock(&dev->filelist_mutex);
			drm_file_free(priv, open_count);
			return err;
		}
	}
	filp->private_data = priv;

	pthread_mutex_lock(&dev->filelist_mutex);
	priv->next_file = dev->filelist;
	dev->filelist = priv;
	dev->open_count++;
	pthread_mutex_unlock(&dev->filelist_mutex);
	drm_fdinfo_add(priv);
	return 0;
}

int drm_open(struct inode *inode, struct file *filp)
{
	struct drm_minor *minor;
	int err;

	minor = drm_minor_acquire(DRM_MINOR_TABLE_DRM, iminor(inode));
	if (IS_ERR(minor))
		return PTR_ERR(minor);
	err = drm_open_helper(filp, minor);
	if (err)
		drm_minor_release(minor);
	return err;
}

int drm_release(struct inode *inode, struct file *filp)
{
	struct drm_file *file = filp->private_data;
	struct drm_minor *minor = file->minor;
	struct drm_device *dev = minor->dev;
	struct drm_file **pp;
	int open_count;

	(void)inode;
	drm_fdinfo_remove(file);
	pthread_mutex_lock(&dev->filelist_mutex);
	for (pp = &dev->filelist; *pp; pp = &(*pp)->next_file) {
		if (*pp == file) {
			*pp = file->next_file;
			break;
		}
	}
	/* Read here, under filelist_mutex, for drm_file_free()'s message. */
	open_count = --dev->open_count;
	pthread_mutex_unlock(&dev->filelist_mutex);

	drm_file_free(file, open_count);
	filp->private_data = NULL;
	/* The device reference the open took: the device may go away here. */
	drm_minor_release(minor);
	return 0;
}

void drm_file_for_each(struct drm_device *dev, void (*fn)(struct drm_file *file, void *data),
		       void *data)
{
	struct drm_file *f;

	pthread_mutex_lock(&dev->filelist_mutex);
	for (f = dev->filelist; f; f = f->next_file)
		fn(f, data);
	pthread_mutex_unlock(&dev->filelist_mutex);
}

void drm_fdinfo_print_size(struct seq_file *m, const char *prefix, const char *stat,
			   const char *region, uint64_t sz)
{
	static const char *const units[] = { "", " KiB", " MiB" };
	unsigned int u;

	for (u = 0; u < ARRAY_SIZE(units) - 1; u++) {
		if (sz == 0 || (sz & 1023))
			break;
		sz /= 1024;
	}
	seq_printf(m, "%s-%s-%s:\t%llu%s\n", prefix, stat, region, (unsigned long long)sz,
		   units[u]);
}

void drm_show_fdinfo(struct seq_file *m, struct file *filp)
{
	struct drm_file *file = filp->private_data;
	struct drm_device *dev = file->minor->dev;

	seq_printf(m, "drm-driver:\t%s\n", dev->driver->name);
	seq_printf(m, "drm-client-id:\t%llu\n", (unsigned long long)file->client_id);
	pthread_mutex_lock(&file->client_name_lock);
	if (file->client_name)
		seq_printf(m, "drm-client-name:\t%s\n", file->client_name);
	pthread_mutex_unlock(&file->client_name_lock);
	if (dev->driver->show_fdinfo)
		dev->driver->show_fdinfo(m, file);
}
