// SPDX-License-Identifier: MIT
/*
 * Path routing: which paths name the devices, and where they lie under the root. Only the
 * kernel's paths of the accel and DRM subsystems are the shim's (docs/preload.md lists
 * them); every other path is libc's after one comparison of its first bytes.
 *
 * The first path of the devices starts the backend (acceld's connection rules, or the
 * embedded core, which publishes the root): stat("/dev/accel/accel0") must find the node
 * before anything was opened.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libaccel.h>
#include "host/host.h"
#include "lib/libaccel_internal.h"
#include "preload.h"

#define ACCEL_MAJOR 261
#define DRM_MAJOR 226

/* 0: not yet; 1: started (or tried: its errors come back from the opens themselves). */
static atomic_int backend_started;

static void backend_start(void)
{
	enum accel_backend b;

	if (atomic_load_explicit(&backend_started, memory_order_acquire))
		return;
	PRELOAD_ENTER();
	(void)accel_root_backend(&b);
	PRELOAD_LEAVE();
	atomic_store_explicit(&backend_started, 1, memory_order_release);
}

const char *route_root(void)
{
	const char *root;

	if (!atomic_load_explicit(&backend_started, memory_order_acquire))
		return "";
	PRELOAD_ENTER();
	root = accel_root();
	PRELOAD_LEAVE();
	return root ? root : "";
}

bool route_unmap(char *real)
{
	const char *root = route_root();
	size_t n = strlen(root);

	if (!n || strncmp(real, root, n) || (real[n] != '/' && real[n]))
		return false;
	memmove(real, real + n, strlen(real + n) + 1);
	if (!*real)
		strcpy(real, "/");
	return true;
}

void route_node_canon(unsigned int major, unsigned int minor, char *buf)
{
	if (!major)
		snprintf(buf, 64, "/sys/kernel/debug/sync/sw_sync");
	else if (major == ACCEL_MAJOR)
		snprintf(buf, 64, "/dev/accel/accel%u", minor);
	else if (minor >= 128)
		snprintf(buf, 64, "/dev/dri/renderD%u", minor);
	else
		snprintf(buf, 64, "/dev/dri/card%u", minor);
}

/* "accel3" -> 3; the kernel names a node by its minor. */
static bool name_minor(const char *name, const char *prefix, unsigned int *minor)
{
	size_t n = strlen(prefix);
	char *end;
	unsigned long v;

	if (strncmp(name, prefix, n) || name[n] < '0' || name[n] > '9')
		return false;
	v = strtoul(name + n, &end, 10);
	if (*end || v > 0xfffff)
		return false;
	*minor = (unsigned int)v;
	return true;
}

static bool under(const char *path, const char *dir, const char **rest)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) || (path[n] && path[n] != '/'))
		return false;
	*rest = path + n;
	return true;
}

static enum route_kind map_tree(const char *path, struct route *r)
{
	backend_start();
	if ((size_t)snprintf(r->real, sizeof(r->real), "%s%s", route_root(), path) >= sizeof(r->real))
		return ROUTE_NONE;
	r->kind = ROUTE_TREE;
	return ROUTE_TREE;
}

/* /dev/accel/..., /dev/dri/...: a node, or another file of the node directories. */
static enum route_kind route_dev(const char *path, const char *rest, unsigned int major,
				 struct route *r)
{
	unsigned int minor;
	const char *name = rest + (*rest == '/');

	if (!*rest || strchr(name, '/'))
		return map_tree(path, r);
	if (major == ACCEL_MAJOR ? name_minor(name, "accel", &minor) :
				   (name_minor(name, "card", &minor) || name_minor(name, "renderD", &minor))) {
		map_tree(path, r);
		r->kind = ROUTE_NODE;
		r->major = major;
		r->minor = minor;
		snprintf(r->canon, sizeof(r->canon), "%s", path);
		return ROUTE_NODE;
	}
	return map_tree(path, r);
}

/*
 * /sys/dev/char/MAJ:MIN... of the accel and DRM majors. The root has no sys/dev: the link is
 * the class's (/sys/class/accel/accelN, /sys/class/drm/{cardN,renderDN}), whose relative
 * target ("../../devices/...") is the same from /sys/dev/char as from /sys/class/CLASS.
 */
static enum route_kind route_sys_dev(const char *rest, struct route *r)
{
	char class_path[4096];
	unsigned int minor;
	char *end;

	if (strncmp(rest, "/261:", 5) && strncmp(rest, "/226:", 5))
		return ROUTE_NONE;
	if (rest[5] < '0' || rest[5] > '9')
		return ROUTE_NONE;
	minor = (unsigned int)strtoul(rest + 5, &end, 10);
	if (*end && *end != '/')
		return ROUTE_NONE;
	if (rest[2] == '6') /* 261 */
		snprintf(class_path, sizeof(class_path), "/sys/class/accel/accel%u%s", minor, end);
	else
		snprintf(class_path, sizeof(class_path), "/sys/class/drm/%s%u%s",
			 minor >= 128 ? "renderD" : "card", minor, end);
	return map_tree(class_path, r);
}

