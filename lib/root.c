// SPDX-License-Identifier: MIT
/* Where the nodes and attribute files live: $ACCEL_ROOT, else a per-user default. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaccel_internal.h"

static pthread_once_t root_once = PTHREAD_ONCE_INIT;
static char root_path[PATH_MAX];
static char default_root_path[64];

const char *accel_default_root(void)
{
	if (!default_root_path[0]) {
		if (geteuid() == 0)
			snprintf(default_root_path, sizeof(default_root_path), "/run/accel");
		else
			snprintf(default_root_path, sizeof(default_root_path), "/tmp/accel-%u",
				 (unsigned int)geteuid());
	}
	return default_root_path;
}

static void root_init(void)
{
	const char *env = getenv("ACCEL_ROOT");
	size_t len;

	snprintf(root_path, sizeof(root_path), "%s", env && *env ? env : accel_default_root());
	len = strlen(root_path);
	while (len > 1 && root_path[len - 1] == '/')
		root_path[--len] = 0;
}

const char *accel_root(void)
{
	pthread_once(&root_once, root_init);
	return root_path;
}

const char *accel_devpath_relative(const char *path)
{
	const char *root = accel_root();
	size_t rlen = strlen(root);

	/* "<root>/dev/x" and "/dev/x" both name node "x". */
	if (!strncmp(path, root, rlen) && path[rlen] == '/')
		path += rlen;
	if (strncmp(path, "/dev/", 5))
		return NULL;
	return path + 5;
}
