// SPDX-License-Identifier: MIT
/*
 * The root's attribute tree (sysfs, debugfs, fdinfo) reached through whoever serves the
 * root to this process: the embedded core's callbacks directly, or acceld's over the wire
 * (ACCEL_WIRE_ATTR). The files published under the root are copies refreshed now and then
 * and cannot be written; tools that must see the live value or store one (`accel debug`)
 * come here.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <accel/attr.h>
#include "host/host.h"
#include "lib/backend.h"
#include "lib/backend/daemon/daemon.h"
#include "libaccel_internal.h"

/* The embedded core's node for @path ("sys/...", "proc/..."), links followed; NULL if none. */
static struct attr_node *attr_embedded_lookup(const char *path)
{
	struct attr_node *node = NULL;

	if (!strncmp(path, "sys/", 4))
		node = attr_lookup(path + 4);
	else if (!strncmp(path, "proc/", 5))
		node = attr_lookup_in(attr_proc_root(), path + 5);
	return node;
}

/* A descriptor of the first node acceld serves under the root (any will carry the request). */
static int attr_daemon_node(void)
{
	static const char *const dirs[] = { "accel", "dri" };
	char dir[PATH_MAX], node[PATH_MAX + 300];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		struct dirent *e;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/dev/%s", accel_root_shared(), dirs[i]);
		d = opendir(dir);
		if (!d)
			continue;
		while ((e = readdir(d))) {
			int fd;

			if (e->d_name[0] == '.')
				continue;
			snprintf(node, sizeof(node), "/dev/%s/%s", dirs[i], e->d_name);
			fd = accel_sys_open(node, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				closedir(d);
				return fd;
			}
		}
		closedir(d);
	}
	return -ENODEV;
}

/* Read or write @path through acceld. */
static int attr_daemon(const char *path, const void *data, size_t len, bool write, char **out,
		       size_t *out_len)
{
	struct accel_fd_ref r;
	int fd = attr_daemon_node(), ret;

	if (fd < 0)
		return fd;
	if (!accel_fd_get(fd, &r)) {
		accel_sys_close(fd);
		return -EBADF;
	}
	ret = r.ops == &accel_backend_daemon ?
		accel_daemon_attr(r.obj, fd, path, data, len, write, out, out_len) : -ENODEV;
	accel_fd_ref_put(&r);
	accel_sys_close(fd);
	return ret;
}

int accel_attr_read(const char *path, char **out, size_t *len)
{
	enum accel_backend b;
	struct attr_node *node;
	int err = accel_root_backend(&b);

	if (err)
		return err;
	if (b == ACCEL_BACKEND_DAEMON)
		return attr_daemon(path, NULL, 0, false, out, len);
	node = attr_embedded_lookup(path);
	return node ? attr_read(node, out, len) : -ENOENT;
}

ssize_t accel_attr_write(const char *path, const void *buf, size_t len)
{
	enum accel_backend b;
	struct attr_node *node;
	int err = accel_root_backend(&b);

	if (err)
		return err;
	if (b == ACCEL_BACKEND_DAEMON)
		return attr_daemon(path, buf, len, true, NULL, NULL);
	node = attr_embedded_lookup(path);
	return node ? attr_write(node, buf, len) : -ENOENT;
}
