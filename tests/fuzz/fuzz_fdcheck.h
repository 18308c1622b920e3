/* SPDX-License-Identifier: MIT */
/*
 * Descriptor leaks: LeakSanitizer sees memory only, so every target counts its open
 * descriptors after each input and aborts (a crash libFuzzer records) when they have grown
 * past what the first input left by more than the core's caches and singletons explain.
 */
#ifndef FUZZ_FDCHECK_H
#define FUZZ_FDCHECK_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <accel/drm_syncobj.h>
#include <accel/sync_file.h>

#include "../common/fd_list.h"

/*
 * The core keeps up to 64 memfds of freed GEM objects for reuse (core/drm_gem.c's pool):
 * descriptors of that name are counted apart and may grow by that much.
 */
#define FZ_GEM_POOL_FDS 64
/*
 * Descriptors the core makes once, lazily (a publisher's wake-up pipe...), may appear after
 * the first input: a leak is a count that keeps growing past this much ($FUZZ_FD_SLACK).
 */
#define FZ_FD_SLACK 8

static inline void fz_fd_count_one(void *arg, const char *name, const char *target)
{
	int *counts = arg; /* [0] other, [1] GEM memfds */

	(void)name;
	counts[strncmp(target, "/memfd:accel-gem", 16) ? 0 : 1]++;
}

static inline void fz_fd_count(int *other, int *gem)
{
	int counts[2] = { 0, 0 };

	fd_list_each(fz_fd_count_one, counts);
	*other = counts[0];
	*gem = counts[1];
}

/* What each open descriptor is, for the report of a leak. */
static inline void fz_fd_print(void *arg, const char *name, const char *target)
{
	(void)arg;
	fprintf(stderr, "  fd %s -> %s\n", name, target);
}

static inline void fz_fd_check(void)
{
	static int base_other = -1, base_gem, slack = -1;
	int other, gem;

	if (slack < 0)
		slack = getenv("FUZZ_FD_SLACK") ? atoi(getenv("FUZZ_FD_SLACK")) : FZ_FD_SLACK;

	/*
	 * Exported syncobjs and sync_files are let go lazily, at the next sweep; a descriptor
	 * another thread is closing (a connection of acceld going away) may still be there:
	 * sweep, and look again for up to 2.5 s before calling it a leak. What has no bound in
	 * wall-clock time must be waited for on its event before this check: fuzz_vnpu waits
	 * for the device's jobs to be freed (a job outlives its closed file, as in the kernel;
	 * under heavy load one held a GEM object past these 2.5 s, docs/RELIABILITY.md R1).
	 */
	for (int tries = 0;; tries++) {
		drm_syncobj_fd_count();
		sync_file_count();
		fz_fd_count(&other, &gem);
		if (base_other < 0) {
			base_other = other;
			base_gem = gem;
			return;
		}
		if (other <= base_other + slack && gem <= base_gem + FZ_GEM_POOL_FDS)
			return;
		if (tries == 100)
			break;
		usleep(25000);
	}
	fprintf(stderr, "fuzz: descriptors open after the input: %d (+%d GEM memfds), after the first: %d (+%d): a descriptor leaked\n",
		other, gem, base_other, base_gem);
	fd_list_each(fz_fd_print, NULL);
	abort();
}

#endif
