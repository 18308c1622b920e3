/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/fd.h - descriptors that cross between the core and the caller.
 *
 * Some ioctls hand the caller a new descriptor (PRIME export, syncobj and sync_file export)
 * or take one of the caller's (imports). The kernel installs into, and looks up in, the
 * calling task's fd table; here the transport does: in embedded mode the caller's table is
 * this process's own, and acceld passes descriptors with SCM_RIGHTS.
 *
 * Objects the core gives out as descriptors are real files of this process (memfds for
 * buffers; pipes for opaque syncobj files, whose closed read ends tell the core the file is
 * gone, and for sync_files, whose read ends poll readable when the fence signals) so that
 * the core recognises its own by inode (fd_inode_key()) when they come back.
 */
#ifndef ACCEL_FD_H
#define ACCEL_FD_H

#include <stdint.h>

/** struct accel_fd_transport - how descriptors reach the caller of the current request. */
struct accel_fd_transport {
	/** @install: give @fd (consumed) to the caller; the caller's number or -errno. */
	int (*install)(struct accel_fd_transport *t, int fd, int flags);
	/** @get: a descriptor of this process for the caller's @ufd (close it); -EBADF if none. */
	int (*get)(struct accel_fd_transport *t, int ufd);
};

/** accel_fd_transport_set_current() - route this thread's descriptors through @t (NULL: this process). */
struct accel_fd_transport *accel_fd_transport_set_current(struct accel_fd_transport *t);

/**
 * fd_install_user() - hand descriptor @fd to the caller, consuming it; @flags may hold
 * O_CLOEXEC. Returns the number the caller knows it by, or -errno (then @fd is closed).
 */
int fd_install_user(int fd, int flags);

/** fd_get_user() - a new descriptor of this process for the caller's @ufd, or -EBADF. */
int fd_get_user(int ufd);

/** fd_inode_key() - a key naming the file behind @fd (device and inode), or 0 on error. */
uint64_t fd_inode_key(int fd);

#endif
