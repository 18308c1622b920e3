// SPDX-License-Identifier: MIT
/*
 * Descriptor calls: close, the dups, fcntl, close_range (read and write are rw.c). An emulated descriptor is a
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
#include "direct.h"
#include "preload.h"

/*
 * libc's close, or the system call itself where libc's would be nothing more: a single-
 * threaded process (glibc's own test; see direct.h). With threads, libc's close keeps its
 * cancellation point.
 */
static inline int close_passthrough(int fd)
{
#ifdef PRELOAD_DIRECT
	if (direct_single_threaded())
		return direct_result(direct_syscall1(SYS_close, fd));
#endif
	return LIBC(close)(fd);
}

/* dup is no cancellation point: the system call itself. */
static inline int dup_passthrough(int fd)
{
#ifdef PRELOAD_DIRECT
	return direct_result(direct_syscall1(SYS_dup, fd));
#else
	return LIBC(dup)(fd);
#endif
}

static __attribute__((noinline)) int close_emulated(int fd)
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
		return close_passthrough(fd);
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
	if (__builtin_expect(!emul_fd_is(fd), 1) || preload_in_lib)
		return dup_passthrough(fd);
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
