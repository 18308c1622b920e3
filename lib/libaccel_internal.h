/* SPDX-License-Identifier: MIT */
/* libaccel's private interfaces between its files. */
#ifndef LIBACCEL_INTERNAL_H
#define LIBACCEL_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <libaccel.h>

struct platform_device;

/** struct accel_config_result - what applying a configuration made (for acceld). */
struct accel_config_result {
	/* The [nodes] section: owner, group and mode of the node sockets. */
	int nodes_set;
	uid_t node_uid;
	gid_t node_gid;
	mode_t node_mode;
	/* The devices added, in order. */
	struct platform_device **devices;
	unsigned int num_devices;
};

/*
 * config.c: create the platform devices a configuration text lists; @res (may be NULL)
 * receives the [nodes] settings and the devices (free res->devices).
 */
int accel_config_apply(const char *text, const char *origin, struct accel_config_result *res);

/* embedded.c: read a whole text file (malloc'd) or NULL with *err set. */
char *accel_read_text_file(const char *path, int *err);

struct devnode_publisher;

/*
 * fs_publish.c: publish the attribute tree as files under @root, and the nodes as empty
 * files or through @nodes (acceld's sockets) when it is not NULL. The caller holds @root's
 * lock (accel_root_lock()): what an earlier publisher left there is removed first.
 */
int accel_fs_publish_start(const char *root, struct devnode_publisher *nodes);

/* embedded.c: make sure the embedded core runs (0 or -errno). */
int accel_embedded_ensure(void);

/*
 * root.c: split a canonical path ("/dev/accel/accel0", "<root>/dev/accel/accel0") into the
 * node path relative to /dev ("accel/accel0"), or NULL.
 */
const char *accel_devpath_relative(const char *path);

/*
 * root.c: the publisher of a root. One process publishes under a root at a time: it holds
 * an OFD write lock on ROOT/accel.lock, whose text names it ("acceld PID", "embedded PID").
 */
#define ACCEL_ROOT_LOCK_FILE "accel.lock"

enum accel_root_holder {
	ACCEL_ROOT_FREE,	/* nobody publishes there */
	ACCEL_ROOT_ACCELD,	/* acceld serves it */
	ACCEL_ROOT_EMBEDDED,	/* a process's embedded core publishes there */
	ACCEL_ROOT_HELD,	/* locked by a process that did not say what it is */
};

struct accel_root_owner {
	enum accel_root_holder holder;
	pid_t pid;
};

/* The root $ACCEL_ROOT (or the default) names, whatever this process publishes under. */
const char *accel_root_shared(void);
/*
 * Take @root's lock as @role ("acceld", "embedded"): the descriptor that holds it (keep it
 * open while publishing), -EBUSY with *@held_by filled in when another process holds it,
 * or -errno.
 */
int accel_root_lock(const char *root, const char *role, struct accel_root_owner *held_by);
/* Who publishes under @root (ACCEL_ROOT_FREE when nobody does): 0 or -errno. */
int accel_root_owner(const char *root, struct accel_root_owner *o);
/* "acceld", "an embedded libaccel core"... for messages. */
const char *accel_root_owner_name(enum accel_root_holder h);
/* @root holds node sockets (what a daemon that died without cleaning up leaves). */
bool accel_root_has_node_sockets(const char *root);
/* The private root of this process: <shared root>/private/<pid>. */
const char *accel_root_private_path(void);
/* From now on accel_root() answers the private root. */
void accel_root_private_use(void);
/* Remove the private roots under @root whose processes are gone. */
void accel_root_sweep_private(const char *root);

/* fs_publish.c: create a directory and its parents; remove a tree. */
int accel_mkdir_p(const char *path, mode_t mode);
void accel_rm_rf(const char *path);

/* embedded.c: the embedded core runs (or failed to start) in this process. */
bool accel_embedded_started(void);

/*
 * sys.c: the backend that serves the root's nodes to this process (ACCEL_BACKEND_DAEMON or
 * ACCEL_BACKEND_EMBEDDED, starting the embedded core when it is chosen), by the rules of
 * include/libaccel.h; 0 or -errno.
 */
int accel_root_backend(enum accel_backend *out);

/* builtin drivers (drivers/builtin.c). */
int accel_drivers_register_builtin(void);

#endif
