/* SPDX-License-Identifier: MIT */
/* libaccel's daemon backend: the connections to acceld (daemon.c). */
#ifndef LIBACCEL_DAEMON_H
#define LIBACCEL_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/backend.h"

struct daemon_conn;

/* Connect to a node socket and open it; NULL with *err = -errno. */
struct daemon_conn *accel_daemon_open(const char *sock_path, int flags, int *err);
/* The connection's descriptor (the one handed to the caller). */
int accel_daemon_fd(struct daemon_conn *c);
/*
 * Take over @sock, a connection's socket this process inherited through exec() (the open file
 * lives on in acceld): it attaches a socket of its own, as a forked child does. NULL with
 * *err = -errno; @sock stays open either way.
 */
struct daemon_conn *accel_daemon_adopt(int sock, int *err);
/*
 * Descriptor @closed of the connection's socket was closed while @other, a dup() of it,
 * lives on: the connection talks on @other from now on.
 */
void accel_daemon_conn_rebind(struct daemon_conn *c, int closed, int other);
/* The DRM client id of the connection's open file (its fdinfo's name under the root). */
uint64_t accel_daemon_client_id(struct daemon_conn *c);
/* An ioctl through the daemon on descriptor @sock of the connection: the result or -errno. */
int accel_daemon_ioctl(struct daemon_conn *c, int sock, unsigned long request, void *arg);
/*
 * A SYNC_IOC_* ioctl on @fd, a sync_file the daemon made (it belongs to no open file): sent
 * on any connection this process holds. The result or -errno; -ENOTTY without one.
 */
int accel_daemon_sync_file_ioctl(int fd, unsigned long request, void *arg);
/* Ask for the descriptor and offset that back a mapping of @offset. */
int accel_daemon_mmap(struct daemon_conn *c, int sock, uint64_t offset, size_t len, int prot,
		      int flags, int *map_fd, off_t *map_offset, uint64_t *handle);
/* Tell the daemon a mapping is gone. */
void accel_daemon_munmap(struct daemon_conn *c, int sock, uint64_t handle);
/*
 * Read (@write false: the text in *@out, malloc'd and NUL-terminated, its length in *@out_len
 * if not NULL) or write (@len bytes of @data) the attribute file @path, relative to the root
 * ("sys/kernel/debug/..."), through the daemon's callbacks (ACCEL_WIRE_ATTR), sent on
 * descriptor @sock of the connection. 0 or the bytes stored, or -errno.
 */
int accel_daemon_attr(struct daemon_conn *c, int sock, const char *path, const void *data,
		      size_t len, bool write, char **out, size_t *out_len);
/* References: one per descriptor and per mapping; the last frees the state (not the socket). */
struct daemon_conn *accel_daemon_conn_get(struct daemon_conn *c);
void accel_daemon_conn_put(struct daemon_conn *c);
void accel_daemon_conn_free(struct daemon_conn *c);

#endif
