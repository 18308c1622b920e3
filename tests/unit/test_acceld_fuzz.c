// SPDX-License-Identifier: MIT
/*
 * Hostile requests against a real acceld: random and mutated frames, bounded in number
 * ($ACCEL_FUZZ_CASES, default 2000; $ACCEL_FUZZ_SEED to replay). The daemon must answer
 * or disconnect, never crash or hang, serve a well-behaved client afterwards and stop
 * cleanly (under the sanitizers: without a leak).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <drm/drm.h>
#include "wire/protocol.h"
#include <libaccel.h>
#include "helpers.h"
#include "../common/scm_rights.h"

static char *root;
static pid_t daemon_pid;
static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static int connect_node(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/dev/accel/accel0", root);
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr))) {
		/* Refused: most likely the daemon died; say so if it did. */
		usleep(100000);
		if (!test_acceld_running(daemon_pid))
			fail_msg("acceld died");
		fail_msg("connect to %s: %s", addr.sun_path, strerror(errno));
	}
	return s;
}

/* Wait for a reply or a close: false when the daemon neither answers nor hangs up. */
static bool answered(int s)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	char buf[ACCEL_WIRE_MAX_MSG];
	int fds_closed = 0;

	if (poll(&p, 1, 3000) != 1)
		return false;
	{
		union { char b[CMSG_SPACE(sizeof(int) * ACCEL_WIRE_MAX_FDS)]; struct cmsghdr a; } ctl;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				      .msg_controllen = sizeof(ctl.b) };
		struct cmsghdr *cm;

		if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT) < 0)
			return true;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			int *fds = (int *)CMSG_DATA(cm);
			unsigned int i, n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (i = 0; i < n; i++, fds_closed++)
				close(fds[i]);
		}
	}
	return true;
}

