// SPDX-License-Identifier: MIT
/*
 * mmap and munmap, and the fdinfo of an emulated descriptor. An emulated descriptor's
 * calls go through libaccel (accel_sys_*), under the guard so that libaccel's own libc calls
 * are libc's (ioctl is ioctl.c).
 */
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <accel/drm_file.h>
#include <accel/fs.h>
#include <libaccel.h>
#include "lib/backend.h"
#include "lib/backend/daemon/daemon.h"
#include "preload.h"

/* The address range that mappings of emulated descriptors ever took: munmap() outside it is libc's. */
static _Atomic uintptr_t map_lo = UINTPTR_MAX, map_hi;

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	uintptr_t lo, hi;
	void *p;
	int err;

	if (__builtin_expect(!emul_fd_is(fd), 1) || (flags & MAP_ANONYMOUS) || preload_in_lib)
		return LIBC(mmap)(addr, len, prot, flags, fd, off);
	PRELOAD_ENTER();
	p = accel_sys_mmap(addr, len, prot, flags, fd, off);
	err = errno;
	PRELOAD_LEAVE();
	if (p != MAP_FAILED) {
		lo = atomic_load(&map_lo);
		while ((uintptr_t)p < lo && !atomic_compare_exchange_weak(&map_lo, &lo, (uintptr_t)p))
			;
		hi = atomic_load(&map_hi);
		while ((uintptr_t)p + len > hi &&
		       !atomic_compare_exchange_weak(&map_hi, &hi, (uintptr_t)p + len))
			;
	}
	errno = err;
	return p;
}
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) __attribute__((alias("mmap")));

int munmap(void *addr, size_t len)
{
	int ret, err;

	if (__builtin_expect((uintptr_t)addr + len <= atomic_load_explicit(&map_lo, memory_order_relaxed) ||
			     (uintptr_t)addr >= atomic_load_explicit(&map_hi, memory_order_relaxed), 1) ||
	    preload_in_lib)
		return LIBC(munmap)(addr, len);
	PRELOAD_ENTER();
	ret = accel_sys_munmap(addr, len);
	err = errno;
	PRELOAD_LEAVE();
	errno = err;
	return ret;
}

/* The DRM client id of emulated @fd's open file. */
static int fd_client_id(int fd, uint64_t *id)
{
	struct accel_fd_ref r;
	int err = 0;

	if (!accel_fd_get(fd, &r))
		return -EBADF;
	if (r.ops == &accel_backend_embedded)
		*id = drm_file_from_filp(r.obj)->client_id;
	else if (r.ops == &accel_backend_daemon)
		*id = accel_daemon_client_id(r.obj);
	else
		err = -EBADF;
	accel_fd_ref_put(&r);
	return err;
}

int preload_fdinfo_path(int fd, char *buf, size_t size)
{
	const char *root = route_root();
	struct dirent *d;
	struct stat st;
	uint64_t id;
	DIR *dir;
	int err;

	PRELOAD_ENTER();
	err = fd_client_id(fd, &id);
	if (err)
		goto out;
	/* The opener's directory: this process's, or the parent's for an inherited descriptor. */
	snprintf(buf, size, "%s/proc/%d/fdinfo/%llu", root, (int)getpid(), (unsigned long long)id);
	if (!LIBC(stat)(buf, &st))
		goto out;
	err = -ENOENT;
	snprintf(buf, size, "%s/proc", root);
	dir = LIBC(opendir)(buf);
	while (dir && (d = readdir(dir))) {
		snprintf(buf, size, "%s/proc/%s/fdinfo/%llu", root, d->d_name, (unsigned long long)id);
		if (d->d_name[0] != '.' && !LIBC(stat)(buf, &st)) {
			err = 0;
			break;
		}
	}
	if (dir)
		closedir(dir);
out:
	PRELOAD_LEAVE();
	return err;
}
