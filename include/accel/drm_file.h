/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_file.h - struct drm_file: one client of a device.
 */
#ifndef ACCEL_DRM_FILE_H
#define ACCEL_DRM_FILE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <accel/drm_device.h>
#include <accel/fs.h>
#include <accel/idr.h>
#include <accel/drm_prime.h>

struct file;
struct inode;

/** DRM_CLIENT_NAME_MAX_LEN - longest name SET_CLIENT_NAME accepts. */
#define DRM_CLIENT_NAME_MAX_LEN 64

/**
 * struct drm_file - per-open state of a device.
 *
 * Constant after open: @minor, @filp, @client_id, @pid, @uid.
 * Masters (card files only): @master, @is_master and @magic are guarded by the device's
 * master_mutex, which also orders the writes of @was_master and @authenticated; those two
 * are read without it (the ioctl permission check, debugfs), hence atomic.
 * @client_name is guarded by @client_name_lock; the client capabilities by the ioctl that
 * sets them being the only writer (reads are racy as in the kernel); @next_file by the
 * device's filelist_mutex; driver_priv belongs to the driver.
 * GEM: @table_lock guards @object_idr (handle -> object); @prime has its own lock.
 * syncobj: @syncobj_table_lock guards @syncobj_idr (handle -> syncobj reference).
 */
struct drm_file {
	struct drm_minor *minor;
	struct file *filp;
	/** @client_id: unique for the life of the process serving devices, never reused. */
	uint64_t client_id;
	pid_t pid;
	uid_t uid;
	/**
	 * @authenticated: may call DRM_AUTH ioctls: root at open, a master, or a file whose
	 * magic token its master accepted.
	 */
	atomic_bool authenticated;
	/** @was_master: this file has been master once (SET_MASTER/DROP_MASTER without root). */
	atomic_bool was_master;
	/** @is_master: this file created its master session (it is master while that is current). */
	bool is_master;
	/**
	 * @master: the session of a card file: its own, or the one current when it was opened.
	 * NULL for render and accel files, which never have a master.
	 */
	struct drm_master *master;
	/** @magic: the token GET_MAGIC handed out for this file, 0 before. */
	unsigned int magic;

	bool stereo_allowed;
	bool universal_planes;
	bool atomic;
	bool aspect_ratio_allowed;
	bool writeback_connectors;
	bool supports_virtualized_cursor_plane;

	pthread_mutex_t client_name_lock;
	char *client_name;

	pthread_mutex_t table_lock;
	/** @object_idr: GEM handles, the lowest free from 1; NULL while a handle is closing. */
	struct idr object_idr;
	/** @prime: buffers this file exported or imported, for same-handle re-imports. */
	struct drm_prime_file_private prime;

	pthread_mutex_t syncobj_table_lock;
	/** @syncobj_idr: syncobj handles, the lowest free from 1 (DRIVER_SYNCOBJ devices). */
	struct idr syncobj_idr;

	void *driver_priv;
	struct drm_file *next_file;
	/** @fdinfo: proc/<pid>/fdinfo/<client_id>, set at open and removed at release. */
	struct attr_node *fdinfo;
};

/** drm_is_render_client() - the file was opened through a render node. */
static inline bool drm_is_render_client(const struct drm_file *file)
{
	return file->minor->type == DRM_MINOR_RENDER;
}
/** drm_is_primary_client() - the file was opened through a card node. */
static inline bool drm_is_primary_client(const struct drm_file *file)
{
	return file->minor->type == DRM_MINOR_PRIMARY;
}
/** drm_is_accel_client() - the file was opened through an accel node. */
static inline bool drm_is_accel_client(const struct drm_file *file)
{
	return file->minor->type == DRM_MINOR_ACCEL;
}

/**
 * drm_is_current_master() - @fpriv is the master of its device now (a card file that
 * opened first or set master, and did not drop it since).
 */
bool drm_is_current_master(struct drm_file *fpriv);

/** drm_open() - the open of a DRM (card/render) node's fops. */
int drm_open(struct inode *inode, struct file *filp);
/** drm_release() - the release of every DRM/accel file: frees the client's state. */
int drm_release(struct inode *inode, struct file *filp);
/** drm_show_fdinfo() - print the DRM usage keys of the file (fdinfo). */
void drm_show_fdinfo(struct seq_file *m, struct file *filp);
/**
 * drm_fdinfo_print_size() - print one fdinfo memory key, "<prefix>-<stat>-<region>:\t<size>".
 * @m: the fdinfo being written
 * @prefix: the key's prefix ("drm")
 * @stat: the statistic ("total", "shared", "resident", ...)
 * @region: the memory region ("memory", "vram", ...)
 * @sz: the size in bytes, printed in KiB or MiB when it is a whole multiple of them
 */
void drm_fdinfo_print_size(struct seq_file *m, const char *prefix, const char *stat,
			   const char *region, uint64_t sz);
/** drm_file_from_filp() - the drm_file behind an open file. */
static inline struct drm_file *drm_file_from_filp(struct file *filp)
{
	return filp->private_data;
}

/** drm_file_for_each() - call @fn for each open client of @dev under the filelist lock. */
void drm_file_for_each(struct drm_device *dev, void (*fn)(struct drm_file *file, void *data),
		       void *data);

#endif
