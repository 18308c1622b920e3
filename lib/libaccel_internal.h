/* SPDX-License-Identifier: MIT */
/* libaccel's private interfaces between its files. */
#ifndef LIBACCEL_INTERNAL_H
#define LIBACCEL_INTERNAL_H

#include <libaccel.h>

/* config.c: create the platform devices a configuration text lists. */
int accel_config_apply(const char *text, const char *origin);

/* fs_publish.c: publish the attribute tree and nodes as files under @root. */
int accel_fs_publish_start(const char *root);

/* embedded.c: make sure the embedded core runs (0 or -errno). */
int accel_embedded_ensure(void);

/* devpath.c: split a canonical path into the node path relative to /dev ("accel/accel0"). */
const char *accel_devpath_relative(const char *path);

/* builtin drivers (drivers/builtin.c). */
int accel_drivers_register_builtin(void);

#endif
