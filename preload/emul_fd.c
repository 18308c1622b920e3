// SPDX-License-Identifier: MIT
/*
 * The emulated-descriptor table. An emulated descriptor is a real descriptor of this process
 * (libaccel's: the embedded backend's pipe, acceld's socket), so the kernel reserves its
 * number, and select/poll/epoll, dup and fork see a real file. The table only says which
 * numbers stand for a device and which node: one atomic word per descriptor, indexed by the
 * number, so that a call on any other descriptor costs one load and no lock.
 *
 * The array is in .bss: the pages of numbers never used are never touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>

#include "preload.h"

/* valid | daemon | nonblock | - | access mode (2 bits) | major (10 bits) | minor (16 bits) */
#define EMUL_VALID (1u << 31)
#define EMUL_DAEMON (1u << 30)
#define EMUL_NONBLOCK (1u << 29)
#define EMUL_ACC_SHIFT 26
#define EMUL_MAJOR_SHIFT 16

_Atomic uint32_t emul_table[EMUL_FD_MAX];
bool emul_fd_used;
/* One past the highest descriptor ever emulated: bounds the scan of exec. */
static atomic_int emul_fd_high;

bool emul_fd_get(int fd, struct emul_fd *e)
{
	uint32_t v;

	if ((unsigned int)fd >= EMUL_FD_MAX)
		return false;
	v = atomic_load_explicit(&emul_table[fd], memory_order_acquire);
	if (!v)
		return false;
	e->daemon = v & EMUL_DAEMON;
	e->nonblock = v & EMUL_NONBLOCK;
	e->major = (v >> EMUL_MAJOR_SHIFT) & 0x3ff;
	e->minor = v & 0xffff;
	e->accmode = (v >> EMUL_ACC_SHIFT) & 3;
	return true;
}

bool emul_fd_set(int fd, const struct emul_fd *e)
{
	uint32_t v = EMUL_VALID | (e->daemon ? EMUL_DAEMON : 0) | (e->nonblock ? EMUL_NONBLOCK : 0) |
		     ((e->major & 0x3ff) << EMUL_MAJOR_SHIFT) | (e->minor & 0xffff) |
		     ((e->accmode & 3u) << EMUL_ACC_SHIFT);

	if ((unsigned int)fd >= EMUL_FD_MAX)
		return false;
	__atomic_store_n(&emul_fd_used, true, __ATOMIC_RELAXED);
	for (int high = atomic_load(&emul_fd_high); high <= fd;)
		if (atomic_compare_exchange_weak(&emul_fd_high, &high, fd + 1))
			break;
	atomic_store_explicit(&emul_table[fd], v, memory_order_release);
	return true;
}

bool emul_fd_clear(int fd)
{
	if ((unsigned int)fd >= EMUL_FD_MAX)
		return false;
	return atomic_exchange_explicit(&emul_table[fd], 0, memory_order_acq_rel) != 0;
}

int emul_fd_limit(void)
{
	return atomic_load(&emul_fd_high);
}

int emul_fd_env_format(char *buf, size_t size, bool cloexec_too)
{
	size_t len = 0;

	buf[0] = 0;
	if (!__atomic_load_n(&emul_fd_used, __ATOMIC_RELAXED))
		return 0;
	for (int fd = 0, high = atomic_load(&emul_fd_high); fd < high; fd++) {
		struct emul_fd e;
		int n;

		if (!emul_fd_get(fd, &e) || !e.daemon)
			continue;
		if (!cloexec_too && (LIBC(fcntl)(fd, F_GETFD) & FD_CLOEXEC))
			continue;
		n = snprintf(buf + len, size - len, "%s%d:%u:%u:%u", len ? "," : "", fd, e.major, e.minor, e.accmode);
		if (n < 0 || (size_t)n >= size - len)
			return -ENOSPC;
		len += (size_t)n;
	}
	return (int)len;
}
