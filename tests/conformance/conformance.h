/* SPDX-License-Identifier: MIT */
/*
 * conformance.h - one test source, two worlds.
 *
 * Built with -DCONFORMANCE_ACCEL the calls go through libaccel (embedded core); built
 * without, they are the plain system calls of a real kernel (run inside the oracle guest).
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

#include <drm/drm.h>

#ifndef DRM_IOCTL_NR
#define DRM_IOCTL_NR(n) _IOC_NR(n)
#endif

#ifdef CONFORMANCE_ACCEL
#include <libaccel.h>
#define c_open(p, f) accel_sys_open((p), (f))
#define c_close(fd) accel_sys_close(fd)
#define c_ioctl_raw(fd, r, a) accel_sys_ioctl((fd), (r), (a))
#define c_mmap(a, l, p, f, fd, o) accel_sys_mmap((a), (l), (p), (f), (fd), (o))
#else
#define c_open(p, f) open((p), (f))
#define c_close(fd) close(fd)
#define c_ioctl_raw(fd, r, a) ioctl((fd), (r), (a))
#define c_mmap(a, l, p, f, fd, o) mmap((a), (l), (p), (f), (fd), (o))
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
#ifdef CONFORMANCE_ACCEL
	const char *r = getenv("ACCEL_ROOT");
	return r ? r : "";
#else
	return "";
#endif
}

/* Open the first accel node, as every area test does. */
static inline int c_open_accel0(void)
{
	int fd = c_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

#endif
