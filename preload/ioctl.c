// SPDX-License-Identifier: MIT
/*
 * ioctl. An emulated descriptor's ioctl goes through libaccel (accel_sys_ioctl), under the
 * guard so that libaccel's own libc calls are libc's. A SYNC_IOC_* ioctl on a descriptor the
 * shim does not know may be a sync_file the core made (a pipe): libaccel sends it to the core
 * that made it. Any other ioctl is the system call itself (direct.h).
 *
 * glibc declares ioctl variadic; the shim defines it with the third argument fixed, under the
 * name ioctl (this file does not include <sys/ioctl.h>), so that the pass-through spills no
 * register save area. A variadic call passes its third argument where a fixed one goes on the
 * ABIs Linux runs on (glibc's own ioctl is a fixed-argument system call stub on most).
 */
#include <errno.h>
#include <linux/sync_file.h>

#include <libaccel.h>
#include "direct.h"
#include "preload.h"

int preload_ioctl(int fd, unsigned long request, void *arg) __asm__("ioctl");

static __attribute__((noinline)) int ioctl_emulated(int fd, unsigned long request, void *arg)
{
	int ret, err;

	PRELOAD_ENTER();
	ret = accel_sys_ioctl(fd, request, arg);
	err = errno;
	PRELOAD_LEAVE();
	errno = err;
	return ret;
}

static __attribute__((noinline)) int ioctl_libc(int fd, unsigned long request, void *arg)
{
	return LIBC(ioctl)(fd, request, arg);
}

int preload_ioctl(int fd, unsigned long request, void *arg)
{
	if (__builtin_expect(!emul_fd_is(fd), 1)) {
		if (__builtin_expect(_IOC_TYPE(request) != SYNC_IOC_MAGIC, 1) || preload_in_lib ||
		    !__atomic_load_n(&emul_fd_used, __ATOMIC_RELAXED))
#ifdef PRELOAD_DIRECT
			return direct_result(direct_syscall3(SYS_ioctl, fd, (long)request, (long)arg));
#else
			return ioctl_libc(fd, request, arg);
#endif
	} else if (preload_in_lib) {
		return ioctl_libc(fd, request, arg);
	}
	return ioctl_emulated(fd, request, arg);
}
