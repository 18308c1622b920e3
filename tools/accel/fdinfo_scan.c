// SPDX-License-Identifier: MIT
/*
 * Scanning and parsing the fdinfo files of DRM and accel clients (fdinfo_scan.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fdinfo_scan.h"

ssize_t fdinfo_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len + 1 < size && (r = read(fd, buf + len, size - 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return r;
		}
		len += (size_t)r;
	}
	close(fd);
	buf[len] = 0;
	return (ssize_t)len;
}

/* The engine class @name of @c, added (capacity 1) when new; NULL when the table is full. */
static struct fdinfo_engine *engine_get(struct fdinfo_client *c, const char *name)
{
	struct fdinfo_engine *e;
	size_t i;

	for (i = 0; i < c->nr_engines; i++)
		if (!strcmp(c->engines[i].name, name))
			return &c->engines[i];
	if (c->nr_engines == FDINFO_MAX_ENGINES)
		return NULL;
	e = &c->engines[c->nr_engines++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->capacity = 1;
	return e;
}

static struct fdinfo_region *region_get(struct fdinfo_client *c, const char *name)
{
	struct fdinfo_region *r;
	size_t i;

	for (i = 0; i < c->nr_regions; i++)
		if (!strcmp(c->regions[i].name, name))
			return &c->regions[i];
	if (c->nr_regions == FDINFO_MAX_REGIONS)
		return NULL;
	r = &c->regions[c->nr_regions++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

/* A drm-usage-stats size: a number and an optional unit (none, KiB, MiB, GiB, TiB). */
static int parse_size(const char *v, uint64_t *out)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	unsigned long long n;
	char *end;
	size_t u;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (end == v || errno)
		return -EINVAL;
	while (*end == ' ')
		end++;
	if (!*end) {
		*out = n;
		return 0;
	}
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++)
		if (!strcmp(end, units[u])) {
			*out = (uint64_t)n << (10 * (u + 1));
			return 0;
		}
	return -EINVAL;
}

/* drm-<stat>-<region>: which stat @key names (its FDINFO_MEM_* bit) and where the region starts. */
static unsigned int mem_stat(const char *key, const char **region)
{
	static const struct {
		const char *prefix;
		unsigned int bit;
	} stats[] = {
		{ "drm-total-", FDINFO_MEM_TOTAL },
		{ "drm-shared-", FDINFO_MEM_SHARED },
		{ "drm-resident-", FDINFO_MEM_RESIDENT },
		/* The key drm-usage-stats deprecated for drm-resident-. */
		{ "drm-memory-", FDINFO_MEM_RESIDENT },
		{ "drm-active-", FDINFO_MEM_ACTIVE },
		{ "drm-purgeable-", FDINFO_MEM_PURGEABLE },
	};
	size_t i;

	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		size_t n = strlen(stats[i].prefix);

		if (!strncmp(key, stats[i].prefix, n) && key[n]) {
			*region = key + n;
			return stats[i].bit;
		}
	}
	return 0;
}

static void region_set(struct fdinfo_region *r, unsigned int bit, uint64_t v)
{
	switch (bit) {
	case FDINFO_MEM_TOTAL: r->total = v; break;
	case FDINFO_MEM_SHARED: r->shared = v; break;
	case FDINFO_MEM_RESIDENT: r->resident = v; break;
	case FDINFO_MEM_ACTIVE: r->active = v; break;
	default: r->purgeable = v; break;
	}
	r->have |= bit;
}

