/* SPDX-License-Identifier: MIT */
/*
 * The clients of DRM and accel devices, from the fdinfo files the kernel (and accel's core)
 * render: Documentation/gpu/drm-usage-stats.rst's keys (drm-driver, drm-client-id,
 * drm-engine-<class>, drm-engine-capacity-<class>, drm-<stat>-<region>), found in a real
 * kernel's /proc/PID/fdinfo/FD for descriptors of char devices of major 226 (DRM) or 261
 * (accel), and in an accel root's ROOT/proc/PID/fdinfo/CLIENT_ID files.
 */
#ifndef ACCEL_TOOL_FDINFO_SCAN_H
#define ACCEL_TOOL_FDINFO_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FDINFO_MAX_ENGINES 16
#define FDINFO_MAX_REGIONS 8

/* The majors of the char devices whose descriptors carry drm-usage-stats. */
#define FDINFO_DRM_MAJOR 226
#define FDINFO_ACCEL_MAJOR 261

/** struct fdinfo_engine - one drm-engine-<class> key: the client's busy time on the class. */
struct fdinfo_engine {
	char name[32];
	uint64_t ns;
	/** @capacity: drm-engine-capacity-<class>, the engines of the class (1 when absent). */
	unsigned int capacity;
};

/**
 * struct fdinfo_region - the drm-<stat>-<region> keys of one memory region, in bytes.
 * @have: which of the FDINFO_MEM_* stats the file printed.
 */
struct fdinfo_region {
	char name[32];
	uint64_t total, shared, resident, active, purgeable;
	unsigned int have;
};

enum {
	FDINFO_MEM_TOTAL = 1 << 0,
	FDINFO_MEM_SHARED = 1 << 1,
	FDINFO_MEM_RESIDENT = 1 << 2,
	FDINFO_MEM_ACTIVE = 1 << 3,
	FDINFO_MEM_PURGEABLE = 1 << 4,
};

/**
 * struct fdinfo_client - one DRM client (an open file of a device) of one process.
 * @pid: the process that holds it
 * @comm: the process's command name (/proc/PID/comm; "" when it cannot be read)
 * @driver: drm-driver
 * @client_id: drm-client-id (unique per boot, or per accel core)
 * @client_name: drm-client-name, "" when unset
 * @pdev: drm-pdev (a PCI device's address), "" when absent
 * @usage_stats: the fdinfo had drm-usage-stats keys; 0 for a kernel driver that renders none
 *	(its file operations lack show_fdinfo): then the descriptor alone says that @pid
 *	holds the node, @driver is "" and @client_id 0
 * @fd: the descriptor it was seen on (a real kernel's); -1 for a root's fdinfo
 * @major: @minor: the node's device numbers (st_rdev); 0:0 for a root's fdinfo, which does
 *	not say which node the client opened
 */
struct fdinfo_client {
	pid_t pid;
	char comm[64];
	char driver[64];
	uint64_t client_id;
	char client_name[64];
	char pdev[64];
	int usage_stats;
	int fd;
	unsigned int major, minor;
	struct fdinfo_engine engines[FDINFO_MAX_ENGINES];
	size_t nr_engines;
	struct fdinfo_region regions[FDINFO_MAX_REGIONS];
	size_t nr_regions;
};

/** struct fdinfo_list - a growable array of clients. */
struct fdinfo_list {
	struct fdinfo_client *v;
	size_t n, cap;
};

/**
 * fdinfo_parse() - fill @c's usage keys from the text of one fdinfo file
 * @text: the file's text (NUL-terminated)
 * @c: the client; its pid, comm, fd and device numbers are left as they are
 *
 * Unknown keys are skipped, as drm-usage-stats asks of readers.
 * Return: 0, or -ENOENT when the text has no drm-driver key (not a DRM client).
 */
int fdinfo_parse(const char *text, struct fdinfo_client *c);

/**
 * fdinfo_scan_proc() - append the DRM and accel clients of every process of a procfs
 * @proc: the procfs mount ("/proc")
 * @l: the list appended to
 *
 * A client seen on several descriptors of one process (dup(), SCM_RIGHTS) is listed once;
 * so is a node held through descriptors without usage keys (one entry per process and node).
 * Processes that vanish or that this user may not inspect are skipped.
 * Return: 0 or -ENOMEM.
 */
int fdinfo_scan_proc(const char *proc, struct fdinfo_list *l);

/**
 * fdinfo_scan_root() - append the clients an accel root's ROOT/proc/PID/fdinfo/ID files show
 * @root: the root
 * @l: the list appended to
 *
 * Return: 0 or -ENOMEM.
 */
int fdinfo_scan_root(const char *root, struct fdinfo_list *l);

/**
 * fdinfo_find() - the client of @l that is @c (same pid, driver, client id and node), or NULL
 */
const struct fdinfo_client *fdinfo_find(const struct fdinfo_list *l, const struct fdinfo_client *c);

/** fdinfo_engine_find() - @c's engine class @name, or NULL. */
const struct fdinfo_engine *fdinfo_engine_find(const struct fdinfo_client *c, const char *name);

/** fdinfo_list_free() - free @l's array and empty it. */
void fdinfo_list_free(struct fdinfo_list *l);

/**
 * fdinfo_read_file() - read a whole small text file (at most @size - 1 bytes) into @buf
 *
 * Return: the length read, or -errno.
 */
ssize_t fdinfo_read_file(const char *path, char *buf, size_t size);

#endif /* ACCEL_TOOL_FDINFO_SCAN_H */
