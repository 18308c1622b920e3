// SPDX-License-Identifier: MIT
/*
 * The stat family, access, readlink and realpath: a node stats as the kernel's char device
 * (node_stat.c), the root's tree as its files, /proc/self/fd/N of an emulated descriptor as
 * its node (readlink names the node's path, as a kernel's does). Paths the root holds are
 * shown without the root's prefix (realpath of /sys/class/accel/accel0 is /sys/devices/...).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "preload.h"

/* stat/lstat of a routed path; -2: libc's own. */
static int stat_routed(const char *path, struct stat *st, bool follow)
{
	struct route r;

	switch (route_path(path, &r)) {
	case ROUTE_NODE:
		return node_stat(r.real, r.major, r.minor, st);
	case ROUTE_REOPEN:
		return follow ? node_stat_fd(r.fd, st) : -2;
	case ROUTE_TREE:
		return follow ? LIBC(stat)(r.real, st) : LIBC(lstat)(r.real, st);
	default:
		return -2;
	}
}

int stat(const char *path, struct stat *st)
{
	int ret = stat_routed(path, st, true);

	return ret != -2 ? ret : LIBC(stat)(path, st);
}

int lstat(const char *path, struct stat *st)
{
	int ret = stat_routed(path, st, false);

	return ret != -2 ? ret : LIBC(lstat)(path, st);
}

int fstat(int fd, struct stat *st)
{
	if (!emul_fd_is(fd) || preload_in_lib)
		return LIBC(fstat)(fd, st);
	return node_stat_fd(fd, st);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int ret;

	if (path_unknown(path) && !*path && (flags & AT_EMPTY_PATH) && emul_fd_is(dirfd) && !preload_in_lib)
		return node_stat_fd(dirfd, st);
	ret = stat_routed(path, st, !(flags & AT_SYMLINK_NOFOLLOW));
	return ret != -2 ? ret : LIBC(fstatat)(dirfd, path, st, flags);
}

int stat64(const char *path, struct stat64 *st) __attribute__((alias("stat"), nothrow, nonnull));
int lstat64(const char *path, struct stat64 *st) __attribute__((alias("lstat"), nothrow, nonnull));
int fstat64(int fd, struct stat64 *st) __attribute__((alias("fstat"), nothrow, nonnull));
int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags) __attribute__((alias("fstatat"), nothrow, nonnull));

/*
 * The shim's own stat family, bound here: a sanitizer's fstat interceptor (preloaded before
 * the shim) calls the next __fxstat, which is the shim's; were that to call the global fstat,
 * it would reach the interceptor again, for ever.
 */
static int stat_here(const char *path, struct stat *st) __attribute__((alias("stat"), nothrow, nonnull));
static int lstat_here(const char *path, struct stat *st) __attribute__((alias("lstat"), nothrow, nonnull));
static int fstat_here(int fd, struct stat *st) __attribute__((alias("fstat"), nothrow, nonnull));
static int fstatat_here(int dirfd, const char *path, struct stat *st, int flags) __attribute__((alias("fstatat"), nothrow, nonnull));

/* glibc before 2.33 compiled stat() into calls of these (x86-64: one struct stat layout). */
int __xstat(int ver, const char *path, struct stat *st)
{
	(void)ver;
	return stat_here(path, st);
}
int __lxstat(int ver, const char *path, struct stat *st)
{
	(void)ver;
	return lstat_here(path, st);
}
int __fxstat(int ver, int fd, struct stat *st)
{
	(void)ver;
	return fstat_here(fd, st);
}
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	(void)ver;
	return fstatat_here(dirfd, path, st, flags);
}
int __xstat64(int ver, const char *path, struct stat *st) __attribute__((alias("__xstat")));
int __lxstat64(int ver, const char *path, struct stat *st) __attribute__((alias("__lxstat")));
int __fxstat64(int ver, int fd, struct stat *st) __attribute__((alias("__fxstat")));
int __fxstatat64(int ver, int dirfd, const char *path, struct stat *st, int flags)
	__attribute__((alias("__fxstatat")));