static void parse_line(struct fdinfo_client *c, const char *key, const char *val, int *have_driver)
{
	const char *region;
	unsigned int bit;
	uint64_t v;

	if (!strcmp(key, "drm-driver")) {
		snprintf(c->driver, sizeof(c->driver), "%s", val);
		*have_driver = 1;
	} else if (!strcmp(key, "drm-client-id")) {
		c->client_id = strtoull(val, NULL, 10);
	} else if (!strcmp(key, "drm-client-name")) {
		snprintf(c->client_name, sizeof(c->client_name), "%s", val);
	} else if (!strcmp(key, "drm-pdev")) {
		snprintf(c->pdev, sizeof(c->pdev), "%s", val);
	} else if (!strncmp(key, "drm-engine-capacity-", 20) && key[20]) {
		struct fdinfo_engine *e = engine_get(c, key + 20);

		if (e)
			e->capacity = (unsigned int)strtoul(val, NULL, 10);
	} else if (!strncmp(key, "drm-engine-", 11) && key[11]) {
		char *end;
		unsigned long long ns;
		struct fdinfo_engine *e;

		errno = 0;
		ns = strtoull(val, &end, 10);
		/* "N ns" is the only unit drm-usage-stats defines for engine time. */
		if (end == val || errno || strcmp(end, " ns"))
			return;
		e = engine_get(c, key + 11);
		if (e)
			e->ns = ns;
	} else if ((bit = mem_stat(key, &region)) && !parse_size(val, &v)) {
		struct fdinfo_region *r = region_get(c, region);

		if (r)
			region_set(r, bit, v);
	}
}

int fdinfo_parse(const char *text, struct fdinfo_client *c)
{
	const char *p = text;
	int have_driver = 0;

	c->driver[0] = c->client_name[0] = c->pdev[0] = 0;
	c->client_id = 0;
	c->nr_engines = c->nr_regions = 0;
	while (*p) {
		const char *eol = strchrnul(p, '\n'), *colon = memchr(p, ':', (size_t)(eol - p));

		if (colon && colon - p < 128 && eol - colon < 256) {
			char key[128], val[256];
			const char *v = colon + 1;

			memcpy(key, p, (size_t)(colon - p));
			key[colon - p] = 0;
			while (v < eol && (*v == '\t' || *v == ' '))
				v++;
			memcpy(val, v, (size_t)(eol - v));
			val[eol - v] = 0;
			parse_line(c, key, val, &have_driver);
		}
		p = *eol ? eol + 1 : eol;
	}
	return have_driver ? 0 : -ENOENT;
}

static struct fdinfo_client *list_add(struct fdinfo_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct fdinfo_client *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static int same_client(const struct fdinfo_client *x, const struct fdinfo_client *y)
{
	return x->pid == y->pid && x->client_id == y->client_id && x->major == y->major &&
	       x->minor == y->minor && !strcmp(x->driver, y->driver);
}

const struct fdinfo_client *fdinfo_find(const struct fdinfo_list *l, const struct fdinfo_client *c)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (same_client(&l->v[i], c))
			return &l->v[i];
	return NULL;
}

const struct fdinfo_engine *fdinfo_engine_find(const struct fdinfo_client *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nr_engines; i++)
		if (!strcmp(c->engines[i].name, name))
			return &c->engines[i];
	return NULL;
}

