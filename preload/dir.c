// SPDX-License-Identifier: MIT
/*
 * Directories of the devices (/dev/dri, /sys/class/accel...): opendir() and scandir() read
 * the root's directory; readdir() then needs nothing of the shim (it reads the DIR opened).
 * glibc's scandir() opens its directory inside libc, out of the shim's reach: interposed too.
 */
#include "preload.h"

DIR *opendir(const char *path)
{
	struct route r;

	if (route_path(path, &r) == ROUTE_TREE)
		return LIBC(opendir)(r.real);
	return LIBC(opendir)(path);
}

int scandir(const char *dir, struct dirent ***list, int (*filter)(const struct dirent *),
	    int (*compar)(const struct dirent **, const struct dirent **))
{
	struct route r;

	if (route_path(dir, &r) == ROUTE_TREE)
		return LIBC(scandir)(r.real, list, filter, compar);
	return LIBC(scandir)(dir, list, filter, compar);
}

int scandir64(const char *dir, struct dirent64 ***list, int (*filter)(const struct dirent64 *),
	      int (*compar)(const struct dirent64 **, const struct dirent64 **))
	__attribute__((alias("scandir")));
