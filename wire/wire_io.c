// SPDX-License-Identifier: MIT
/* Protocol messages over SOCK_SEQPACKET with SCM_RIGHTS descriptors (see wire/protocol.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire/wire_io.h"

/* What a large body's memfd must carry: nobody can change it while the reader reads it. */
#define WIRE_MEMFD_SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

union wire_cmsg {
	char buf[CMSG_SPACE(sizeof(int) * ACCEL_WIRE_MAX_FDS)];
	struct cmsghdr align;
};

static ssize_t wire_sendmsg(int sock, struct accel_wire_hdr *hdr, const void *body, size_t len,
			    const int *fds, unsigned int nfds)
{
	struct iovec iov[2] = { { hdr, sizeof(*hdr) }, { (void *)body, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	union wire_cmsg ctl;
	ssize_t n;

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

/* A sealed memfd holding @len bytes of @body; -1 with errno. */
static int wire_body_memfd(const void *body, size_t len)
{
	int fd = memfd_create("accel-wire", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, (const unsigned char *)body + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto err;
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, WIRE_MEMFD_SEALS))
		goto err;
	return fd;
err:
	{
		int err = errno ? errno : EIO;

		close(fd);
		errno = err;
	}
	return -1;
}

int accel_wire_send(int sock, struct accel_wire_hdr *hdr, const void *body, size_t len,
		    const int *fds, unsigned int nfds)
{
	int all[ACCEL_WIRE_MAX_FDS];
	ssize_t n;
	int mfd;

	if (nfds > ACCEL_WIRE_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	hdr->magic = ACCEL_WIRE_MAGIC;
	hdr->size = (uint32_t)len;
	hdr->nfds = nfds;
	hdr->flags &= (uint16_t)~ACCEL_WIRE_F_MEMFD;
	if (sizeof(*hdr) + len <= ACCEL_WIRE_MAX_MSG)
		return wire_sendmsg(sock, hdr, body, len, fds, nfds) < 0 ? -1 : 0;

	if (len > ACCEL_WIRE_MAX_LARGE || nfds == ACCEL_WIRE_MAX_FDS) {
		errno = E2BIG;
		return -1;
	}
	mfd = wire_body_memfd(body, len);
	if (mfd < 0)
		return -1;
	memcpy(all, fds, sizeof(int) * nfds);
	all[nfds] = mfd;
	hdr->flags |= ACCEL_WIRE_F_MEMFD;
	hdr->nfds = nfds + 1;
	n = wire_sendmsg(sock, hdr, NULL, 0, all, nfds + 1);
	/* Sent (the peer has its own copy) or failed: this end is not needed any more. */
	close(mfd);
	return n < 0 ? -1 : 0;
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

int accel_wire_body(const struct accel_wire_hdr *hdr, size_t len, unsigned char *buf,
		    int *fds, unsigned int *nfds, unsigned char **body, bool *owned)
{
	unsigned char *copy;
	struct stat st;
	size_t off = 0;
	int mfd, seals;

	*owned = false;
	if (!(hdr->flags & ACCEL_WIRE_F_MEMFD)) {
		if (hdr->size != len - sizeof(*hdr))
			return -EPROTO;
		*body = buf + sizeof(*hdr);
		return 0;
	}
	/* Only a body too large for a datagram may come this way, sealed, of the stated size. */
	if (len != sizeof(*hdr) || !*nfds || hdr->size > ACCEL_WIRE_MAX_LARGE ||
	    sizeof(*hdr) + hdr->size <= ACCEL_WIRE_MAX_MSG)
		return -EPROTO;
	mfd = fds[*nfds - 1];
	seals = fcntl(mfd, F_GET_SEALS);
	if (seals < 0 || (seals & WIRE_MEMFD_SEALS) != WIRE_MEMFD_SEALS || fstat(mfd, &st) ||
	    !S_ISREG(st.st_mode) || (uint64_t)st.st_size != hdr->size)
		return -EPROTO;
	copy = malloc(hdr->size);
	if (!copy)
		return -ENOMEM;
	while (off < hdr->size) {
		ssize_t n = pread(mfd, copy + off, hdr->size - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(copy);
			return -EPROTO;
		}
		off += (size_t)n;
	}
	close(mfd);
	(*nfds)--;
	*body = copy;
	*owned = true;
	return 0;
}
