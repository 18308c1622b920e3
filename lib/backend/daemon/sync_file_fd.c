// SPDX-License-Identifier: MIT
/*
 * SYNC_IOC_* ioctls on sync_file descriptors made by accel. Such a descriptor is a pipe and
 * belongs to no open file of the library: the core that made it answers, the embedded one
 * in this process or acceld (through any connection this process holds). Anything else,
 * a real kernel's sync_file included, gets the plain system call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <accel/dma_fence.h>
#include <accel/sync_file.h>
#include "daemon.h"

int accel_sync_file_ioctl(int fd, unsigned long request, void *arg)
{
	struct dma_fence *fence;
	struct stat st;
	long ret;

	if (fstat(fd, &st) || !S_ISFIFO(st.st_mode))
		return ioctl(fd, request, arg);
	fence = sync_file_fence_of_fd(fd);
	if (fence) {
		dma_fence_put(fence);
		ret = sync_file_ioctl(fd, (unsigned int)request, (unsigned long)arg);
	} else {
		ret = accel_daemon_sync_file_ioctl(fd, request, arg);
	}
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return (int)ret;
}
