// SPDX-License-Identifier: MIT
/*
 * Devices and their state from the attribute files (devstat.h). The source list is in
 * devstat_sources.c: it needs libaccel's internals, which a kernel-only static build lacks.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devstat.h"

/* The first line of @path, without its newline; -errno when unreadable or empty. */
static int read_line(const char *path, char *buf, size_t size)
{
	char text[512];
	ssize_t n = fdinfo_read_file(path, text, sizeof(text));

	if (n < 0)
		return (int)n;
	if (!n)
		return -ENODATA;
	text[strcspn(text, "\n")] = 0;
	snprintf(buf, size, "%s", text);
	return 0;
}

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;

	if (read_line(path, buf, sizeof(buf)))
		return -ENOENT;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return end == buf || errno ? -EINVAL : 0;
}

static int engine_cmp(const void *a, const void *b)
{
	return strcmp(((const struct devstat_engine *)a)->name, ((const struct devstat_engine *)b)->name);
}

/* engines/NAME/{busy_us,jobs,resets} of the parent device. */
static void read_engines(struct devstat_device *d)
{
	char dir[PATH_MAX + 16], p[PATH_MAX * 2];
	struct dirent *e;
	DIR *dd;

	d->nr_engines = 0;
	snprintf(dir, sizeof(dir), "%s/engines", d->devdir);
	dd = opendir(dir);
	if (!dd)
		return;
	while ((e = readdir(dd)) && d->nr_engines < DEVSTAT_MAX_ENGINES) {
		struct devstat_engine *g = &d->engines[d->nr_engines];
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		memset(g, 0, sizeof(*g));
		snprintf(p, sizeof(p), "%s/%s/busy_us", dir, e->d_name);
		if (read_u64(p, &g->busy_us))
			continue;
		snprintf(g->name, sizeof(g->name), "%s", e->d_name);
		len = strlen(g->name);
		while (len && isdigit((unsigned char)g->name[len - 1]))
			len--;
		memcpy(g->cls, g->name, len);
		g->cls[len] = 0;
		snprintf(p, sizeof(p), "%s/%s/jobs", dir, e->d_name);
		read_u64(p, &g->jobs);
		snprintf(p, sizeof(p), "%s/%s/resets", dir, e->d_name);
		read_u64(p, &g->resets);
		d->nr_engines++;
	}
	closedir(dd);
	qsort(d->engines, d->nr_engines, sizeof(d->engines[0]), engine_cmp);
}

static int attr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct devstat_attr *)a)->name, ((const struct devstat_attr *)b)->name);
}

/*
 * Not a PCI device's binary attributes: reading config or rom is pointless here, and a read
 * of an I/O BAR's resourceN file does port I/O on the device.
 */
static int is_text_attr(const char *name)
{
	return strcmp(name, "config") && strcmp(name, "rom") && strcmp(name, "vpd") &&
	       strncmp(name, "resource", 8);
}

/* Plain one-line attributes of the parent; REGION_total / REGION_used pairs make regions. */
static void read_attrs(struct devstat_device *d)
{
	char p[PATH_MAX * 2];
	struct dirent *e;
	size_t i;
	DIR *dd;

	d->nr_attrs = d->nr_regions = 0;
	dd = opendir(d->devdir);
	if (!dd)
		return;
	while ((e = readdir(dd)) && d->nr_attrs < DEVSTAT_MAX_ATTRS) {
		struct devstat_attr *a = &d->attrs[d->nr_attrs];
		char text[256];
		struct stat st;
		ssize_t n;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "uevent") || !is_text_attr(e->d_name))
			continue;
		snprintf(p, sizeof(p), "%s/%s", d->devdir, e->d_name);
		/* Attributes, not links or directories; write-only ones (triggers) have nothing. */
		if (lstat(p, &st) || !S_ISREG(st.st_mode) || !(st.st_mode & 0444))
			continue;
		n = fdinfo_read_file(p, text, sizeof(text));
		if (n <= 0)
			continue;
		/* A binary attribute (a PCI device's config, rom) is not telemetry. */
		if (memchr(text, 0, (size_t)n))
			continue;
		text[strcspn(text, "\n")] = 0;
		if (strlen(text) >= sizeof(a->value))
			continue;
		for (i = 0; text[i] && isprint((unsigned char)text[i]); i++)
			;
		if (text[i])
			continue;
		snprintf(a->name, sizeof(a->name), "%s", e->d_name);
		snprintf(a->value, sizeof(a->value), "%s", text);
		d->nr_attrs++;
	}
	closedir(dd);
	qsort(d->attrs, d->nr_attrs, sizeof(d->attrs[0]), attr_cmp);
	for (i = 0; i < d->nr_attrs && d->nr_regions < DEVSTAT_MAX_REGIONS; i++) {
		const char *name = d->attrs[i].name;
		size_t len = strlen(name), j;
		struct devstat_region *r;
		char used[80];

		if (len <= 6 || strcmp(name + len - 6, "_total"))
			continue;
		r = &d->regions[d->nr_regions];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%.*s", (int)(len - 6), name);
		r->total = strtoull(d->attrs[i].value, NULL, 10);
		snprintf(used, sizeof(used), "%s_used", r->name);
		for (j = 0; j < d->nr_attrs; j++)
			if (!strcmp(d->attrs[j].name, used)) {
				r->used = strtoull(d->attrs[j].value, NULL, 10);
				r->have_used = 1;
			}
		d->nr_regions++;
	}
}

void devstat_refresh(struct devstat_device *d)
{
	read_attrs(d);
	read_engines(d);
}

