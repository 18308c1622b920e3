// SPDX-License-Identifier: MIT
/*
 * Sockets and device descriptors.
 *
 * A node's file is no socket: the socket calls on an emulated descriptor fail with ENOTSOCK,
 * as a kernel's do (acceld's descriptor is a socket underneath, and what a program sent or
 * shut down on it would break the connection that is the open file).
 *
 * A device descriptor passed with SCM_RIGHTS:
 *  - through acceld it is the connection socket, and the receiver gets the same open file,
 *    as from a kernel: the shim of the receiving process takes over every received
 *    descriptor that is a connection to acceld's node of the root (its peer's address is
 *    the node's socket) as exec's new image does (process.c). The receiver's F_GETFL shows
 *    O_RDWR: the open's access mode does not travel.
 *  - the embedded backend's descriptor is a pipe whose open file lives in the sender's
 *    memory: no other process can use it. sendmsg() refuses it (EOPNOTSUPP, and a message
 *    saying why) rather than deliver a pipe that would answer ENOTTY.
 *  - a descriptor received by the process that has the same open file already (a socketpair
 *    within the process) is recorded as a dup() of it, both backends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <accel/drm_print.h>
#include <libaccel.h>
#include "host/host.h"
#include "preload.h"

#define NOT_A_SOCKET(fd) (__builtin_expect(emul_fd_is(fd), 0) && !preload_in_lib)

static int enotsock(void)
{
	errno = ENOTSOCK;
	return -1;
}

/* Each descriptor an SCM_RIGHTS message of @m carries, to @fn; stops at a false return. */
static bool scm_each(const struct msghdr *m, bool (*fn)(int fd, void *data), void *data)
{
	if (!m || !m->msg_control || m->msg_controllen < sizeof(struct cmsghdr))
		return true;
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)m); c; c = CMSG_NXTHDR((struct msghdr *)m, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (!fn(fd, data))
				return false;
		}
	}
	return true;
}

/* An embedded device descriptor cannot leave its process. */
static bool scm_sendable(int fd, void *data)
{
	struct emul_fd e;

	(void)data;
	if (!emul_fd_get(fd, &e) || e.daemon)
		return true;
	PRELOAD_ENTER();
	accel_printk(ACCEL_LOG_ERR, "[preload] descriptor %d of %s is the embedded backend's: its open file "
		     "cannot be passed to another process (SCM_RIGHTS); use the daemon backend\n", fd,
		     e.major == 261 ? "an accel node" : "a DRM node");
	PRELOAD_LEAVE();
	return false;
}

/* A number of this process standing for the open file of @st: record @fd as its dup. */
static bool scm_same_file(int fd, const struct stat *st)
{
	for (int other = 0, high = emul_fd_limit(); other < high; other++) {
		struct stat ost;
		struct emul_fd e;

		if (other == fd || !emul_fd_get(other, &e) || LIBC(fstat)(other, &ost))
			continue;
		if (ost.st_ino == st->st_ino && ost.st_dev == st->st_dev) {
			emul_fd_set(fd, &e);
			return true;
		}
	}
	return false;
}

bool preload_daemon_peer(int fd, unsigned int *major, unsigned int *minor)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);
	char path[sizeof(a.sun_path) + 1], *name;
	const char *root;
	size_t n;
	int type;
	socklen_t tlen = sizeof(type);

	memset(&a, 0, sizeof(a));
	if (LIBC(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) || type != SOCK_SEQPACKET ||
	    LIBC(getpeername)(fd, (struct sockaddr *)&a, &len) || a.sun_family != AF_UNIX)
		return false;
	memcpy(path, a.sun_path, sizeof(a.sun_path));
	path[sizeof(a.sun_path)] = 0;
	n = strlen(path);
	if (n > 4 && !strcmp(path + n - 4, ".new"))
		path[n - 4] = 0;
	PRELOAD_ENTER();
	root = accel_root_shared();
	PRELOAD_LEAVE();
	n = root ? strlen(root) : 0;
	if (!n || strncmp(path, root, n) || path[n] != '/')
		return false;
	name = path + n;
	if (sscanf(name, "/dev/accel/accel%u", minor) == 1) {
		*major = 261;
		return true;
	}
	if (sscanf(name, "/dev/dri/renderD%u", minor) == 1 || sscanf(name, "/dev/dri/card%u", minor) == 1) {
		*major = 226;
		return true;
	}
	return false;
}

