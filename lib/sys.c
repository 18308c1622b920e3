// SPDX-License-Identifier: MIT
/*
 * The seam: accel_sys_open/ioctl/mmap/munmap/close. An open picks the backend that serves
 * the node (kernel, daemon or embedded: the rules of include/libaccel.h); every later call
 * on the descriptor goes through the ops its backend recorded in the descriptor table
 * (lib/backend.h). Descriptors that are not the library's get the plain system calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/sync_file.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/drm_print.h>
#include "host/host.h"
#include "lib/backend.h"
#include "lib/libaccel_internal.h"

/* map_lock guards mappings: what accel_sys_mmap() mapped through a backend. */
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static struct accel_mapping *mappings;

static int set_errno(int err)
{
	errno = -err;
	return -1;
}

/*
 * ACCEL_BACKEND: "kernel", "daemon" or "embedded" forces that backend; unset or empty
 * chooses by the rules of include/libaccel.h. Any other value is -EINVAL (said once).
 */
static int backend_forced(enum accel_backend *out)
{
	static atomic_bool warned;
	const char *env = getenv("ACCEL_BACKEND");

	*out = ACCEL_BACKEND_NONE;
	if (!env || !*env)
		return 0;
	if (!strcmp(env, "kernel"))
		*out = ACCEL_BACKEND_KERNEL;
	else if (!strcmp(env, "daemon"))
		*out = ACCEL_BACKEND_DAEMON;
	else if (!strcmp(env, "embedded"))
		*out = ACCEL_BACKEND_EMBEDDED;
	else {
		if (!atomic_exchange(&warned, true))
			DRM_ERROR("ACCEL_BACKEND=%s: not kernel, daemon or embedded", env);
		return -EINVAL;
	}
	return 0;
}

/* This process opened a node through the daemon of its root: it never falls back. */
static atomic_bool daemon_used;

/*
 * No daemon serves the root although one did: for this process (it used one), or for any
 * process while the root still holds the node sockets of a daemon that died. Said once.
 */
static int daemon_gone(const char *why)
{
	static atomic_bool warned;

	if (!atomic_exchange(&warned, true))
		DRM_ERROR("the acceld that served %s is gone (%s): opens fail with ECONNREFUSED until "
			  "acceld serves it again (ACCEL_BACKEND=embedded runs the core in this process)",
			  accel_root_shared(), why);
	return -ECONNREFUSED;
}

int accel_root_backend(enum accel_backend *out)
{
	enum accel_backend forced;
	struct accel_root_owner owner;
	int err = backend_forced(&forced);

	if (err)
		return err;
	switch (forced) {
	case ACCEL_BACKEND_KERNEL:
		return -ENODEV; /* the root's nodes are never a kernel's */
	case ACCEL_BACKEND_DAEMON:
		if (!accel_daemon_serving())
			return -ECONNREFUSED;
		atomic_store(&daemon_used, true);
		*out = ACCEL_BACKEND_DAEMON;
		return 0;
	case ACCEL_BACKEND_EMBEDDED:
		*out = ACCEL_BACKEND_EMBEDDED;
		return accel_embedded_ensure();
	default:
		break;
	}
	/* A process whose core runs embedded keeps using it (under a private root if need be). */
	if (accel_host_embedded_started()) {
		*out = ACCEL_BACKEND_EMBEDDED;
		return accel_embedded_ensure();
	}
	err = accel_root_owner(accel_root_shared(), &owner);
	if (err)
		return err;
	if (owner.holder == ACCEL_ROOT_ACCELD) {
		atomic_store(&daemon_used, true);
		*out = ACCEL_BACKEND_DAEMON;
		return 0;
	}
	if (atomic_load(&daemon_used))
		return daemon_gone("this process used it");
	if (owner.holder == ACCEL_ROOT_FREE && accel_root_has_node_sockets(accel_root_shared()))
		return daemon_gone("its node sockets remain");
	*out = ACCEL_BACKEND_EMBEDDED;
	return accel_embedded_ensure();
}

static int fd_or_errno(int ret)
{
	return ret < 0 ? set_errno(ret) : ret;
}

int accel_sys_open(const char *path, int flags)
{
	enum accel_backend forced, backend;
	char rel[PATH_MAX];
	struct stat st;
	int err;

	if (!path)
		return set_errno(-EFAULT);
	err = backend_forced(&forced);
	if (err)
		return set_errno(err);
	if (!strncmp(path, "/dev/", 5) && (forced == ACCEL_BACKEND_NONE || forced == ACCEL_BACKEND_KERNEL) &&
	    accel_kernel_path_is_node(path))
		return fd_or_errno(accel_backend_kernel.open(path, flags));
	if (forced == ACCEL_BACKEND_KERNEL)
		return set_errno(stat(path, &st) ? -ENOENT : -ENODEV);
	err = accel_node_relative(path, rel, sizeof(rel));
	if (err)
		return set_errno(err);
	err = accel_root_backend(&backend);
	if (err)
		return set_errno(err);
	if (backend == ACCEL_BACKEND_DAEMON)
		return fd_or_errno(accel_backend_daemon.open(rel, flags));
	return fd_or_errno(accel_backend_embedded.open(rel, flags));
}

