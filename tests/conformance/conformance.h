/* SPDX-License-Identifier: MIT */
/*
 * conformance.h - one test source, two worlds.
 *
 * Built with -DCONFORMANCE_ACCEL the calls go through libaccel (embedded core); built
 * without, they are the plain system calls of a real kernel (run inside the oracle guest).
 * With -DCONFORMANCE_PLAIN_CALLS too, accel's devices are expected but the calls are the
 * plain ones at the kernel's paths: the suite against plain libc under `accel exec`
 * (tests/preload/, docs/preload.md).
 * Every result is printed as KEY=VALUE; return codes as 0, N or -ENAME.
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>

#include <drm/drm.h>

#ifndef DRM_IOCTL_NR
#define DRM_IOCTL_NR(n) _IOC_NR(n)
#endif

#if defined(CONFORMANCE_ACCEL) && !defined(CONFORMANCE_PLAIN_CALLS)
#include <libaccel.h>
#define c_open(p, f) accel_sys_open((p), (f))
#define c_close(fd) accel_sys_close(fd)
#define c_ioctl_raw(fd, r, a) accel_sys_ioctl((fd), (r), (a))
#define c_mmap(a, l, p, f, fd, o) accel_sys_mmap((a), (l), (p), (f), (fd), (o))
#define c_munmap(a, l) accel_sys_munmap((a), (l))
#else
#define c_open(p, f) open((p), (f))
#define c_close(fd) close(fd)
#define c_ioctl_raw(fd, r, a) ioctl((fd), (r), (a))
#define c_mmap(a, l, p, f, fd, o) mmap((a), (l), (p), (f), (fd), (o))
#define c_munmap(a, l) munmap((a), (l))
#endif

/* ioctls newer than Debian's libdrm headers, with the kernel's numbers and layouts. */
#include <uapi/drm/drm_ext.h>

#define KV(key, fmt, ...) do { printf("%s=" fmt "\n", (key), ##__VA_ARGS__); fflush(stdout); } while (0)

static inline const char *c_errname(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

/* "0", "5" or "-EINVAL" (rotating static buffers). */
static inline const char *rcstr(long rc)
{
	static char bufs[8][48];
	static int idx;
	char *b = bufs[idx++ & 7];

	if (rc < 0)
		snprintf(b, 48, "-%s", c_errname((int)-rc));
	else
		snprintf(b, 48, "%ld", rc);
	return b;
}

/* ioctl returning 0/positive or -errno, retrying EINTR like libdrm. */
static inline long xioctl(int fd, unsigned long req, void *arg)
{
	long r;

	do {
		r = c_ioctl_raw(fd, req, arg);
	} while (r == -1 && errno == EINTR);
	return r == -1 ? -(long)errno : r;
}

#define KRC(key, expr) ({ long _rc = (expr); KV((key), "%s", rcstr(_rc)); _rc; })

/* Build a key printf-style (rotating static buffers). */
static inline const char *kf(const char *fmt, ...)
{
	static char bufs[8][160];
	static int idx;
	char *b = bufs[idx++ & 7];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, 160, fmt, ap);
	va_end(ap);
	return b;
}

/* Where the node and attribute tree live: "/" on a kernel, $ACCEL_ROOT for accel. */
static inline const char *c_root(void)
{
#if defined(CONFORMANCE_ACCEL) && !defined(CONFORMANCE_PLAIN_CALLS)
	const char *r = getenv("ACCEL_ROOT");
	return r ? r : "";
#else
	return "";
#endif
}

/* mmap through the seam: 0 or -errno, the mapping in *p. */
static inline long c_mmap_rc(void **p, size_t len, int prot, int flags, int fd, uint64_t off)
{
	*p = c_mmap(NULL, len, prot, flags, fd, (off_t)off);
	return *p == MAP_FAILED ? -(long)errno : 0;
}

/* Two descriptors name the same file (the kernel's same-inode check for dma-bufs). */
static inline int c_same_inode(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) || fstat(b, &sb))
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * A buffer made outside any accel device: @size bytes of shared memory, filled with @fill.
 * On a real kernel a memfd is not a dma-buf, so it goes through /dev/udmabuf, which makes
 * one of it; in accel the memfd itself is the buffer. Returns a descriptor or -errno.
 */
#ifndef CONFORMANCE_ACCEL
#include <linux/udmabuf.h>
#endif
static inline int c_foreign_buffer(size_t size, int fill)
{
	int mfd = memfd_create("conformance-foreign", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	void *p;

	if (mfd < 0)
		return -errno;
	if (ftruncate(mfd, (off_t)size) || fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		close(mfd);
		return -errno;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p != MAP_FAILED) {
		memset(p, fill, size);
		munmap(p, size);
	}
#ifdef CONFORMANCE_ACCEL
	return mfd;
#else
	{
		struct udmabuf_create c = { .memfd = (__u32)mfd, .flags = UDMABUF_FLAGS_CLOEXEC,
					    .size = size };
		int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC), buf;

		buf = dev < 0 ? -errno : ioctl(dev, UDMABUF_CREATE, &c);
		if (buf < 0 && dev >= 0)
			buf = -errno;
		if (dev >= 0)
			close(dev);
		close(mfd);
		return buf;
	}
#endif
}

/* CLOCK_MONOTONIC now, in nanoseconds: the clock of syncobj wait timeouts. */
static inline int64_t c_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * poll() a descriptor for POLLIN for @ms milliseconds: 1 readable, 0 not, -errno. Descriptors
 * the core hands out (sync_files, eventfds) are real in both worlds, so plain poll works.
 */
#include <poll.h>
static inline long c_poll_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, ms);

	if (r < 0)
		return -errno;
	return r > 0 && (p.revents & POLLIN) ? 1 : 0;
}

/* Open the first accel node, as every area test does. */
static inline int c_open_accel0(void)
{
	int fd = c_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

#endif
