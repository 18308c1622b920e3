// SPDX-License-Identifier: MIT
/*
 * What stat answers for a device node: a kernel's /dev/accel/accelN is a char device of
 * major 261 (226 for /dev/dri) and the node's minor, with the mode and owner udev gave it.
 * Under the root the node is a file standing for it (embedded: an empty file with the
 * node's mode; acceld: the node's socket, whose mode adds write where the node grants
 * read, docs/config.md): its owner, times and inode are kept, its type and st_rdev are the
 * char device's.
 */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "preload.h"

int node_stat(const char *real, unsigned int major, unsigned int minor, struct stat *st)
{
	int ret;

	PRELOAD_ENTER();
	ret = LIBC(stat)(real, st);
	PRELOAD_LEAVE();
	if (ret)
		return ret;
	if (!major)
		return 0; /* sw_sync: a debugfs file, as in the tree */
	st->st_mode = S_IFCHR | (st->st_mode & 07777);
	st->st_rdev = makedev(major, minor);
	st->st_size = 0;
	st->st_blocks = 0;
	st->st_blksize = 4096;
	return 0;
}

int node_stat_fd(int fd, struct stat *st)
{
	struct route r = { 0 };
	struct emul_fd e;
	char canon[64];

	if (!emul_fd_get(fd, &e)) {
		errno = EBADF;
		return -1;
	}
	route_node_canon(e.major, e.minor, canon);
	if (route_path(canon, &r) != ROUTE_NODE) {
		errno = EBADF;
		return -1;
	}
	return node_stat(r.real, e.major, e.minor, st);
}

void node_statx(const struct stat *st, struct statx *stx)
{
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = (uint32_t)st->st_blksize;
	stx->stx_nlink = (uint32_t)st->st_nlink;
	stx->stx_uid = st->st_uid;
	stx->stx_gid = st->st_gid;
	stx->stx_mode = (uint16_t)st->st_mode;
	stx->stx_ino = st->st_ino;
	stx->stx_size = (uint64_t)st->st_size;
	stx->stx_blocks = (uint64_t)st->st_blocks;
	stx->stx_atime.tv_sec = st->st_atim.tv_sec;
	stx->stx_atime.tv_nsec = (uint32_t)st->st_atim.tv_nsec;
	stx->stx_mtime.tv_sec = st->st_mtim.tv_sec;
	stx->stx_mtime.tv_nsec = (uint32_t)st->st_mtim.tv_nsec;
	stx->stx_ctime.tv_sec = st->st_ctim.tv_sec;
	stx->stx_ctime.tv_nsec = (uint32_t)st->st_ctim.tv_nsec;
	stx->stx_rdev_major = major(st->st_rdev);
	stx->stx_rdev_minor = minor(st->st_rdev);
	stx->stx_dev_major = major(st->st_dev);
	stx->stx_dev_minor = minor(st->st_dev);
}
