/* SPDX-License-Identifier: MIT */
/*
 * What `accel info` and `accel top` read about devices without opening them: the class
 * directories (sys/class/accel, sys/class/drm), the parent device's attributes (memory
 * regions, engines, telemetry, SR-IOV), debugfs, of a real kernel (/sys) and of an accel
 * root (ROOT/sys, rendered by whoever publishes there).
 */
#ifndef ACCEL_TOOL_DEVSTAT_H
#define ACCEL_TOOL_DEVSTAT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libaccel.h>

#include "fdinfo_scan.h"

/**
 * struct devstat_source - one tree of devices and clients
 * @sysroot: "" for the running kernel, else an accel root: devices under @sysroot/sys,
 *	clients under @sysroot/proc
 * @backend: who serves its nodes (kernel, daemon, embedded)
 * @publisher: the process that publishes the root (0 for the kernel)
 */
struct devstat_source {
	char sysroot[PATH_MAX];
	enum accel_backend backend;
	pid_t publisher;
};

#define DEVSTAT_MAX_SOURCES 3

/**
 * devstat_sources() - the trees this process can read without starting a core: the kernel's
 * (unless nothing is there) and the root's when acceld or an embedded core publishes it
 * (unless ACCEL_BACKEND=kernel); also this process's own embedded core's root when it runs.
 * @v: filled with up to DEVSTAT_MAX_SOURCES sources
 *
 * Return: how many.
 */
size_t devstat_sources(struct devstat_source *v);

/** struct devstat_engine - an engine of engines/NAME/: busy_us, jobs, resets. */
struct devstat_engine {
	char name[32];
	/** @cls: the engine class (the name without its index), as drm-engine-<class> names it. */
	char cls[32];
	uint64_t busy_us, jobs, resets;
};

/** struct devstat_region - a memory region from the attributes REGION_total and REGION_used. */
struct devstat_region {
	char name[32];
	uint64_t total, used;
	int have_used;
};

/** struct devstat_attr - a one-line attribute of the parent device (telemetry, parameters). */
struct devstat_attr {
	char name[64];
	char value[128];
};

#define DEVSTAT_MAX_ENGINES 32
#define DEVSTAT_MAX_REGIONS 8
#define DEVSTAT_MAX_ATTRS 64

/**
 * struct devstat_device - one node and its parent device's state
 * @src: the tree it was found in
 * @node: "accel0", "card0", "renderD128"
 * @path: the canonical node path ("/dev/accel/accel0")
 * @drm_driver: the DRM driver's name (debugfs NAME/name, else the parent's driver link),
 *	what a client's drm-driver says
 * @parent: the parent device's name
 * @devdir: the parent device's directory (under the tree)
 * @debugfs: the device's debugfs directory, "" when not found (debugfs not mounted)
 * @sriov_total: @sriov_num: the parent's sriov_totalvfs and sriov_numvfs, -1 when absent
 */
struct devstat_device {
	const struct devstat_source *src;
	char node[32];
	char path[64];
	int is_accel;
	unsigned int major, minor;
	char drm_driver[64];
	char parent[128];
	char devdir[PATH_MAX];
	char debugfs[PATH_MAX];
	struct devstat_engine engines[DEVSTAT_MAX_ENGINES];
	size_t nr_engines;
	struct devstat_region regions[DEVSTAT_MAX_REGIONS];
	size_t nr_regions;
	struct devstat_attr attrs[DEVSTAT_MAX_ATTRS];
	size_t nr_attrs;
	long sriov_total, sriov_num;
};

/**
 * devstat_scan() - append the nodes of @src (accel nodes; with @include_drm card and renderD
 * too) with their current state to *@v (a malloc'd array of *@n, grown here)
 *
 * Return: 0 or -ENOMEM.
 */
int devstat_scan(const struct devstat_source *src, int include_drm, struct devstat_device **v,
		 size_t *n);

/** devstat_refresh() - read @d's engine counters and memory regions again. */
void devstat_refresh(struct devstat_device *d);

/**
 * devstat_match() - @want names @d: its node ("accel0"), its path, or an accel node's index
 */
int devstat_match(const struct devstat_device *d, const char *want);

/**
 * devstat_scan_clients() - append the clients of @src to @l: the kernel's /proc fdinfo or
 * the root's ROOT/proc fdinfo
 *
 * Return: 0 or -ENOMEM.
 */
int devstat_scan_clients(const struct devstat_source *src, struct fdinfo_list *l);

/**
 * devstat_client_device() - the device of @v (@n) that client @c uses, or NULL
 *
 * A kernel's client is matched by its node's device numbers. A root's fdinfo does not say
 * which node the client opened; it is matched by its drm-driver when one device of its tree
 * has that driver, else unknown (NULL).
 */
const struct devstat_device *devstat_client_device(const struct fdinfo_client *c,
						   const struct devstat_source *src,
						   const struct devstat_device *v, size_t n);

#endif /* ACCEL_TOOL_DEVSTAT_H */
