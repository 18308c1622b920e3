// SPDX-License-Identifier: MIT
/*
 * devstat_sources(): which trees of devices this process reads (devstat.h). Reads the root's
 * lock to learn who publishes there, so that a tool never starts a core of its own just to
 * look (an embedded core of this command would publish its own devices elsewhere).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/host.h"
#include "devstat.h"

static void add(struct devstat_source *v, size_t *n, const char *sysroot, enum accel_backend b,
		pid_t publisher)
{
	snprintf(v[*n].sysroot, sizeof(v[*n].sysroot), "%s", sysroot);
	v[*n].backend = b;
	v[*n].publisher = publisher;
	(*n)++;
}

size_t devstat_sources(struct devstat_source *v)
{
	const char *env = getenv("ACCEL_BACKEND");
	struct accel_root_owner owner;
	const char *shared;
	size_t n = 0;

	add(v, &n, "", ACCEL_BACKEND_KERNEL, 0);
	if (env && !strcmp(env, "kernel"))
		return n;
	shared = accel_root_shared();
	if (!accel_root_owner(shared, &owner)) {
		if (owner.holder == ACCEL_ROOT_ACCELD && (!env || !strcmp(env, "daemon")))
			add(v, &n, shared, ACCEL_BACKEND_DAEMON, owner.pid);
		else if (owner.holder == ACCEL_ROOT_EMBEDDED)
			add(v, &n, shared, ACCEL_BACKEND_EMBEDDED, owner.pid);
	}
	/* This process's own core, published under its private root. */
	if (strcmp(accel_root(), shared))
		add(v, &n, accel_root(), ACCEL_BACKEND_EMBEDDED, getpid());
	return n;
}