static int hello(int s)
{
	struct {
		struct accel_wire_hdr h;
		struct accel_wire_hello b;
	} m = { { ACCEL_WIRE_MAGIC, ACCEL_WIRE_HELLO, 0, 1, 0, sizeof(struct accel_wire_hello), 0 },
		{ ACCEL_WIRE_VERSION, O_RDWR } };

	if (send(s, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		return -1;
	return answered(s) ? 0 : -1;
}

static size_t random_ioctl(unsigned char *buf, size_t cap)
{
	struct accel_wire_hdr *h = (struct accel_wire_hdr *)buf;
	struct accel_wire_ioctl *req = (struct accel_wire_ioctl *)(h + 1);
	size_t off = sizeof(*h) + sizeof(*req);
	unsigned int nr, i, nreg = rnd() % 5;

	memset(buf, 0, sizeof(*h) + sizeof(*req));
	do {
		nr = rnd() % 0x100;
	} while (nr == 0xc3 || nr == 0xca); /* waits block by design; their timeouts are tested elsewhere */
	req->cmd = _IOC(rnd() % 4, rnd() % 8 ? DRM_IOCTL_BASE : rnd() % 256, nr, rnd() % 300);
	req->arg = (rnd() % 4) ? 0x10000 + (rnd() % 64) * 8 : rnd();
	req->num_regions = nreg;
	for (i = 0; i < nreg && off + 64 < cap; i++) {
		struct accel_wire_region r;
		uint32_t len = rnd() % 4 ? rnd() % 512 : rnd();

		/* Built aside and copied: a hostile frame's regions need not be aligned. */
		r.addr = (rnd() % 3) ? req->arg + (rnd() % 64) : ((uint64_t)rnd() << 32) | rnd();
		r.len = len;
		r.kind = rnd() % 4;
		memcpy(buf + off, &r, sizeof(r));
		off += sizeof(r);
		if ((r.kind & ACCEL_REGION_IN) && len < 4096) {
			size_t pad = (len + 7u) & ~7u;

			if (off + pad > cap)
				break;
			for (size_t k = 0; k < len; k++)
				buf[off + k] = (unsigned char)rnd();
			off += (rnd() % 8) ? pad : rnd() % (pad + 1);
		}
	}
	if (rnd() % 10 == 0)
		req->num_regions = rnd();
	h->magic = ACCEL_WIRE_MAGIC;
	h->op = ACCEL_WIRE_IOCTL;
	h->id = rnd();
	h->size = (uint32_t)(off - sizeof(*h));
	if (rnd() % 16 == 0)
		h->size = rnd();
	return off;
}

/* A random frame; *quiet is set for a well-formed MUNMAP, the one message with no reply. */
static size_t random_frame(unsigned char *buf, size_t cap, int *nfds, bool *quiet)
{
	struct accel_wire_hdr *h = (struct accel_wire_hdr *)buf;
	size_t len;

	*nfds = 0;
	*quiet = false;
	switch (rnd() % 6) {
	case 0: /* garbage */
		len = rnd() % 600;
		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)rnd();
		return len;
	case 1: /* a header with a random op and size */
		memset(h, 0, sizeof(*h));
		h->magic = rnd() % 8 ? ACCEL_WIRE_MAGIC : rnd();
		h->op = rnd() % 8;
		h->size = rnd() % 4 ? 0 : rnd();
		return sizeof(*h) + (rnd() % 64);
	case 2: { /* mmap of a random offset */
		struct accel_wire_mmap *mm = (struct accel_wire_mmap *)(h + 1);

		memset(buf, 0, sizeof(*h) + sizeof(*mm));
		h->magic = ACCEL_WIRE_MAGIC;
		h->op = ACCEL_WIRE_MMAP;
		h->size = sizeof(*mm);
		mm->offset = ((uint64_t)rnd() << 12) | (rnd() % 2 ? 0 : rnd() % 4096);
		mm->len = rnd();
		return sizeof(*h) + sizeof(*mm);
	}
	case 3: { /* munmap of a random handle */
		struct accel_wire_munmap *mu = (struct accel_wire_munmap *)(h + 1);

		memset(buf, 0, sizeof(*h) + sizeof(*mu));
		h->magic = ACCEL_WIRE_MAGIC;
		h->op = ACCEL_WIRE_MUNMAP;
		h->size = sizeof(*mu);
		mu->handle = rnd() % 4;
		*quiet = true;
		return sizeof(*h) + sizeof(*mu);
	}
	default:
		len = random_ioctl(buf, cap);
		if (rnd() % 6 == 0) {
			struct accel_wire_ioctl *req = (struct accel_wire_ioctl *)(h + 1);

			*nfds = 1 + rnd() % 2;
			req->num_fds = rnd() % 5 ? (uint32_t)*nfds : rnd();
			req->fd_numbers[0] = rnd() % 64;
			req->fd_numbers[1] = rnd() % 64;
			h->nfds = rnd() % 5 ? (uint32_t)*nfds : rnd();
		}
		return len;
	}
}

static ssize_t send_frame(int s, const void *buf, size_t len, int nfds)
{
	int fds[2] = { -1, -1 };
	ssize_t n;

	if (nfds) {
		int p[2];

		fds[0] = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (pipe2(p, O_CLOEXEC) == 0) {
			fds[1] = p[0];
			close(p[1]);
		}
	}
	n = scm_send(s, buf, len, fds, (unsigned int)nfds, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return n;
}

static void hostile_frames_never_crash_or_hang_the_daemon(void **state)
{
	static unsigned char buf[ACCEL_WIRE_MAX_MSG];
	const char *cases_env = getenv("ACCEL_FUZZ_CASES"), *seed_env = getenv("ACCEL_FUZZ_SEED");
	unsigned long cases = cases_env ? strtoul(cases_env, NULL, 0) : 2000, i;
	unsigned long reconnects = 0;
	int s;

	(void)state;
	rng = seed_env ? strtoull(seed_env, NULL, 0) : ((uint64_t)time(NULL) << 20 ^ (uint64_t)getpid()) * 2654435761u + 1;
	fprintf(stderr, "fuzz: %lu cases, ACCEL_FUZZ_SEED=%llu\n", cases, (unsigned long long)rng);
	s = connect_node();
	if (rnd() % 2)
		hello(s);
	for (i = 0; i < cases; i++) {
		bool quiet;
		int nfds;
		size_t len = random_frame(buf, sizeof(buf), &nfds, &quiet);
		ssize_t n = send_frame(s, buf, len, nfds);

		if (!quiet && (n < 0 || !answered(s))) {
			struct pollfd p = { .fd = s, .events = POLLIN };
			struct accel_wire_hdr *h = (struct accel_wire_hdr *)buf;

			/* No answer: the daemon must have hung up, not be stuck. */
			if (n >= 0 && !(poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLIN))))
				fail_msg("case %lu: op %u (%zu bytes) neither answered nor hung up", i,
					 len >= sizeof(*h) ? h->op : 0, len);
		}
		/* A crash shows here rather than as a refused reconnect. */
		if (!test_acceld_running(daemon_pid))
			fail_msg("case %lu: acceld died", i);
		if (rnd() % 8 == 0 || n < 0) {
			close(s);
			s = connect_node();
			reconnects++;
			if (rnd() % 4)
				assert_int_equal(hello(s), 0);
		}
	}
	close(s);
	fprintf(stderr, "fuzz: %lu reconnects\n", reconnects);

	/* A well-behaved client is still served. */
	{
		int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
		struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };

		assert_true(fd >= 0);
		assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &cap), 0);
		assert_int_equal(cap.value, 1);
		accel_sys_close(fd);
	}
}

/* Last: the daemon stops on SIGTERM with status 0 (under the sanitizers: no leak, no error). */
static void daemon_stops_cleanly_without_leaks(void **state)
{
	pid_t pid = daemon_pid;

	(void)state;
	assert_true(test_acceld_running(pid));
	daemon_pid = 0;
	assert_int_equal(test_acceld_stop(pid), 0);
}

/* Set-up and teardown assert nothing (cmocka 1.1 would not count a teardown's failure). */
static int setup(void **state)
{
	(void)state;
	return test_daemon_setup(&root, &daemon_pid, "fuzz", "[example.0]\ndriver = example\n");
}

static int teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&root, &daemon_pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hostile_frames_never_crash_or_hang_the_daemon),
		/* last: cmocka runs the tests in this order */
		cmocka_unit_test(daemon_stops_cleanly_without_leaks),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