/* A received descriptor that is a device's open file becomes an emulated one. */
static bool scm_adopt(int fd, void *data)
{
	unsigned int major, minor;
	struct stat st;

	(void)data;
	if (fd < 0 || emul_fd_is(fd) || LIBC(fstat)(fd, &st))
		return true;
	if (!S_ISSOCK(st.st_mode) && !S_ISFIFO(st.st_mode))
		return true;
	if (__atomic_load_n(&emul_fd_used, __ATOMIC_RELAXED) && scm_same_file(fd, &st))
		return true;
	if (S_ISSOCK(st.st_mode) && preload_daemon_peer(fd, &major, &minor))
		preload_adopt_daemon_fd(fd, major, minor, O_RDWR);
	return true;
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	if (NOT_A_SOCKET(fd))
		return enotsock();
	if (__atomic_load_n(&emul_fd_used, __ATOMIC_RELAXED) && !preload_in_lib && !scm_each(m, scm_sendable, NULL)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return LIBC(sendmsg)(fd, m, flags);
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	ssize_t ret;

	if (NOT_A_SOCKET(fd))
		return enotsock();
	ret = LIBC(recvmsg)(fd, m, flags);
	if (ret >= 0 && !preload_in_lib && m && m->msg_controllen) {
		int err = errno;

		scm_each(m, scm_adopt, NULL);
		errno = err;
	}
	return ret;
}

int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	if (NOT_A_SOCKET(fd))
		return enotsock();
	if (__atomic_load_n(&emul_fd_used, __ATOMIC_RELAXED) && !preload_in_lib) {
		for (unsigned int i = 0; v && i < n; i++) {
			if (!scm_each(&v[i].msg_hdr, scm_sendable, NULL)) {
				errno = EOPNOTSUPP;
				return -1;
			}
		}
	}
	return LIBC(sendmmsg)(fd, v, n, flags);
}

int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *t)
{
	int ret;

	if (NOT_A_SOCKET(fd))
		return enotsock();
	ret = LIBC(recvmmsg)(fd, v, n, flags, t);
	if (ret > 0 && !preload_in_lib) {
		int err = errno;

		for (int i = 0; i < ret; i++)
			if (v[i].msg_hdr.msg_controllen)
				scm_each(&v[i].msg_hdr, scm_adopt, NULL);
		errno = err;
	}
	return ret;
}

/* The other socket calls: a node is no socket. */
ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(send)(fd, buf, n, flags);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG to, socklen_t len)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(sendto)(fd, buf, n, flags, to, len);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(recv)(fd, buf, n, flags);
}

ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	(void)buflen;
	return recv(fd, buf, n, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, __SOCKADDR_ARG from, socklen_t *len)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(recvfrom)(fd, buf, n, flags, from, len);
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, __SOCKADDR_ARG from,
		       socklen_t *len)
{
	(void)buflen;
	return recvfrom(fd, buf, n, flags, from, len);
}

int shutdown(int fd, int how)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(shutdown)(fd, how);
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(getsockopt)(fd, level, name, val, len);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(setsockopt)(fd, level, name, val, len);
}

int getsockname(int fd, __SOCKADDR_ARG a, socklen_t *len)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(getsockname)(fd, a, len);
}

int getpeername(int fd, __SOCKADDR_ARG a, socklen_t *len)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(getpeername)(fd, a, len);
}

int bind(int fd, __CONST_SOCKADDR_ARG a, socklen_t len)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(bind)(fd, a, len);
}

int connect(int fd, __CONST_SOCKADDR_ARG a, socklen_t len)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(connect)(fd, a, len);
}

int listen(int fd, int backlog)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(listen)(fd, backlog);
}

int accept(int fd, __SOCKADDR_ARG a, socklen_t *len)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(accept)(fd, a, len);
}

int accept4(int fd, __SOCKADDR_ARG a, socklen_t *len, int flags)
{
	return NOT_A_SOCKET(fd) ? enotsock() : LIBC(accept4)(fd, a, len, flags);
}
