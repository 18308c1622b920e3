/* SPDX-License-Identifier: MIT */
/**
 * DOC: host/host.h - hosting the accel core in a process.
 *
 * What acceld and libaccel's embedded backend share to run the core: start it with the
 * built-in drivers, apply a configuration (the devices it lists), publish the attribute tree
 * and the nodes under a root, and own that root (one publisher per root, ROOT/accel.lock).
 * Nothing here is libaccel's public API except what include/libaccel.h declares
 * (accel_root(), accel_default_root()).
 */
#ifndef ACCEL_HOST_H
#define ACCEL_HOST_H

#include <stdbool.h>
#include <sys/types.h>

struct devnode_publisher;
struct platform_device;

/* core.c: the core and its drivers */

/**
 * accel_host_core_init() - start the core (drm_core_init()) and register the built-in
 * drivers, once per process. Returns 0 or -errno.
 */
int accel_host_core_init(void);

/* config.c: the configuration (docs/config.md) */

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

/**
 * accel_config_apply() - create the platform devices configuration @text lists (@origin
 * names it in messages). @res (may be NULL) receives the [nodes] settings and the devices
 * added (the caller frees res->devices). Returns 0 or -errno.
 */
int accel_config_apply(const char *text, const char *origin, struct accel_config_result *res);

/**
 * accel_read_text_file() - the whole text of the file @path (malloc'd), or NULL with *@err
 * set to -errno.
 */
char *accel_read_text_file(const char *path, int *err);

/* fs_publish.c: the tree under the root */

/**
 * accel_fs_publish_start() - publish the attribute tree as files under @root, and the nodes
 * as empty files, or through @nodes (acceld's sockets) when it is not NULL. The caller holds
 * @root's lock (accel_root_lock()): what an earlier publisher left there is removed first.
 * Returns 0 or -errno.
 */
int accel_fs_publish_start(const char *root, struct devnode_publisher *nodes);

/**
 * accel_fs_publish_live() - the attribute tree is served live (FUSE, host/fuse_attr.c) under
 * the root rather than rendered into files.
 */
bool accel_fs_publish_live(void);

/* fuse_attr.c: ROOT/sys and ROOT/proc as FUSE file systems (docs/config.md) */

/** accel_fuse_wanted() - $ACCEL_FUSE does not turn FUSE off ("0"). */
bool accel_fuse_wanted(void);
/**
 * accel_fuse_start() - mount the tree's sys and proc directories on @root/sys and @root/proc
 * (existing directories) and serve them from threads of this process until
 * accel_fuse_stop() or exit. 0, or -errno where FUSE cannot mount (nothing stays mounted).
 */
int accel_fuse_start(const char *root);
/** accel_fuse_running() - this process serves the tree over FUSE. */
bool accel_fuse_running(void);
/** accel_fuse_stop() - stop serving and unmount (waits for the calls being served). */
void accel_fuse_stop(void);
/**
 * accel_fuse_unmount_stale() - lazily detach the attribute mounts under @root left by
 * processes that are gone; with @own (the caller holds @root's lock) also whatever is
 * mounted on @root/sys and @root/proc.
 */
void accel_fuse_unmount_stale(const char *root, bool own);
/**
 * accel_fuse_extra_link() - show a symlink at @sys_path under the sys mount
 * ("kernel/debug/sync/sw_sync"), beside the tree, pointing at @target (with the directories
 * leading to it): how a device node published under sys is reached. 0 or -errno.
 */
int accel_fuse_extra_link(const char *sys_path, const char *target);
/** accel_fuse_extra_remove() - remove what accel_fuse_extra_link() added at @sys_path. */
void accel_fuse_extra_remove(const char *sys_path);
/** accel_fuse_publisher() - the attribute publisher of FUSE mode (wakes pollers). */
struct attr_publisher *accel_fuse_publisher(void);

/** accel_mkdir_p() - create directory @path and its parents with @mode; 0 or -errno. */
int accel_mkdir_p(const char *path, mode_t mode);
/** accel_rm_rf() - remove the tree @path, as far as possible. */
void accel_rm_rf(const char *path);

/* root.c: the root and who publishes under it */

/*
 * One process publishes under a root at a time: it holds an OFD write lock on
 * ROOT/accel.lock, whose text names it ("acceld PID", "embedded PID").
 */
#define ACCEL_ROOT_LOCK_FILE "accel.lock"

/** enum accel_root_holder - who publishes under a root. */
enum accel_root_holder {
	ACCEL_ROOT_FREE,	/* nobody publishes there */
	ACCEL_ROOT_ACCELD,	/* acceld serves it */
	ACCEL_ROOT_EMBEDDED,	/* a process's embedded core publishes there */
	ACCEL_ROOT_HELD,	/* locked by a process that did not say what it is */
};

/** struct accel_root_owner - the publisher of a root and its process. */
struct accel_root_owner {
	enum accel_root_holder holder;
	pid_t pid;
};

/**
 * accel_root_shared() - the root $ACCEL_ROOT (or the default) names, whatever this process
 * publishes under.
 */
const char *accel_root_shared(void);
/**
 * accel_root_lock() - take @root's lock as @role ("acceld", "embedded"): the descriptor that
 * holds it (keep it open while publishing), -EBUSY with *@held_by (may be NULL) filled in
 * when another process holds it, or -errno.
 */
int accel_root_lock(const char *root, const char *role, struct accel_root_owner *held_by);
/**
 * accel_root_owner() - who publishes under @root (ACCEL_ROOT_FREE when nobody does):
 * 0 or -errno.
 */
int accel_root_owner(const char *root, struct accel_root_owner *o);
/** accel_root_owner_name() - "acceld", "an embedded libaccel core"... for messages. */
const char *accel_root_owner_name(enum accel_root_holder h);
/**
 * accel_root_has_node_sockets() - @root holds node sockets (what a daemon that died without
 * cleaning up leaves).
 */
bool accel_root_has_node_sockets(const char *root);
/** accel_root_private_path() - the private root of this process: <shared root>/private/<pid>. */
const char *accel_root_private_path(void);
/** accel_root_private_use() - from now on accel_root() answers the private root. */
void accel_root_private_use(void);
/**
 * accel_root_sweep_private() - remove the private roots under @root whose processes are
 * gone.
 */
void accel_root_sweep_private(const char *root);
/**
 * accel_devpath_relative() - split a canonical path ("/dev/accel/accel0",
 * "<root>/dev/accel/accel0") into the node path relative to /dev ("accel/accel0"), or NULL.
 */
const char *accel_devpath_relative(const char *path);
/**
 * accel_node_relative() - the devnode path of what @path opens, into @buf: a node under /dev
 * as accel_devpath_relative() gives it, or a debugfs file that opens like a node
 * ("/sys/kernel/debug/sync/sw_sync", "<root>/sys/...") named from /dev
 * ("../sys/kernel/debug/sync/sw_sync"). 0, -ENOENT for any other path, or -ENAMETOOLONG.
 */
int accel_node_relative(const char *path, char *buf, size_t size);

/* embedded.c: the core in a process that uses libaccel */

/**
 * accel_host_embedded_start() - start the core in this process, once: the built-in drivers,
 * published under the root (or this process's private root when another process publishes
 * there), with the devices of configuration text @config (NULL: $ACCEL_CONFIG's file, else
 * the built-in configuration). Returns 0, -EALREADY when it runs already, or -errno (the
 * first start's failure, on every later call).
 */
int accel_host_embedded_start(const char *config);
/**
 * accel_host_embedded_started() - the embedded core runs (or failed to start) in this
 * process.
 */
bool accel_host_embedded_started(void);

#endif
