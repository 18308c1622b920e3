// SPDX-License-Identifier: MIT
/* Descriptors given to and taken from the caller; see include/accel/fd.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/fd.h>

static _Thread_local struct accel_fd_transport *fd_transport_current;

struct accel_fd_transport *accel_fd_transport_set_current(struct accel_fd_transport *t)
{
	struct accel_fd_transport *old = fd_transport_current;

	fd_transport_current = t;
	return old;
}

int fd_install_user(int fd, int flags)
{
	if (fd < 0)
		return -EBADF;
	if (fd_transport_current)
		return fd_transport_current->install(fd_transport_current, fd, flags);
	/* Embedded: the caller's table is ours; only the close-on-exec flag is the caller's. */
	if (fcntl(fd, F_SETFD, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int fd_get_user(int ufd)
{
	int fd;

	if (fd_transport_current)
		return fd_transport_current->get(fd_transport_current, ufd);
	if (ufd < 0)
		return -EBADF;
	fd = fcntl(ufd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -EBADF : fd;
}

uint64_t fd_inode_key(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	return ((uint64_t)st.st_dev << 40) ^ (uint64_t)st.st_ino;
}
