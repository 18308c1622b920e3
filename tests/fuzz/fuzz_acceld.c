// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: acceld's wire protocol (wire/protocol.h) - frames, malformed
 * lengths, descriptor passing - sent over a socketpair into the daemon's own connection
 * code through its entry point acceld_conn_start(), serving the example device.
 *
 * Input: flags:u8 (bit 0: the harness opens with a valid HELLO first; bit 1: then offers a
 * shared-memory request ring, docs/acceld-shm.md), then messages:
 *
 *   ctl:u8 len:u16 bytes[len]
 *     ctl bits 0-1: descriptors attached (0-3), or with bit 7 ACCEL_WIRE_MAX_FDS + 2 - more
 *                   than the daemon takes;
 *     ctl bit 2:    the harness fixes the header (magic, size, nfds) so that the frame is
 *                   well-formed and the fuzzer spends its time on the body;
 *     ctl bit 3:    the message is padded with zeros past ACCEL_WIRE_MAX_MSG;
 *     ctl bits 4-5: the first descriptor's kind (eventfd, memfd, a socket end - an ATTACH -,
 *                   a pipe end), the next ones the kinds after it;
 *     ctl bit 6:    with a ring, the frame's body goes through the ring as a request of the
 *                   header's op (no descriptors), and the harness waits for its reply.
 *
 * After every message the replies that have arrived are read (and the descriptors they carry
 * closed); at the end the harness hangs up, reads to the end and waits until the daemon has
 * released every connection the input made, so that each input starts afresh. Timeouts of
 * the syncobj waits an IOCTL message carries are cut to a millisecond at most.
 *
 * Speed: the daemon serves a connection on a thread that, once the connection ends, waits a
 * while as a spare for the next one (server/conn.c), so inputs after the first reuse its
 * threads: a thread started and ended per connection (with its two 192 KiB buffers, past
 * ASan's largest size class, mapped and unmapped) cost five times the rest of an input.
 * The harness waits for the connections on the daemon's own condition
 * (acceld_conn_wait_none()), which it signals once a connection's memory is freed, so that
 * libFuzzer's per-input leak check finds every allocation of the input released.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <accel/device.h>
#include <accel/drm_print.h>
#include "wire/protocol.h"
#include <drm/drm.h>
#include <uapi/drm/drm_ext.h>

#include <accel/drm_drv.h>
#include "drivers/builtin.h"
#include "host/host.h"
#include "server/acceld.h"
#include "fuzz_fdcheck.h"
#include "wire/shm_ring.h"

#define FZ_MAX_MSG	8192
#define FZ_MAX_PEERS	8
#define FZ_MAX_MSGS	32

static dev_t devt;
static int peers[FZ_MAX_PEERS];	/* our ends of the sockets ATTACHed to the daemon */
static unsigned int num_peers;

static void log_sink(enum accel_log_level level, const char *msg, void *data)
{
	(void)level; (void)msg; (void)data;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int err;

	(void)argc; (void)argv;
	if (!getenv("FUZZ_LOG"))
		accel_log_set_sink(log_sink, NULL);
	/* The core and the device, as acceld sets them up (without publishing files). */
	err = drm_core_init();
	if (!err)
		err = accel_drivers_register_builtin();
	if (!err)
		err = accel_config_apply("[example.0]\ndriver = example\n", "fuzz", NULL);
	if (err || devnode_lookup("accel/accel0", &devt)) {
		fprintf(stderr, "fuzz_acceld: no example device\n");
		exit(1);
	}
	return 0;
}

/*
 * Read every reply that is there, each poll waiting up to @wait_ms; true once nothing more
 * came in that time, false at the end of the stream.
 */
static bool drain(int sock, int wait_ms)
{
	static unsigned char buf[ACCEL_WIRE_MAX_MSG];
	union {
		char buf[CMSG_SPACE(sizeof(int) * ACCEL_WIRE_MAX_FDS)];
		struct cmsghdr align;
	} ctl;

	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				      .msg_controllen = sizeof(ctl.buf) };
		struct pollfd p = { .fd = sock, .events = POLLIN };
		struct cmsghdr *cm;
		ssize_t n;

		if (poll(&p, 1, wait_ms) <= 0)
			return true;
		n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
				int *fds = (int *)CMSG_DATA(cm);
				size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

				while (k--)
					close(fds[k]);
			}
		}
		if (n == 0)
			return false;
	}
}