int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	struct route r;
	struct stat st;
	int ret;

	if (path_unknown(path) && !*path && (flags & AT_EMPTY_PATH) && emul_fd_is(dirfd) && !preload_in_lib) {
		ret = node_stat_fd(dirfd, &st);
		if (!ret)
			node_statx(&st, stx);
		return ret;
	}
	switch (route_path(path, &r)) {
	case ROUTE_NODE:
		ret = node_stat(r.real, r.major, r.minor, &st);
		break;
	case ROUTE_REOPEN:
		if (flags & AT_SYMLINK_NOFOLLOW)
			return LIBC(statx)(dirfd, path, flags, mask, stx);
		ret = node_stat_fd(r.fd, &st);
		break;
	case ROUTE_TREE:
		return LIBC(statx)(AT_FDCWD, r.real, flags, mask, stx);
	default:
		return LIBC(statx)(dirfd, path, flags, mask, stx);
	}
	if (!ret)
		node_statx(&st, stx);
	return ret;
}

int access(const char *path, int mode)
{
	struct route r;

	switch (route_path(path, &r)) {
	case ROUTE_NODE:
	case ROUTE_TREE:
		return LIBC(access)(r.real, mode);
	default:
		return LIBC(access)(path, mode);
	}
}

int faccessat(int dirfd, const char *path, int mode, int flags)
{
	struct route r;

	switch (route_path(path, &r)) {
	case ROUTE_NODE:
	case ROUTE_TREE:
		return LIBC(faccessat)(AT_FDCWD, r.real, mode, flags);
	default:
		return LIBC(faccessat)(dirfd, path, mode, flags);
	}
}

/* readlink of a routed path into @buf (not terminated, as readlink()); -2: libc's own. */
static ssize_t readlink_routed(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	struct route r;
	ssize_t n;

	switch (route_path(path, &r)) {
	case ROUTE_REOPEN:
		n = (ssize_t)strlen(r.canon);
		memcpy(buf, r.canon, (size_t)n < size ? (size_t)n : size);
		return (size_t)n < size ? n : (ssize_t)size;
	case ROUTE_NODE:
	case ROUTE_TREE:
		n = LIBC(readlink)(r.real, target, sizeof(target) - 1);
		if (n < 0)
			return n;
		target[n] = 0;
		/* An absolute link into the root names the kernel's path. */
		if (target[0] == '/')
			route_unmap(target);
		n = (ssize_t)strlen(target);
		memcpy(buf, target, (size_t)n < size ? (size_t)n : size);
		return (size_t)n < size ? n : (ssize_t)size;
	default:
		return -2;
	}
}

ssize_t readlink(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink_routed(path, buf, size);

	return n != -2 ? n : LIBC(readlink)(path, buf, size);
}

ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t size)
{
	ssize_t n = readlink_routed(path, buf, size);

	return n != -2 ? n : LIBC(readlinkat)(dirfd, path, buf, size);
}

char *realpath(const char *path, char *resolved)
{
	char real[PATH_MAX];
	struct route r;
	char *out;

	switch (route_path(path, &r)) {
	case ROUTE_REOPEN:
		snprintf(real, sizeof(real), "%s", r.canon);
		break;
	case ROUTE_NODE:
	case ROUTE_TREE:
		if (!LIBC(realpath)(r.real, real))
			return NULL;
		route_unmap(real);
		break;
	default:
		return LIBC(realpath)(path, resolved);
	}
	out = resolved ? resolved : malloc(PATH_MAX);
	if (!out) {
		errno = ENOMEM;
		return NULL;
	}
	return strcpy(out, real);
}

char *__realpath_chk(const char *path, char *resolved, size_t resolved_len)
{
	(void)resolved_len;
	return realpath(path, resolved);
}

/* chmod of a node or a file of the tree changes the root's file (a node's mode, as udev would). */
int chmod(const char *path, mode_t mode)
{
	struct route r;

	switch (route_path(path, &r)) {
	case ROUTE_NODE:
	case ROUTE_TREE:
		return LIBC(chmod)(r.real, mode);
	default:
		return LIBC(chmod)(path, mode);
	}
}

int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	struct route r;

	switch (route_path(path, &r)) {
	case ROUTE_NODE:
	case ROUTE_TREE:
		return LIBC(fchmodat)(AT_FDCWD, r.real, mode, flags);
	default:
		return LIBC(fchmodat)(dirfd, path, mode, flags);
	}
}
