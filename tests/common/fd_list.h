/* SPDX-License-Identifier: MIT */
/*
 * The descriptors this process has open, as the leak checks of the fuzzers and of the
 * tests count them: each entry of /proc/self/fd with what its link names (the directory's
 * own descriptor included, as every count here includes it).
 */
#ifndef TESTS_COMMON_FD_LIST_H
#define TESTS_COMMON_FD_LIST_H

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

/*
 * fd_list_each() - call @fn(@arg, name, target) for each open descriptor: @name its number
 * as text, @target what its /proc link names ("" when unreadable). @fn may be NULL (count).
 *
 * Return: how many there are, or -1 when /proc/self/fd cannot be read.
 */
static inline int fd_list_each(void (*fn)(void *arg, const char *name, const char *target),
			       void *arg)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[300], target[256];
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		n++;
		if (!fn)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		target[len < 0 ? 0 : len] = 0;
		fn(arg, e->d_name, target);
	}
	closedir(d);
	return n;
}

#endif