/*
 * The device's debugfs directory: the kernel names it after the device (dev->unique), under
 * accel/ for accel devices and dri/ for DRM ones; its "name" file starts with the driver.
 */
static void find_debugfs(struct devstat_device *d)
{
	char p[PATH_MAX * 2], name[192];
	struct stat st;

	d->debugfs[0] = 0;
	snprintf(p, sizeof(p), "%s/sys/kernel/debug/%s/%s", d->src->sysroot,
		 d->is_accel ? "accel" : "dri", d->parent);
	if (!stat(p, &st) && S_ISDIR(st.st_mode))
		snprintf(d->debugfs, sizeof(d->debugfs), "%s", p);
	if (!d->debugfs[0])
		return;
	snprintf(p, sizeof(p), "%s/name", d->debugfs);
	if (!read_line(p, name, sizeof(name)) && name[0]) {
		name[strcspn(name, " ")] = 0;
		snprintf(d->drm_driver, sizeof(d->drm_driver), "%s", name);
	}
}

static int scan_class(const struct devstat_source *src, const char *cls, const char *devdir,
		      struct devstat_device **v, size_t *n, size_t *cap)
{
	char dir[PATH_MAX + 16], p[PATH_MAX * 2], buf[64];
	struct dirent *e;
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/sys/class/%s", src->sysroot, cls);
	dd = opendir(dir);
	if (!dd)
		return 0;
	while ((e = readdir(dd))) {
		struct devstat_device *d;
		char target[PATH_MAX], *real;
		unsigned int ma, mi;
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		if (strcmp(cls, "accel") && strncmp(e->d_name, "card", 4) &&
		    strncmp(e->d_name, "renderD", 7))
			continue;
		snprintf(p, sizeof(p), "%s/%s/dev", dir, e->d_name);
		if (read_line(p, buf, sizeof(buf)) || sscanf(buf, "%u:%u", &ma, &mi) != 2)
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 8;
			struct devstat_device *nv = realloc(*v, ncap * sizeof(*nv));

			if (!nv) {
				closedir(dd);
				return -ENOMEM;
			}
			*v = nv;
			*cap = ncap;
		}
		d = &(*v)[(*n)++];
		memset(d, 0, sizeof(*d));
		d->src = src;
		d->sriov_total = d->sriov_num = -1;
		snprintf(d->node, sizeof(d->node), "%s", e->d_name);
		snprintf(d->path, sizeof(d->path), "/dev/%s/%s", devdir, e->d_name);
		d->is_accel = !strcmp(cls, "accel");
		d->major = ma;
		d->minor = mi;
		snprintf(p, sizeof(p), "%s/%s/device", dir, e->d_name);
		real = realpath(p, NULL);
		if (real) {
			snprintf(d->devdir, sizeof(d->devdir), "%s", real);
			snprintf(d->parent, sizeof(d->parent), "%s", strrchr(real, '/') + 1);
			free(real);
		}
		snprintf(p, sizeof(p), "%s/%s/device/driver", dir, e->d_name);
		len = readlink(p, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = 0;
			snprintf(d->drm_driver, sizeof(d->drm_driver), "%s",
				 strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
		}
		find_debugfs(d);
		if (d->devdir[0]) {
			uint64_t x;

			devstat_refresh(d);
			snprintf(p, sizeof(p), "%s/sriov_totalvfs", d->devdir);
			if (!read_u64(p, &x))
				d->sriov_total = (long)x;
			snprintf(p, sizeof(p), "%s/sriov_numvfs", d->devdir);
			if (!read_u64(p, &x))
				d->sriov_num = (long)x;
		}
	}
	closedir(dd);
	return 0;
}

static int device_cmp(const void *a, const void *b)
{
	const struct devstat_device *x = a, *y = b;

	if (x->is_accel != y->is_accel)
		return x->is_accel ? -1 : 1;
	return (int)x->minor - (int)y->minor;
}

int devstat_scan(const struct devstat_source *src, int include_drm, struct devstat_device **v,
		 size_t *n)
{
	size_t first = *n, cap = *n;
	int err = scan_class(src, "accel", "accel", v, n, &cap);

	if (!err && include_drm)
		err = scan_class(src, "drm", "dri", v, n, &cap);
	if (*n > first)
		qsort(*v + first, *n - first, sizeof(**v), device_cmp);
	return err;
}

int devstat_match(const struct devstat_device *d, const char *want)
{
	char *end;
	long minor;

	if (!strcmp(d->node, want) || !strcmp(d->path, want))
		return 1;
	minor = strtol(want, &end, 10);
	return !*end && end != want && d->is_accel && minor == (long)d->minor;
}

int devstat_scan_clients(const struct devstat_source *src, struct fdinfo_list *l)
{
	if (src->backend == ACCEL_BACKEND_KERNEL)
		return fdinfo_scan_proc("/proc", l);
	return fdinfo_scan_root(src->sysroot, l);
}

const struct devstat_device *devstat_client_device(const struct fdinfo_client *c,
						   const struct devstat_source *src,
						   const struct devstat_device *v, size_t n)
{
	const struct devstat_device *found = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].src != src)
			continue;
		if (src->backend == ACCEL_BACKEND_KERNEL) {
			if (v[i].major == c->major && v[i].minor == c->minor)
				return &v[i];
			continue;
		}
		/* A root's render and card nodes of one driver are one device: accel nodes only. */
		if (!v[i].is_accel || strcmp(v[i].drm_driver, c->driver))
			continue;
		if (found)
			return NULL;
		found = &v[i];
	}
	return found;
}
