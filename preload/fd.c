// SPDX-License-Identifier: MIT
/*
 * Descriptor calls: close, the dups, fcntl, read, close_range. An emulated descriptor is a
 * real one (emul_fd.c), so the dups are the kernel's own; the shim records the new number
 * and libaccel recognises it by its inode. close() of an emulated descriptor goes through
 * libaccel (the open file goes with its last descriptor). A descriptor that dup2() or dup3()
 * replaces is closed through libaccel first, so that libaccel forgets it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>
#include <linux/close_range.h>

#include <libaccel.h>
#include "preload.h"

static int close_emulated(int fd)
{
	int ret, err;

	if (!emul_fd_clear(fd))
		return LIBC(close)(fd);
	PRELOAD_ENTER();
	ret = accel_sys_close(fd);
	err = errno;
	PRELOAD_LEAVE();
	errno = err;
	return ret;
}

int close(int fd)
{
	if (__builtin_expect(!emul_fd_is(fd), 1) || preload_in_lib)
		return LIBC(close)(fd);
	return close_emulated(fd);
}

/* @nfd, a new descriptor of emulated @fd, stands for the same node. */
static int dup_record(int fd, int nfd)
{
	struct emul_fd e;

	if (nfd >= 0 && emul_fd_get(fd, &e) && !emul_fd_set(nfd, &e)) {
		LIBC(close)(nfd);
		errno = EMFILE;
		return -1;
	}
	return nfd;
}

int dup(int fd)
{
	if (!emul_fd_is(fd) || preload_in_lib)
		return LIBC(dup)(fd);
	return dup_record(fd, LIBC(dup)(fd));
}

int dup3(int fd, int fd2, int flags)
{
	if ((!emul_fd_is(fd) && !emul_fd_is(fd2)) || preload_in_lib)
		return LIBC(dup3)(fd, fd2, flags);
	if (fd == fd2) {
		errno = EINVAL;
		return -1;
	}
	if (LIBC(fcntl)(fd, F_GETFD) < 0)
		return -1; /* EBADF: fd2 stays open, as dup3() leaves it */
	if (emul_fd_is(fd2))
		close_emulated(fd2);
	return dup_record(fd, LIBC(dup3)(fd, fd2, flags));
}

int dup2(int fd, int fd2)
{
	if ((!emul_fd_is(fd) && !emul_fd_is(fd2)) || preload_in_lib)
		return LIBC(dup2)(fd, fd2);
	if (fd == fd2)
		return LIBC(fcntl)(fd, F_GETFD) < 0 ? -1 : fd2;
	return dup3(fd, fd2, 0);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!emul_fd_is(fd) || preload_in_lib)
		return LIBC(fcntl)(fd, cmd, arg);
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		return dup_record(fd, LIBC(fcntl)(fd, cmd, arg));
	case F_GETFL: {
		struct emul_fd e;

		ret = LIBC(fcntl)(fd, cmd, arg);
		/* the node's open mode, not that of the pipe or socket standing for it */
		if (ret >= 0 && emul_fd_get(fd, &e)) {
			ret = (ret & ~O_ACCMODE) | (int)e.accmode;
			if (e.daemon)
				ret = (ret & ~O_NONBLOCK) | (e.nonblock ? O_NONBLOCK : 0);
		}
		return ret;
	}
	case F_SETFL: {
		struct emul_fd e;
		int flags = (int)(intptr_t)arg;

		if (!emul_fd_get(fd, &e) || !e.daemon)
			return LIBC(fcntl)(fd, cmd, arg);
		/* acceld's socket stays blocking: the flag is the entry's */
		ret = LIBC(fcntl)(fd, cmd, (void *)(intptr_t)(flags & ~O_NONBLOCK));
		if (!ret) {
			e.nonblock = flags & O_NONBLOCK;
			emul_fd_set(fd, &e);
		}
		return ret;
	}
	default:
		return LIBC(fcntl)(fd, cmd, arg);
	}
}
int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

/*
 * read() of a node returns its DRM events; the accel and example drivers send none, so it
 * blocks (or fails with EAGAIN), as the kernel's drm_read() with an empty queue does. The
 * embedded backend's pipe does that by itself; acceld's socket carries the protocol and must
 * not be read: wait for the daemon to go (ENODEV) instead.
 */
ssize_t read(int fd, void *buf, size_t n)
{
	struct emul_fd e;

	if (__builtin_expect(!emul_fd_is(fd), 1) || preload_in_lib || !emul_fd_get(fd, &e) || !e.daemon)
		return LIBC(read)(fd, buf, n);
	if (e.nonblock) {
		errno = EAGAIN;
		return -1;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLRDHUP };

		if (LIBC(poll)(&p, 1, -1) < 0)
			return -1;
		if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) {
			errno = ENODEV;
			return -1;
		}
	}
}

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	(void)buflen;
	return read(fd, buf, n);
}

int close_range(unsigned int first, unsigned int last, int flags)
{
	unsigned int limit = (unsigned int)emul_fd_limit();

	if (!(flags & CLOSE_RANGE_CLOEXEC) && !preload_in_lib) {
		/* libaccel forgets each emulated descriptor of the range before the kernel closes it. */
		for (unsigned int fd = first; fd < limit && fd <= last; fd++)
			if (emul_fd_is((int)fd))
				close_emulated((int)fd);
	}
	return LIBC(close_range)(first, last, flags);
}