/* /proc/self/ and /proc/<this pid>/: fd/N and fdinfo/N of emulated descriptors. */
static enum route_kind route_proc(const char *rest, struct route *r)
{
	char *end;
	long fd;
	bool info;

	if (!strncmp(rest, "self/", 5) || !strncmp(rest, "thread-self/", 12)) {
		rest = strchr(rest, '/') + 1;
	} else {
		long pid = strtol(rest, &end, 10);

		if (end == rest || *end != '/' || pid != getpid())
			return ROUTE_NONE;
		rest = end + 1;
	}
	if (!strncmp(rest, "fd/", 3))
		info = false;
	else if (!strncmp(rest, "fdinfo/", 7))
		info = true;
	else
		return ROUTE_NONE;
	rest += info ? 7 : 3;
	fd = strtol(rest, &end, 10);
	if (end == rest || *end || fd < 0 || fd > INT32_MAX || !emul_fd_is((int)fd))
		return ROUTE_NONE;
	r->fd = (int)fd;
	if (info) {
		if (preload_fdinfo_path((int)fd, r->real, sizeof(r->real)))
			return ROUTE_NONE;
		r->kind = ROUTE_TREE;
	} else {
		struct emul_fd e;

		if (!emul_fd_get((int)fd, &e))
			return ROUTE_NONE;
		r->kind = ROUTE_REOPEN;
		r->major = e.major;
		r->minor = e.minor;
		route_node_canon(e.major, e.minor, r->canon);
	}
	return r->kind;
}

/*
 * /sys/devices/platform/DEV...: where the class links of the root's devices lead (realpath of
 * /sys/class/accel/accel0 names it, as on a kernel): the root's, for the devices it has.
 */
static enum route_kind route_platform(const char *path, const char *rest, struct route *r)
{
	char dev[4096];
	const char *slash;
	struct stat st;
	int n;

	if (*rest != '/' || !rest[1])
		return ROUTE_NONE;
	slash = strchr(rest + 1, '/');
	n = slash ? (int)(slash - path) : (int)strlen(path);
	backend_start();
	if ((size_t)snprintf(dev, sizeof(dev), "%s%.*s", route_root(), n, path) >= sizeof(dev))
		return ROUTE_NONE;
	PRELOAD_ENTER();
	n = LIBC(stat)(dev, &st);
	PRELOAD_LEAVE();
	return n ? ROUTE_NONE : map_tree(path, r);
}

enum route_kind route_path(const char *path, struct route *r)
{
	const char *rest;

	r->kind = ROUTE_NONE;
	if (!path || preload_in_lib)
		return ROUTE_NONE;
	/* The fast refusal: every routed path starts "/dev/", "/sys/" or "/proc/". */
	if (path[0] != '/' || (path[1] != 'd' && path[1] != 's' && path[1] != 'p'))
		return ROUTE_NONE;
	if (!strncmp(path, "/dev/", 5)) {
		if (under(path, "/dev/accel", &rest))
			return route_dev(path, rest, ACCEL_MAJOR, r);
		if (under(path, "/dev/dri", &rest))
			return route_dev(path, rest, DRM_MAJOR, r);
		if (!strcmp(path, "/dev/sw_sync")) {
			map_tree(path, r);
			r->kind = ROUTE_NODE;
			r->major = 0;
			snprintf(r->canon, sizeof(r->canon), "%s", path);
			return ROUTE_NODE;
		}
		return ROUTE_NONE;
	}
	if (!strncmp(path, "/sys/", 5)) {
		if (under(path, "/sys/class/accel", &rest) || under(path, "/sys/class/drm", &rest) ||
		    under(path, "/sys/kernel/debug/accel", &rest) ||
		    under(path, "/sys/kernel/debug/dri", &rest))
			return map_tree(path, r);
		if (!strcmp(path, "/sys/kernel/debug/sync/sw_sync")) {
			/* opened through the core (an open file with ioctls), stat'ed in the tree */
			map_tree(path, r);
			r->kind = ROUTE_NODE;
			r->major = 0;
			snprintf(r->canon, sizeof(r->canon), "%s", path);
			return ROUTE_NODE;
		}
		if (under(path, "/sys/dev/char", &rest))
			return route_sys_dev(rest, r);
		if (under(path, "/sys/devices/platform", &rest))
			return route_platform(path, rest, r);
		return ROUTE_NONE;
	}
	if (!strncmp(path, "/proc/", 6))
		return route_proc(path + 6, r);
	return ROUTE_NONE;
}
