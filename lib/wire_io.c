// SPDX-License-Identifier: MIT
/* Protocol messages over SOCK_SEQPACKET with SCM_RIGHTS descriptors (see accel/protocol.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire_io.h"

union wire_cmsg {
	char buf[CMSG_SPACE(sizeof(int) * ACCEL_WIRE_MAX_FDS)];
	struct cmsghdr align;
};

ssize_t accel_wire_send(int sock, struct accel_wire_hdr *hdr, const void *body, size_t len,
			const int *fds, unsigned int nfds)
{
	struct iovec iov[2] = { { hdr, sizeof(*hdr) }, { (void *)body, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	union wire_cmsg ctl;
	ssize_t n;

	if (nfds > ACCEL_WIRE_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	hdr->magic = ACCEL_WIRE_MAGIC;
	hdr->size = (uint32_t)len;
	hdr->nfds = nfds;
	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n;
}

ssize_t accel_wire_recv(int sock, void *buf, size_t size, int *fds, unsigned int *nfds)
{
	struct iovec iov = { buf, size };
	union wire_cmsg ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	*nfds = 0;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			unsigned int k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int), i;
			int *in = (int *)CMSG_DATA(cm);

			for (i = 0; i < k; i++) {
				if (*nfds < ACCEL_WIRE_MAX_FDS)
					fds[(*nfds)++] = in[i];
				else
					close(in[i]);
			}
		}
	}
	/*
	 * A refused message takes its descriptors with it. So does an empty one: on a
	 * SOCK_SEQPACKET socket a zero-length message can carry descriptors, and callers take a
	 * 0 return for the end of the stream, without looking at @fds.
	 */
	if (!n || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		while (*nfds)
			close(fds[--*nfds]);
		return n ? -EMSGSIZE : 0;
	}
	return n;
}
