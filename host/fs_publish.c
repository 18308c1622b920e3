// SPDX-License-Identifier: MIT
/*
 * The publisher of the root (acceld's and the embedded core's): the attribute tree under
 * ROOT/sys and ROOT/proc, and the device nodes (empty files standing for the char devices,
 * or acceld's sockets).
 *
 * The tree is served live over FUSE wherever it can mount (host/fuse_attr.c; $ACCEL_FUSE=0 turns
 * it off). Elsewhere it is rendered into ordinary files: a file is rendered when it appears
 * and again whenever its value is stored or its driver reports a change (attr_notify()), and
 * every $ACCEL_REFRESH_MS; writing such a file changes nothing, so `accel attr` and
 * accel_attr_read()/accel_attr_write() reach the callbacks instead (docs/config.md).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/attr.h>
#include <accel/device.h>
#include <accel/drm_print.h>

#include "host/host.h"

static char publish_root[PATH_MAX];
static bool publish_live;
/* Under the root: the files being written before they are renamed into place. */
#define PUBLISH_TMP_DIR ".publish"

int accel_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, mode) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

void accel_rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int node_fs_path(struct attr_node *node, char *out, size_t size)
{
	char rel[PATH_MAX];
	int err = attr_path(node, rel, sizeof(rel));

	if (err)
		return err;
	if ((size_t)snprintf(out, size, "%s/%s", publish_root, rel) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Write atomically so that a concurrent reader never sees half a value: the new text goes
 * to a file of ROOT/PUBLISH_TMP_DIR (the same file system), which is then renamed over the
 * published one. Not beside it: a reader listing the directory (proc/PID/fdinfo, a device's
 * sysfs folder) would see the temporary name, which the kernel's directories never show.
 * Several threads publish at once (attribute changes, the refresher): each temporary file
 * has a name of its own.
 */
static void publish_file(struct attr_node *node)
{
	static atomic_ulong tmp_seq;
	char path[PATH_MAX], tmp[PATH_MAX + 64];
	char *val = NULL;
	size_t len = 0;
	int fd;

	if (node_fs_path(node, path, sizeof(path)))
		return;
	if (!node->show || attr_read(node, &val, &len) < 0) {
		val = NULL;
		len = 0;
	}
	snprintf(tmp, sizeof(tmp), "%s/" PUBLISH_TMP_DIR "/%lu", publish_root,
		 atomic_fetch_add(&tmp_seq, 1));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, node->mode & 0777);
	if (fd >= 0) {
		size_t off = 0;

		while (off < len) {
			ssize_t n = write(fd, val + off, len - off);

			if (n <= 0)
				break;
			off += n;
		}
		fchmod(fd, node->mode & 0777);
		close(fd);
		if (rename(tmp, path))
			unlink(tmp);
	}
	free(val);
}

static void publish_added(struct attr_publisher *p, struct attr_node *node)
{
	char path[PATH_MAX], target[PATH_MAX];

	(void)p;
	if (node_fs_path(node, path, sizeof(path)))
		return;
	switch (node->type) {
	case ATTR_NODE_DIR:
		accel_mkdir_p(path, 0755);
		break;
	case ATTR_NODE_FILE:
		publish_file(node);
		break;
	case ATTR_NODE_LINK:
		if (attr_link_target_relative(node, target, sizeof(target)))
			return;
		unlink(path);
		if (symlink(target, path))
			DRM_DEBUG("symlink %s -> %s: %s", path, target, strerror(errno));
		break;
	}
}

static void publish_removing(struct attr_publisher *p, struct attr_node *node)
{
	char path[PATH_MAX];

	(void)p;
	if (!node_fs_path(node, path, sizeof(path)))
		accel_rm_rf(path);
}

static void publish_changed(struct attr_publisher *p, struct attr_node *node)
{
	(void)p;
	if (node->type == ATTR_NODE_FILE)
		publish_file(node);
}

static struct attr_publisher fs_attr_publisher = {
	.added = publish_added,
	.removing = publish_removing,
	.changed = publish_changed,
};

static int devnode_add(struct devnode_publisher *p, const char *rel, dev_t devt, umode_t mode)
{
	char path[PATH_MAX], *slash;
	int fd;

	(void)p; (void)devt;
	if ((size_t)snprintf(path, sizeof(path), "%s/dev/%s", publish_root, rel) >= sizeof(path))
		return -ENAMETOOLONG;
	slash = strrchr(path, '/');
	*slash = 0;
	accel_mkdir_p(path, 0755);
	*slash = '/';
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode & 0777);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void devnode_remove(struct devnode_publisher *p, const char *rel)
{
	char path[PATH_MAX];

	(void)p;
	if ((size_t)snprintf(path, sizeof(path), "%s/dev/%s", publish_root, rel) < sizeof(path))
		unlink(path);
}

static struct devnode_publisher fs_devnode_publisher = {
	.add = devnode_add,
	.remove = devnode_remove,
};

/*
 * While sys is a FUSE mount, a node published under it (debugfs's sync/sw_sync: "../sys/...")
 * goes to ROOT/LIVE_DEVNODE_DIR instead, where sockets and files can be made, and the mount
 * shows a relative symlink to it at its place; opens and connect() follow it.
 */
#define LIVE_DEVNODE_DIR ".devnodes"
static struct devnode_publisher *live_inner;

/* "../sys/a/b/c" -> "../.devnodes/sys/a/b/c", and the link's target from sys/a/b. */
static int live_devnode_paths(const char *rel, char *moved, size_t msize, char *target, size_t tsize)
{
	const char *in_sys = rel + 7, *p;
	size_t len = 0;

	if ((size_t)snprintf(moved, msize, "../" LIVE_DEVNODE_DIR "/%s", rel + 3) >= msize)
		return -ENAMETOOLONG;
	/* Up to sys, one more to the root. */
	for (p = in_sys; ; p++) {
		if (*p && *p != '/')
			continue;
		if (len + 4 > tsize)
			return -ENAMETOOLONG;
		memcpy(target + len, "../", 4);
		len += 3;
		if (!*p)
			break;
	}
	if ((size_t)snprintf(target + len, tsize - len, LIVE_DEVNODE_DIR "/%s", rel + 3) >= tsize - len)
		return -ENAMETOOLONG;
	return 0;
}

static int live_devnode_add(struct devnode_publisher *p, const char *rel, dev_t devt, umode_t mode)
{
	char moved[PATH_MAX], target[PATH_MAX];
	int err;

	(void)p;
	if (strncmp(rel, "../sys/", 7))
		return live_inner->add(live_inner, rel, devt, mode);
	err = live_devnode_paths(rel, moved, sizeof(moved), target, sizeof(target));
	if (err)
		return err;
	err = live_inner->add(live_inner, moved, devt, mode);
	if (err)
		return err;
	err = accel_fuse_extra_link(rel + 7, target);
	if (err)
		live_inner->remove(live_inner, moved);
	return err;
}

static void live_devnode_remove(struct devnode_publisher *p, const char *rel)
{
	char moved[PATH_MAX], target[PATH_MAX];

	(void)p;
	if (strncmp(rel, "../sys/", 7)) {
		live_inner->remove(live_inner, rel);
		return;
	}
	if (live_devnode_paths(rel, moved, sizeof(moved), target, sizeof(target)))
		return;
	accel_fuse_extra_remove(rel + 7);
	live_inner->remove(live_inner, moved);
}

static struct devnode_publisher live_devnode_publisher = {
	.add = live_devnode_add,
	.remove = live_devnode_remove,
};

/*
 * Values that change without a notification (counters, fdinfo usage) are re-rendered by a
 * refresher every $ACCEL_REFRESH_MS milliseconds (default 1000; 0 turns it off).
 */
static int refresh_one(struct attr_node *node, void *data)
{
	(void)data;
	if (node->type == ATTR_NODE_FILE && node->show)
		publish_file(node);
	return 0;
}

static void *refresher_main(void *arg)
{
	long ms = (long)(intptr_t)arg;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	for (;;) {
		nanosleep(&ts, NULL);
		attr_for_each(NULL, refresh_one, NULL);
	}
	return NULL;
}

static void refresher_start(void)
{
	const char *env = getenv("ACCEL_REFRESH_MS");
	long ms = env ? strtol(env, NULL, 10) : 1000;
	pthread_attr_t attr;
	pthread_t t;

	if (ms <= 0)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, refresher_main, (void *)(intptr_t)ms))
		DRM_ERROR("cannot start the attribute refresher: published values stay as first rendered");
	pthread_attr_destroy(&attr);
}

