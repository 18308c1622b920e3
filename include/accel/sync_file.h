/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/sync_file.h - sync_file: a fence as a descriptor.
 *
 * A sync_file is the read end of a pipe: it polls readable (POLLIN) once its fence has
 * signalled, as a kernel sync_file does. The core keeps the write end, the fence and the
 * pipe's inode key; a descriptor that comes back is recognised by fd_inode_key(). When every
 * copy of the read end is closed (in any process) the write end reports POLLERR and the
 * core lets go of the fence at its next look at the table.
 *
 * The SYNC_IOC_* ioctls (MERGE, FILE_INFO, SET_DEADLINE) are sync_file_ioctl(): libaccel
 * routes accel_sys_ioctl() of a sync_file to it (embedded) or to acceld. read() must not be
 * used on the descriptor (it would consume the readiness byte).
 */
#ifndef ACCEL_SYNC_FILE_H
#define ACCEL_SYNC_FILE_H

#include <stdint.h>

struct dma_fence;

/**
 * sync_file_install() - make a sync_file of @fence (a reference is taken) and give it to
 * the caller of the current request with @flags (O_CLOEXEC). Returns the caller's
 * descriptor or -errno.
 */
int sync_file_install(struct dma_fence *fence, int flags);

/**
 * sync_file_get_fence() - the fence of the caller's descriptor @ufd, with a reference, or
 * NULL when @ufd is not a sync_file made here.
 */
struct dma_fence *sync_file_get_fence(int ufd);

/**
 * sync_file_fence_of_fd() - sync_file_get_fence() for a descriptor of this process.
 */
struct dma_fence *sync_file_fence_of_fd(int fd);

/**
 * sync_file_ioctl() - the ioctl @cmd of the sync_file @fd (a descriptor of this process),
 * with the kernel's semantics; @arg is the caller's address (copy_from_user). The result,
 * or -errno; -ENOTTY when @fd is not a sync_file made here or @cmd is not a sync_file's.
 */
long sync_file_ioctl(int fd, unsigned int cmd, unsigned long arg);

/** sync_file_count() - live sync_files (after letting go of closed ones), for tests. */
unsigned int sync_file_count(void);

#endif
