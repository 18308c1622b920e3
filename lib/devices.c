// SPDX-License-Identifier: MIT
/*
 * Device enumeration. libdrm lists /dev/dri only; accel nodes are found here from the class
 * directories: a real kernel's /sys/class/accel (and /sys/class/drm) and the same tree under
 * the root, which the embedded core or acceld publishes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm/drm.h>
#include "host/host.h"
#include "libaccel_internal.h"

struct dev_list {
	struct accel_device_info *v;
	size_t n, cap;
};

static int read_first_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int64_t query_cap(int fd, uint64_t cap)
{
	struct drm_get_cap c = { .capability = cap };

	return accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &c) ? -1 : (int64_t)c.value;
}

static void query_node(struct accel_device_info *d, const char *open_path)
{
	struct drm_version v;
	int fd = accel_sys_open(open_path, O_RDWR | O_CLOEXEC);

	d->cap_prime = d->cap_syncobj = d->cap_syncobj_timeline = d->cap_timestamp_monotonic = -1;
	if (fd < 0) {
		d->open_error = -errno;
		return;
	}
	memset(&v, 0, sizeof(v));
	v.name = d->driver;
	v.name_len = sizeof(d->driver) - 1;
	v.desc = d->desc;
	v.desc_len = sizeof(d->desc) - 1;
	if (!accel_sys_ioctl(fd, DRM_IOCTL_VERSION, &v)) {
		d->driver[v.name_len < sizeof(d->driver) ? v.name_len : sizeof(d->driver) - 1] = 0;
		d->desc[v.desc_len < sizeof(d->desc) ? v.desc_len : sizeof(d->desc) - 1] = 0;
		d->version_major = v.version_major;
		d->version_minor = v.version_minor;
		d->version_patchlevel = v.version_patchlevel;
	}
	d->cap_prime = query_cap(fd, DRM_CAP_PRIME);
	d->cap_syncobj = query_cap(fd, DRM_CAP_SYNCOBJ);
	d->cap_syncobj_timeline = query_cap(fd, DRM_CAP_SYNCOBJ_TIMELINE);
	d->cap_timestamp_monotonic = query_cap(fd, DRM_CAP_TIMESTAMP_MONOTONIC);
	accel_sys_close(fd);
}

static int scan_class(struct dev_list *l, const char *sysroot, const char *cls, const char *devdir,
		      const char *path_prefix, enum accel_backend backend)
{
	char dir[PATH_MAX], p[PATH_MAX + 64], buf[256];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/sys/class/%s", sysroot, cls);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct accel_device_info *info;
		unsigned int ma, mi;
		char target[PATH_MAX];
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		if (strcmp(cls, "accel") && strncmp(e->d_name, "card", 4) && strncmp(e->d_name, "renderD", 7))
			continue;
		snprintf(p, sizeof(p), "%s/%s/dev", dir, e->d_name);
		if (read_first_line(p, buf, sizeof(buf)) || sscanf(buf, "%u:%u", &ma, &mi) != 2)
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 16;
			struct accel_device_info *v = realloc(l->v, cap * sizeof(*v));

			if (!v) {
				closedir(d);
				return -ENOMEM;
			}
			l->v = v;
			l->cap = cap;
		}
		info = &l->v[l->n++];
		memset(info, 0, sizeof(*info));
		snprintf(info->node, sizeof(info->node), "%s", e->d_name);
		snprintf(info->path, sizeof(info->path), "/dev/%s/%s", devdir, e->d_name);
		info->is_accel = !strcmp(cls, "accel");
		info->major = ma;
		info->minor = mi;
		info->backend = backend;
		snprintf(p, sizeof(p), "%s/%s/device", dir, e->d_name);
		n = readlink(p, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			snprintf(info->parent, sizeof(info->parent), "%s",
				 strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
		}
		snprintf(p, sizeof(p), "%s/dev/%s/%s", path_prefix, devdir, e->d_name);
		query_node(info, p);
	}
	closedir(d);
	return 0;
}

static int info_cmp(const void *a, const void *b)
{
	const struct accel_device_info *x = a, *y = b;

	if (x->backend != y->backend)
		return x->backend == ACCEL_BACKEND_KERNEL ? -1 : 1;
	if (x->is_accel != y->is_accel)
		return x->is_accel ? -1 : 1;
	return (int)x->minor - (int)y->minor;
}

int accel_devices_list(struct accel_device_info **out, size_t *count, int include_drm)
{
	enum accel_backend backend = ACCEL_BACKEND_NONE;
	const char *env = getenv("ACCEL_BACKEND");
	bool kernel_only = env && !strcmp(env, "kernel");
	struct dev_list l = { 0 };
	int err;

	err = scan_class(&l, "", "accel", "accel", "", ACCEL_BACKEND_KERNEL);
	if (!err && include_drm)
		err = scan_class(&l, "", "drm", "dri", "", ACCEL_BACKEND_KERNEL);
	/* The root's nodes, from whoever serves them to this process (include/libaccel.h). */
	if (!err && !kernel_only)
		err = accel_root_backend(&backend);
	if (!err && !kernel_only) {
		const char *root = backend == ACCEL_BACKEND_DAEMON ? accel_root_shared() : accel_root();

		err = scan_class(&l, root, "accel", "accel", root, backend);
		if (!err && include_drm)
			err = scan_class(&l, root, "drm", "dri", root, backend);
	}
	if (err) {
		free(l.v);
		return err;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), info_cmp);
	*out = l.v;
	*count = l.n;
	return 0;
}
