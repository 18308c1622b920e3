// SPDX-License-Identifier: MIT
/*
 * The part of libaccel that accel-kernel needs, for a kernel's nodes only: the system calls
 * themselves (a kernel serves every node there is), no root. lib/devices.c is linked as it
 * is; with ACCEL_BACKEND=kernel it never asks for the root, and without it the root's answer
 * is -ENODEV ("no such tree here"), which lib/devices.c reports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libaccel.h>

#include "lib/libaccel_internal.h"
#include "host/host.h"
#include "tools/accel/devstat.h"

int accel_sys_open(const char *path, int flags)
{
	return open(path, flags);
}

int accel_sys_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

int accel_sys_close(int fd)
{
	return close(fd);
}

const char *accel_backend_name(enum accel_backend b)
{
	switch (b) {
	case ACCEL_BACKEND_KERNEL: return "kernel";
	case ACCEL_BACKEND_DAEMON: return "daemon";
	case ACCEL_BACKEND_EMBEDDED: return "embedded";
	default: return "none";
	}
}

const char *accel_root(void)
{
	return "(none: accel-kernel reads the kernel only)";
}

const char *accel_root_shared(void)
{
	return accel_root();
}

int accel_root_backend(enum accel_backend *out)
{
	(void)out;
	return -ENODEV;
}

size_t devstat_sources(struct devstat_source *v)
{
	memset(v, 0, sizeof(*v));
	v->backend = ACCEL_BACKEND_KERNEL;
	return 1;
}
