// SPDX-License-Identifier: MIT
/*
 * The read and write families and lseek on emulated descriptors, answered as Linux 6.12
 * answers them on a DRM or accel node (recorded through the oracle:
 * tests/conformance/kernel/preload_file_ops.out, tests/preload/file_ops.c). The descriptor
 * underneath is libaccel's pipe or acceld's socket, whose own answers differ (a pipe has no
 * pread, a socket would take the bytes into acceld's protocol), so none of these reaches it.
 *
 * The kernel's DRM file has .read = drm_read, no .write, .llseek = noop_llseek:
 *  - write, pwrite, writev, pwritev: EBADF unless open for writing, else EINVAL (no write
 *    method), whatever the length or vector; a negative offset is EINVAL first.
 *  - read, pread, readv, preadv: EBADF unless open for reading; a negative offset EINVAL;
 *    an empty readv 0; otherwise drm_read(), which returns queued DRM events: the drivers
 *    here queue none, so it fails with EAGAIN (O_NONBLOCK) or waits, even for 0 bytes.
 *  - lseek: the position, which stays 0; an unknown whence is EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "direct.h"
#include "preload.h"

/* The emulated descriptor's entry, when this call is the shim's to answer. */
static inline bool rw_emulated(int fd, struct emul_fd *e)
{
	return __builtin_expect(emul_fd_is(fd), 0) && !preload_in_lib && emul_fd_get(fd, e);
}

static ssize_t fail(int err)
{
	errno = err;
	return -1;
}

/* write(2) and its kin: the file has no write method. */
static ssize_t node_write(const struct emul_fd *e)
{
	return fail(e->accmode == O_RDONLY ? EBADF : EINVAL);
}

/*
 * drm_read() with an empty event queue: EAGAIN, or wait. The wait ends only when the
 * backend goes: acceld's socket hangs up (ENODEV, as a file of an unplugged device), or the
 * embedded pipe's write end closes. acceld's socket must not be read (it carries libaccel's
 * replies): it is polled; the embedded pipe is never written: reading it is waiting.
 */
static ssize_t node_read(int fd, const struct emul_fd *e)
{
	bool nonblock;

	if (e->accmode == O_WRONLY)
		return fail(EBADF);
	if (e->daemon) {
		nonblock = e->nonblock;
	} else {
		int fl = LIBC(fcntl)(fd, F_GETFL);

		if (fl < 0)
			return -1;
		nonblock = fl & O_NONBLOCK;
	}
	if (nonblock)
		return fail(EAGAIN);
	if (!e->daemon) {
		/*
		 * The pipe's own blocking read (a signal interrupts it as it would drm_read(),
		 * SA_RESTART included); it ends only at the end of the pipe.
		 */
		char none;
		ssize_t r = LIBC(read)(fd, &none, 1);

		return r < 0 ? -1 : fail(ENODEV);
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLRDHUP };

		if (LIBC(poll)(&p, 1, -1) < 0)
			return -1;
		if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
			return fail(ENODEV);
	}
}

/* The vector's total length: -1 with EINVAL for a count or length the kernel refuses. */
static ssize_t iov_total(const struct iovec *iov, int n)
{
	size_t total = 0;

	if (n < 0 || n > IOV_MAX)
		return fail(EINVAL);
	for (int i = 0; i < n; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return fail(EINVAL);
		total += iov[i].iov_len;
	}
	return (ssize_t)total;
}

/*
 * vfs_readv(): the access mode, then the vector, then nothing to read is 0; drm_read() is
 * called once per segment (do_loop_readv_writev(), which refuses every RWF_ flag but HIPRI).
 */
static ssize_t node_readv(int fd, const struct emul_fd *e, const struct iovec *iov, int n, int flags)
{
	ssize_t total;

	if (e->accmode == O_WRONLY)
		return fail(EBADF);
	total = iov_total(iov, n);
	if (total <= 0)
		return total;
	if (flags & ~RWF_HIPRI)
		return fail(EOPNOTSUPP);
	return node_read(fd, e);
}

ssize_t read(int fd, void *buf, size_t n)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e)) {
#ifdef PRELOAD_DIRECT
		if (direct_single_threaded())
			return direct_result_long(direct_syscall3(SYS_read, fd, (long)buf, (long)n));
#endif
		return LIBC(read)(fd, buf, n);
	}
	return node_read(fd, &e);
}

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	(void)buflen;
	return read(fd, buf, n);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e))
		return LIBC(pread)(fd, buf, n, off);
	return off < 0 ? fail(EINVAL) : node_read(fd, &e);
}
ssize_t pread64(int fd, void *buf, size_t n, off_t off) __attribute__((alias("pread")));

ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	(void)buflen;
	return pread(fd, buf, n, off);
}
ssize_t __pread64_chk(int fd, void *buf, size_t n, off_t off, size_t buflen) __attribute__((alias("__pread_chk")));

ssize_t readv(int fd, const struct iovec *iov, int n)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e))
		return LIBC(readv)(fd, iov, n);
	return node_readv(fd, &e, iov, n, 0);
}

ssize_t preadv(int fd, const struct iovec *iov, int n, off_t off)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e))
		return LIBC(preadv)(fd, iov, n, off);
	return off < 0 ? fail(EINVAL) : node_readv(fd, &e, iov, n, 0);
}
ssize_t preadv64(int fd, const struct iovec *iov, int n, off_t off) __attribute__((alias("preadv")));

/* preadv2: offset -1 is the file's position (readv). */
ssize_t preadv2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e))
		return LIBC(preadv2)(fd, iov, n, off, flags);
	return off < -1 ? fail(EINVAL) : node_readv(fd, &e, iov, n, flags);
}
ssize_t preadv64v2(int fd, const struct iovec *iov, int n, off_t off, int flags) __attribute__((alias("preadv2")));

ssize_t write(int fd, const void *buf, size_t n)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e)) {
#ifdef PRELOAD_DIRECT
		if (direct_single_threaded())
			return direct_result_long(direct_syscall3(SYS_write, fd, (long)buf, (long)n));
#endif
		return LIBC(write)(fd, buf, n);
	}
	return node_write(&e);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e))
		return LIBC(pwrite)(fd, buf, n, off);
	return off < 0 ? fail(EINVAL) : node_write(&e);
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) __attribute__((alias("pwrite")));

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e))
		return LIBC(writev)(fd, iov, n);
	return node_write(&e);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e))
		return LIBC(pwritev)(fd, iov, n, off);
	return off < 0 ? fail(EINVAL) : node_write(&e);
}
ssize_t pwritev64(int fd, const struct iovec *iov, int n, off_t off) __attribute__((alias("pwritev")));

ssize_t pwritev2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e))
		return LIBC(pwritev2)(fd, iov, n, off, flags);
	return off < -1 ? fail(EINVAL) : node_write(&e);
}
ssize_t pwritev64v2(int fd, const struct iovec *iov, int n, off_t off, int flags) __attribute__((alias("pwritev2")));

/* noop_llseek: the position, always 0 (drm_read() never moves it); SEEK_MAX is SEEK_HOLE. */
off_t lseek(int fd, off_t off, int whence)
{
	struct emul_fd e;

	if (!rw_emulated(fd, &e))
		return LIBC(lseek)(fd, off, whence);
	return whence < 0 || whence > SEEK_HOLE ? fail(EINVAL) : 0;
}
off_t lseek64(int fd, off_t off, int whence) __attribute__((alias("lseek")));