void fdinfo_list_free(struct fdinfo_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static void read_comm(const char *piddir, char *comm, size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/comm", piddir);
	if (fdinfo_read_file(path, comm, size) < 0)
		comm[0] = 0;
	comm[strcspn(comm, "\n")] = 0;
}

/*
 * Append the client behind descriptor @fd of process @pid when it is a DRM or accel node and
 * not already listed for this process (one client, several descriptors).
 */
static int scan_fd(const char *piddir, pid_t pid, const char *fdname, const char *comm,
		   struct fdinfo_list *l, size_t first_of_pid)
{
	char path[PATH_MAX], target[PATH_MAX], text[8192];
	struct fdinfo_client c, *slot;
	struct stat st;
	ssize_t len;
	size_t i;

	snprintf(path, sizeof(path), "%s/fd/%s", piddir, fdname);
	/*
	 * Only nodes under /dev are stat()ed: stat() follows the link into whatever the
	 * descriptor names, and on a FUSE file (attribute trees, sshfs) that asks its server,
	 * which may be stopped, dying or hung: the scan would hang with it (lsof's -b problem).
	 * DRM and accel nodes live in /dev (devtmpfs), which never blocks.
	 */
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 5 || strncmp(target, "/dev/", 5))
		return 0;
	if (stat(path, &st) || !S_ISCHR(st.st_mode))
		return 0;
	if (major(st.st_rdev) != FDINFO_DRM_MAJOR && major(st.st_rdev) != FDINFO_ACCEL_MAJOR)
		return 0;
	snprintf(path, sizeof(path), "%s/fdinfo/%s", piddir, fdname);
	if (fdinfo_read_file(path, text, sizeof(text)) < 0)
		return 0;
	memset(&c, 0, sizeof(c));
	/* A node's holder is a client even when its driver prints no usage keys. */
	c.usage_stats = !fdinfo_parse(text, &c);
	c.pid = pid;
	c.fd = atoi(fdname);
	c.major = major(st.st_rdev);
	c.minor = minor(st.st_rdev);
	snprintf(c.comm, sizeof(c.comm), "%s", comm);
	for (i = first_of_pid; i < l->n; i++)
		if (same_client(&l->v[i], &c))
			return 0;
	slot = list_add(l);
	if (!slot)
		return -ENOMEM;
	*slot = c;
	return 0;
}

int fdinfo_scan_proc(const char *proc, struct fdinfo_list *l)
{
	struct dirent *pe;
	DIR *pd = opendir(proc);
	int err = 0;

	if (!pd)
		return 0;
	while (!err && (pe = readdir(pd))) {
		char piddir[PATH_MAX], fddir[PATH_MAX + 8], comm[64];
		size_t first = l->n;
		struct dirent *fe;
		DIR *fdd;

		if (!is_number(pe->d_name))
			continue;
		snprintf(piddir, sizeof(piddir), "%s/%s", proc, pe->d_name);
		snprintf(fddir, sizeof(fddir), "%s/fd", piddir);
		fdd = opendir(fddir);
		if (!fdd)
			continue; /* gone, or another user's */
		read_comm(piddir, comm, sizeof(comm));
		while (!err && (fe = readdir(fdd)))
			if (is_number(fe->d_name))
				err = scan_fd(piddir, (pid_t)atoi(pe->d_name), fe->d_name, comm, l, first);
		closedir(fdd);
	}
	closedir(pd);
	return err;
}

int fdinfo_scan_root(const char *root, struct fdinfo_list *l)
{
	char procdir[PATH_MAX];
	struct dirent *pe;
	DIR *pd;
	int err = 0;

	snprintf(procdir, sizeof(procdir), "%s/proc", root);
	pd = opendir(procdir);
	if (!pd)
		return 0;
	while (!err && (pe = readdir(pd))) {
		char dir[PATH_MAX + 32], comm[64], procpid[64];
		struct dirent *fe;
		DIR *fdd;

		if (!is_number(pe->d_name))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s/fdinfo", procdir, pe->d_name);
		fdd = opendir(dir);
		if (!fdd)
			continue;
		/* The client's process is one of this machine's: its name is in the real /proc. */
		snprintf(procpid, sizeof(procpid), "/proc/%s", pe->d_name);
		read_comm(procpid, comm, sizeof(comm));
		while (!err && (fe = readdir(fdd))) {
			char path[PATH_MAX * 2], text[8192];
			struct fdinfo_client c, *slot;

			if (!is_number(fe->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, fe->d_name);
			if (fdinfo_read_file(path, text, sizeof(text)) < 0)
				continue;
			memset(&c, 0, sizeof(c));
			if (fdinfo_parse(text, &c))
				continue;
			c.usage_stats = 1;
			c.pid = (pid_t)atoi(pe->d_name);
			c.fd = -1;
			snprintf(c.comm, sizeof(c.comm), "%s", comm);
			slot = list_add(l);
			if (!slot) {
				err = -ENOMEM;
				break;
			}
			*slot = c;
		}
		closedir(fdd);
	}
	closedir(pd);
	return err;
}
