/* SPDX-License-Identifier: MIT */
/* libaccel's private interfaces between its files. */
#ifndef LIBACCEL_INTERNAL_H
#define LIBACCEL_INTERNAL_H

#include <libaccel.h>

/* backend/embedded.c: make sure the embedded core runs (0 or -errno). */
int accel_embedded_ensure(void);

/*
 * sys.c: the backend that serves the root's nodes to this process (ACCEL_BACKEND_DAEMON or
 * ACCEL_BACKEND_EMBEDDED, starting the embedded core when it is chosen), by the rules of
 * include/libaccel.h; 0 or -errno.
 */
int accel_root_backend(enum accel_backend *out);

struct attr_node;
/**
 * accel_attr_rel_path() - @path (accel_attr_read()'s forms) as a path under the root
 * ("sys/...", "proc/..."), or NULL when it names nothing there.
 */
const char *accel_attr_rel_path(const char *path);
/**
 * accel_attr_node_get() - the attribute file at @rel ("sys/...", "proc/...") of this
 * process's core, held (attr_put() it), or an ERR_PTR.
 */
struct attr_node *accel_attr_node_get(const char *rel);

#endif
