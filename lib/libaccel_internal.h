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

/*
 * attr.c: a file of the root's attribute tree, by its path relative to the root
 * ("sys/kernel/debug/accel/vnpu.0/state", "proc/PID/fdinfo/ID"), through whoever serves the
 * root (the embedded core, or acceld over the wire): its live value rendered by its show
 * callback (accel_attr_read(): 0 and a malloc'd NUL-terminated text in *@out, its length in
 * *@len when not NULL), or @len bytes given to its store callback (accel_attr_write(): the
 * bytes taken). -errno on failure: -ENOENT (no such file), -EACCES, -EISDIR, the callback's.
 */
int accel_attr_read(const char *path, char **out, size_t *len);
ssize_t accel_attr_write(const char *path, const void *buf, size_t len);

#endif
