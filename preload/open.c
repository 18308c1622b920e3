// SPDX-License-Identifier: MIT
/*
 * The open family: a node path opens the node through libaccel (the backend's descriptor
 * becomes an emulated one), a path of the root's tree opens the file under the root,
 * /proc/self/fd/N of an emulated descriptor opens its node again (a second open file, as
 * on a kernel); any other path is libc's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <libaccel.h>
#include "preload.h"

int preload_open_node(const struct route *r, int flags)
{
	struct emul_fd e = { .major = r->major, .minor = r->minor, .accmode = flags & O_ACCMODE };
	int fd, err;

	if (flags & O_DIRECTORY) {
		errno = ENOTDIR;
		return -1;
	}
	PRELOAD_ENTER();
	/* O_EXCL goes on: DRM refuses exclusive opens (EBUSY), as the kernel does. */
	fd = accel_sys_open(r->canon, flags & ~(O_CREAT | O_TRUNC));
	err = errno;
	if (fd >= 0)
		e.daemon = accel_fd_backend(fd) == ACCEL_BACKEND_DAEMON;
	/* The open file's O_NONBLOCK: the embedded pipe's own flag, a daemon descriptor's entry. */
	if (fd >= 0 && (flags & O_NONBLOCK)) {
		if (e.daemon)
			e.nonblock = true;
		else
			LIBC(fcntl)(fd, F_SETFL, LIBC(fcntl)(fd, F_GETFL) | O_NONBLOCK);
	}
	PRELOAD_LEAVE();
	if (fd < 0) {
		errno = err;
		return -1;
	}
	if (!emul_fd_set(fd, &e)) {
		PRELOAD_ENTER();
		accel_sys_close(fd);
		PRELOAD_LEAVE();
		errno = EMFILE;
		return -1;
	}
	return fd;
}

/* Where open() of @path goes: -2 for libc's own (with @path unchanged). */
static int open_routed(const char *path, int flags, mode_t mode, int dirfd)
{
	struct route r;

	switch (route_path(path, &r)) {
	case ROUTE_NODE:
	case ROUTE_REOPEN:
		return preload_open_node(&r, flags);
	case ROUTE_TREE:
		return LIBC(openat)(dirfd, r.real, flags, mode);
	default:
		return -2;
	}
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	fd = open_routed(path, flags, mode, AT_FDCWD);
	return fd != -2 ? fd : LIBC(open)(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	fd = open_routed(path, flags, mode, AT_FDCWD);
	return fd != -2 ? fd : LIBC(openat)(dirfd, path, flags, mode);
}

/* On 64-bit glibc the *64 names are the same calls (off_t is 64 bits). */
int open64(const char *path, int flags, ...) __attribute__((alias("open")));
int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

/* _FORTIFY_SOURCE's checked opens (mode-less calls). */
int __open_2(const char *path, int flags)
{
	return open(path, flags);
}
int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}
int __openat64_2(int dirfd, const char *path, int flags) __attribute__((alias("__openat_2")));

/* fopen()'s mode string as open() flags (the letters glibc accepts). */
static int fopen_flags(const char *mode)
{
	int acc = mode[0] == 'r' ? O_RDONLY : O_WRONLY;
	int flags = mode[0] == 'w' ? O_CREAT | O_TRUNC : mode[0] == 'a' ? O_CREAT | O_APPEND : 0;

	for (const char *m = mode + 1; *m && *m != ','; m++) {
		if (*m == '+')
			acc = O_RDWR;
		else if (*m == 'e')
			flags |= O_CLOEXEC;
		else if (*m == 'x')
			flags |= O_EXCL;
	}
	return acc | flags;
}

FILE *fopen(const char *path, const char *mode)
{
	struct route r;
	FILE *f;
	int fd;

	switch (route_path(path, &r)) {
	case ROUTE_NODE:
	case ROUTE_REOPEN:
		fd = preload_open_node(&r, fopen_flags(mode));
		if (fd < 0)
			return NULL;
		f = fdopen(fd, mode);
		if (!f) {
			int err = errno;

			close(fd);
			errno = err;
		}
		return f;
	case ROUTE_TREE:
		return LIBC(fopen)(r.real, mode);
	default:
		return LIBC(fopen)(path, mode);
	}
}
FILE *fopen64(const char *path, const char *mode) __attribute__((alias("fopen")));
