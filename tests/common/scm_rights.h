/* SPDX-License-Identifier: MIT */
/*
 * Descriptors passed over a Unix socket (SCM_RIGHTS), as the tests, the campaigns and the
 * benches pass buffers and files between processes. No assertion: the results are
 * sendmsg()'s and recvmsg()'s, each caller decides what a failure means.
 */
#ifndef TESTS_COMMON_SCM_RIGHTS_H
#define TESTS_COMMON_SCM_RIGHTS_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* The most descriptors one call passes (more than the wire protocol's limit, on purpose). */
#define SCM_MAX_FDS 32

/*
 * scm_send() - send @len bytes of @data with @nfds descriptors @fds (none when 0) on @sock,
 * with sendmsg() @flags.
 *
 * Return: sendmsg()'s result; -1 with errno EINVAL when @nfds is over SCM_MAX_FDS.
 */
static inline ssize_t scm_send(int sock, const void *data, size_t len, const int *fds,
			       unsigned int nfds, int flags)
{
	union { char b[CMSG_SPACE(sizeof(int) * SCM_MAX_FDS)]; struct cmsghdr align; } ctl;
	struct iovec iov = { (void *)data, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (nfds > SCM_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &msg, flags);
}

/*
 * scm_recv() - receive up to @len bytes into @data and the descriptors that came with them
 * (close-on-exec) on @sock, with recvmsg() @flags.
 * @fds, @nfds: room for *@nfds descriptors; *@nfds becomes how many were received. Those
 * beyond the room are closed.
 *
 * Return: recvmsg()'s result (*@nfds is 0 when it is not positive).
 */
static inline ssize_t scm_recv(int sock, void *data, size_t len, int *fds, unsigned int *nfds,
			       int flags)
{
	union { char b[CMSG_SPACE(sizeof(int) * SCM_MAX_FDS)]; struct cmsghdr align; } ctl;
	struct iovec iov = { data, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			      .msg_controllen = sizeof(ctl.b) };
	unsigned int room = *nfds, got = 0;
	struct cmsghdr *cm;
	ssize_t n;

	*nfds = 0;
	n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		const int *in = (const int *)CMSG_DATA(cm);
		size_t k, count;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < count; k++) {
			int fd;

			memcpy(&fd, in + k, sizeof(fd));
			if (got < room)
				fds[got++] = fd;
			else
				close(fd);
		}
	}
	*nfds = got;
	return n;
}

/* Send one descriptor with one byte: sendmsg()'s result. */
static inline ssize_t scm_send_fd(int sock, int fd, int flags)
{
	return scm_send(sock, "f", 1, &fd, 1, flags);
}

/* Receive one descriptor sent with one byte: it, or -1 (nothing, or no descriptor). */
static inline int scm_recv_fd(int sock, int flags)
{
	unsigned int nfds = 1;
	int fd = -1;
	char c;

	if (scm_recv(sock, &c, 1, &fd, &nfds, flags) != 1 || nfds != 1)
		return -1;
	return fd;
}

#endif