int accel_sys_ioctl(int fd, unsigned long request, void *arg)
{
	struct accel_fd_ref r;
	long ret;

	if (!accel_fd_get(fd, &r))
		return _IOC_TYPE(request) == SYNC_IOC_MAGIC ? accel_sync_file_ioctl(fd, request, arg) :
							      ioctl(fd, request, arg);
	ret = r.ops->ioctl(r.obj, fd, request, arg);
	accel_fd_ref_put(&r);
	if (ret < 0)
		return set_errno((int)ret);
	return (int)ret;
}

void *accel_sys_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	const struct accel_backend_ops *ops;
	struct accel_mapping *m;
	struct accel_fd_ref r;
	off_t map_offset = 0;
	int err, map_fd = -1;
	void *p;

	if (!accel_fd_get(fd, &r))
		return mmap(addr, length, prot, flags, fd, offset);
	if (offset < 0 || (offset & 4095) || !length) {
		accel_fd_ref_put(&r);
		errno = EINVAL;
		return MAP_FAILED;
	}
	ops = r.ops;
	m = ops->mmap(r.obj, fd, offset, length, prot, flags, &map_fd, &map_offset, &err);
	accel_fd_ref_put(&r);
	if (!m) {
		errno = -err;
		return MAP_FAILED;
	}
	p = mmap(addr, length, prot, flags, map_fd, map_offset);
	err = errno;
	ops->mmap_done(m);
	if (p == MAP_FAILED) {
		ops->munmap(m);
		errno = err;
		return MAP_FAILED;
	}
	m->addr = p;
	m->len = length;
	m->live = NULL;
	m->nlive = 0;
	pthread_mutex_lock(&map_lock);
	m->next = mappings;
	mappings = m;
	pthread_mutex_unlock(&map_lock);
	return p;
}

/*
 * Take [@lo, @hi) out of @m's live ranges: 0 (what is left stays in @m->live), 1 when
 * nothing of @m is mapped any more, or -ENOMEM (@m unchanged). Under map_lock.
 */
static int mapping_cut(struct accel_mapping *m, uintptr_t lo, uintptr_t hi)
{
	struct accel_map_range *r;
	size_t i, n = 0;

	if (!m->live) {
		m->live = malloc(sizeof(*m->live));
		if (!m->live)
			return -ENOMEM;
		m->live[0].lo = (uintptr_t)m->addr;
		m->live[0].hi = (uintptr_t)m->addr + ((m->len + 4095) & ~(size_t)4095);
		m->nlive = 1;
	}
	/* a cut splits at most one range in two */
	r = malloc((m->nlive + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < m->nlive; i++) {
		struct accel_map_range c = m->live[i];

		if (c.hi <= lo || c.lo >= hi) {
			r[n++] = c;
			continue;
		}
		if (c.lo < lo)
			r[n++] = (struct accel_map_range){ c.lo, lo };
		if (c.hi > hi)
			r[n++] = (struct accel_map_range){ hi, c.hi };
	}
	free(m->live);
	m->live = r;
	m->nlive = n;
	return n == 0;
}

/*
 * munmap(2) of device mappings: a mapping is released (its hold on the buffer, the daemon's
 * record) once every page of it is unmapped, by one call or by several partial ones, as a
 * kernel drops a VMA's reference when its last page goes.
 */
int accel_sys_munmap(void *addr, size_t length)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + ((length + 4095) & ~(size_t)4095);
	struct accel_mapping **pp, *m, *gone = NULL;

	if (munmap(addr, length))
		return -1;
	pthread_mutex_lock(&map_lock);
	for (pp = &mappings; (m = *pp);) {
		uintptr_t mlo = (uintptr_t)m->addr;
		uintptr_t mhi = mlo + ((m->len + 4095) & ~(size_t)4095);
		int ret = 0;

		if (mhi <= lo || mlo >= hi) {
			pp = &m->next;
			continue;
		}
		if (lo <= mlo && hi >= mhi)
			ret = 1;
		else
			ret = mapping_cut(m, lo, hi);
		/* -ENOMEM keeps the record as it was: released with the buffer's last mapping */
		if (ret != 1) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		m->next = gone;
		gone = m;
	}
	pthread_mutex_unlock(&map_lock);
	while ((m = gone)) {
		gone = m->next;
		free(m->live);
		m->live = NULL;
		m->ops->munmap(m);
	}
	return 0;
}

int accel_sys_close(int fd)
{
	struct accel_fd_entry e;

	if (!accel_fd_take(fd, &e))
		return accel_fd_close_unknown(fd);
	return e.ops->close(fd, &e);
}

enum accel_backend accel_fd_backend(int fd)
{
	struct accel_fd_ref r;

	if (accel_fd_get(fd, &r)) {
		enum accel_backend b = r.ops->type;

		accel_fd_ref_put(&r);
		return b;
	}
	if (accel_kernel_fd_is_node(fd))
		return ACCEL_BACKEND_KERNEL;
	return ACCEL_BACKEND_NONE;
}

const char *accel_backend_name(enum accel_backend b)
{
	switch (b) {
	case ACCEL_BACKEND_KERNEL: return "kernel";
	case ACCEL_BACKEND_DAEMON: return "daemon";
	case ACCEL_BACKEND_EMBEDDED: return "embedded";
	default: return "none";
	}
}
