// SPDX-License-Identifier: MIT
/*
 * The kernel backend: a node that is a char device of a running kernel (the accel or DRM
 * majors). It only opens: its descriptors are the kernel's, and every later call on them is
 * the plain system call (they have no entry in the descriptor table).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <accel/drm_accel.h>
#include "lib/backend.h"

static bool kernel_rdev_is_node(const struct stat *st)
{
	return S_ISCHR(st->st_mode) &&
	       (major(st->st_rdev) == ACCEL_MAJOR || major(st->st_rdev) == DRM_MAJOR);
}

bool accel_kernel_path_is_node(const char *path)
{
	struct stat st;

	return !stat(path, &st) && kernel_rdev_is_node(&st);
}

bool accel_kernel_fd_is_node(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && kernel_rdev_is_node(&st);
}

static int kernel_open(const char *path, int flags)
{
	int fd = open(path, flags);

	return fd < 0 ? -errno : fd;
}

const struct accel_backend_ops accel_backend_kernel = {
	.type = ACCEL_BACKEND_KERNEL,
	.open = kernel_open,
};