/* A descriptor of kind @kind to attach (an ATTACH's socket keeps its peer in peers[]). */
static int make_fd(unsigned int kind)
{
	int sv[2], fd = -1;

	switch (kind % 4) {
	case 0:
		fd = eventfd(0, EFD_CLOEXEC);
		break;
	case 1:
		fd = memfd_create("fuzz", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, 4096)) {
			close(fd);
			fd = -1;
		}
		break;
	case 2:
		if (num_peers == FZ_MAX_PEERS ||
		    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
			break;
		peers[num_peers++] = sv[0];
		fd = sv[1];
		break;
	case 3:
		if (pipe2(sv, O_CLOEXEC))
			break;
		close(sv[1]);
		fd = sv[0];
		break;
	}
	return fd;
}

static int64_t short_deadline(int64_t t)
{
	struct timespec ts;
	int64_t now;

	if (t <= 0)
		return t;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return t < now ? t : now + t % 1000000;
}

/* A syncobj wait's timeout, in the IN region holding the argument, cut short. */
static void bound_waits(unsigned char *msg, size_t len)
{
	struct accel_wire_hdr *hdr = (void *)msg;
	struct accel_wire_ioctl *req = (void *)(hdr + 1);
	size_t off = sizeof(*hdr) + sizeof(*req), at;
	unsigned int i;

	if (len < off || hdr->op != ACCEL_WIRE_IOCTL)
		return;
	if ((unsigned int)req->cmd == DRM_IOCTL_SYNCOBJ_WAIT_6_12 ||
	    (unsigned int)req->cmd == DRM_IOCTL_SYNCOBJ_WAIT)
		at = offsetof(struct drm_syncobj_wait_6_12, timeout_nsec);
	else if ((unsigned int)req->cmd == DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_6_12 ||
		 (unsigned int)req->cmd == DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT)
		at = offsetof(struct drm_syncobj_timeline_wait_6_12, timeout_nsec);
	else
		return;
	for (i = 0; i < req->num_regions && i < ACCEL_WIRE_MAX_REGIONS; i++) {
		struct accel_wire_region r;
		int64_t t;

		if (off + sizeof(r) > len)
			return;
		memcpy(&r, msg + off, sizeof(r));
		off += sizeof(r);
		if (!(r.kind & ACCEL_REGION_IN))
			continue;
		if (r.len > len - off)
			return;
		/* Any region that could be read as the argument. */
		for (size_t a = 0; a + sizeof(t) <= r.len; a += 8) {
			if (r.addr + a - at == req->arg) {
				memcpy(&t, msg + off + a, sizeof(t));
				t = short_deadline(t);
				memcpy(msg + off + a, &t, sizeof(t));
			}
		}
		off += (r.len + 7u) & ~7u;
	}
}