int accel_fs_publish_start(const char *root, struct devnode_publisher *nodes)
{
	char path[PATH_MAX + 16];
	int err;

	if (snprintf(publish_root, sizeof(publish_root), "%s", root) >= (int)sizeof(publish_root))
		return -ENAMETOOLONG;
	err = accel_mkdir_p(root, 0755);
	if (err)
		return err;
	/*
	 * The caller holds the root's lock: what an earlier publisher left describes devices
	 * that are gone, its attribute mounts included (a process that died keeps them mounted,
	 * answering ENOTCONN), and so do the mounts of private roots whose processes are gone.
	 */
	accel_fuse_unmount_stale(root, true);
	if (strcmp(root, accel_root_shared()))
		accel_fuse_unmount_stale(accel_root_shared(), false);
	snprintf(path, sizeof(path), "%s/sys", root);
	accel_rm_rf(path);
	snprintf(path, sizeof(path), "%s/dev/accel", root);
	accel_rm_rf(path);
	snprintf(path, sizeof(path), "%s/dev/dri", root);
	accel_rm_rf(path);
	snprintf(path, sizeof(path), "%s/proc", root);
	accel_rm_rf(path);
	snprintf(path, sizeof(path), "%s/" LIVE_DEVNODE_DIR, root);
	accel_rm_rf(path);
	snprintf(path, sizeof(path), "%s/" PUBLISH_TMP_DIR, root);
	accel_rm_rf(path);
	err = accel_mkdir_p(path, 0755);
	if (err)
		return err;
	accel_root_sweep_private(root);
	snprintf(path, sizeof(path), "%s/sys", root);
	err = accel_mkdir_p(path, 0755);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/proc", root);
	err = accel_mkdir_p(path, 0755);
	if (err)
		return err;
	if (accel_fuse_wanted()) {
		err = accel_fuse_start(root);
		publish_live = !err;
		/* Not an error: where FUSE cannot mount, files are how the tree is published. */
		if (err)
			DRM_DEBUG("the attribute tree under %s is rendered into files: FUSE cannot mount "
				  "there (%s); `accel attr` reaches its callbacks", root, strerror(-err));
	}
	attr_set_publisher(publish_live ? accel_fuse_publisher() : &fs_attr_publisher);
	live_inner = nodes ? nodes : &fs_devnode_publisher;
	devnode_set_publisher(publish_live ? &live_devnode_publisher : live_inner);
	if (!publish_live)
		refresher_start();
	return 0;
}

bool accel_fs_publish_live(void)
{
	return publish_live;
}
