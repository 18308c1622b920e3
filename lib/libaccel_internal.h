/* SPDX-License-Identifier: MIT */
/* libaccel's private interfaces between its files. */
#ifndef LIBACCEL_INTERNAL_H
#define LIBACCEL_INTERNAL_H

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
 * files or through @nodes (acceld's sockets) when it is not NULL.
 */
int accel_fs_publish_start(const char *root, struct devnode_publisher *nodes);

/* embedded.c: make sure the embedded core runs (0 or -errno). */
int accel_embedded_ensure(void);

/* devpath.c: split a canonical path into the node path relative to /dev ("accel/accel0"). */
const char *accel_devpath_relative(const char *path);

/* builtin drivers (drivers/builtin.c). */
int accel_drivers_register_builtin(void);

#endif