/* Send one message with @nfds descriptors; false when the daemon hung up. */
static bool send_msg(int sock, unsigned char *msg, size_t len, uint8_t ctl)
{
	static unsigned char big[ACCEL_WIRE_MAX_MSG + 64];
	union {
		char buf[CMSG_SPACE(sizeof(int) * (ACCEL_WIRE_MAX_FDS + 2))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { msg, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	unsigned int nfds = (ctl & 0x80) ? ACCEL_WIRE_MAX_FDS + 2 : (ctl & 3), i, n = 0;
	int fds[ACCEL_WIRE_MAX_FDS + 2];
	bool alive = true;

	for (i = 0; i < nfds; i++) {
		int fd = make_fd(((ctl >> 4) & 3) + i);

		if (fd >= 0)
			fds[n++] = fd;
	}
	if ((ctl & 4) && len >= sizeof(struct accel_wire_hdr)) {
		struct accel_wire_hdr *hdr = (void *)msg;

		hdr->magic = ACCEL_WIRE_MAGIC;
		hdr->size = (uint32_t)(len - sizeof(*hdr));
		hdr->nfds = n;
	}
	bound_waits(msg, len);
	if (ctl & 8) {
		memcpy(big, msg, len);
		memset(big + len, 0, sizeof(big) - len);
		iov = (struct iovec){ big, sizeof(big) };
	}
	if (n) {
		struct cmsghdr *cm;

		memset(&c, 0, sizeof(c));
		mh.msg_control = c.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	/* The daemon may be blocked sending us replies: read them while our message waits. */
	while (sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			alive = false;
			break;
		}
		if (!drain(sock, 10))
			break;
	}
	while (n--)
		close(fds[n]);
	return alive;
}

/* The daemon hung up: a ring call that waits gives up. */
static bool fz_sock_alive(void *ctx)
{
	struct pollfd p = { .fd = *(int *)ctx, .events = POLLRDHUP };

	return !(poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)));
}

/* Offer a ring on @sock (ACCEL_WIRE_SHM_RING); false when none could be made. */
static bool ring_offer(int sock, struct accel_shm_ring *ring, int *sock_ctx)
{
	struct accel_wire_hdr hdr = { ACCEL_WIRE_MAGIC, ACCEL_WIRE_SHM_RING, 0, 2, 0, 0, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { &hdr, sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			     .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *cm;
	bool ok;

	if (accel_shm_ring_create(ring))
		return false;
	memset(&c, 0, sizeof(c));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &ring->fd, sizeof(int));
	ok = sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(hdr);
	/* Only a ring the daemon took is ever served: read replies up to the offer's. */
	while (ok) {
		static unsigned char rbuf[ACCEL_WIRE_MAX_MSG];
		const struct accel_wire_hdr *rh = (const void *)rbuf;
		struct pollfd p = { .fd = sock, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 5000) != 1 || (n = recv(sock, rbuf, sizeof(rbuf), 0)) < (ssize_t)sizeof(*rh)) {
			ok = false;
			break;
		}
		if (rh->op == ACCEL_WIRE_SHM_RING) {
			ok = rh->result == 0;
			break;
		}
	}
	close(ring->fd);
	ring->fd = -1;
	*sock_ctx = sock;
	accel_shm_ring_set_liveness(ring, fz_sock_alive, sock_ctx, 20);
	if (!ok)
		accel_shm_ring_destroy(ring);
	return ok;
}

/* The frame's body through the ring, as a request of its header's op; its reply dropped. */
static bool ring_send(struct accel_shm_ring *ring, unsigned char *msg, size_t len)
{
	static unsigned char reply[ACCEL_SHM_SLOT_DATA];
	const struct accel_wire_hdr *hdr = (const void *)msg;
	size_t reply_len;
	int32_t result;

	if (len < sizeof(*hdr))
		return true;
	bound_waits(msg, len);
	return accel_shm_ring_call(ring, hdr->op, msg + sizeof(*hdr), len - sizeof(*hdr), reply,
				   sizeof(reply), &reply_len, &result) != -ENODEV;
}

/* The node as a world-writable one: every open mode passes acceld's permission check. */
static const struct acceld_node_perm node_perm = { .uid = 0, .gid = 0, .mode = 0666 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char msg[FZ_MAX_MSG];
	struct accel_shm_ring ring = { .fd = -1 };
	bool ring_on = false;
	int sv[2], sock, sock_ctx = -1;
	unsigned int count = 0, i;
	uint8_t flags;

	if (!size)
		return 0;
	flags = data[0];
	data++;
	size--;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		abort();
	sock = sv[0];
	if (acceld_conn_start(sv[1], devt, &node_perm)) {
		close(sock);
		return 0;
	}
	if (flags & 1) {
		struct {
			struct accel_wire_hdr hdr;
			struct accel_wire_hello hello;
		} h = { { ACCEL_WIRE_MAGIC, ACCEL_WIRE_HELLO, 0, 1, 0, sizeof(struct accel_wire_hello), 0 },
			{ ACCEL_WIRE_VERSION, O_RDWR } };

		memcpy(msg, &h, sizeof(h));
		send_msg(sock, msg, sizeof(h), 0);
		if (flags & 2)
			ring_on = ring_offer(sock, &ring, &sock_ctx);
	}
	while (size >= 3 && count++ < FZ_MAX_MSGS) {
		uint8_t ctl = data[0];
		size_t len = (size_t)(data[1] | data[2] << 8) % FZ_MAX_MSG;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		memcpy(msg, data, len);
		data += len;
		size -= len;
		if (ring_on && (ctl & 0x40)) {
			if (!ring_send(&ring, msg, len))
				break;
		} else if (!send_msg(sock, msg, len, ctl)) {
			break;
		}
		if (!drain(sock, 0))
			break;
	}
	/* Hang up, read what is left, and let every connection of this input go. */
	shutdown(sock, SHUT_WR);
	for (i = 0; i < num_peers; i++)
		shutdown(peers[i], SHUT_WR);
	for (i = 0; i < 50 && drain(sock, 100); i++)
		;
	close(sock);
	for (i = 0; i < num_peers; i++) {
		for (unsigned int k = 0; k < 50 && drain(peers[i], 100); k++)
			;
		close(peers[i]);
	}
	num_peers = 0;
	if (ring_on)
		accel_shm_ring_destroy(&ring);
	if (acceld_conn_wait_none(5000)) {
		fprintf(stderr, "fuzz_acceld: a connection outlived its client by 5 s\n");
		abort();
	}
	fz_fd_check();
	return 0;
}
