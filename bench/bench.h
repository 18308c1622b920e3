/* SPDX-License-Identifier: MIT */
/*
 * bench.h - timing for the benchmarks: repeated trials of a batch of operations, reported
 * as the median, min and max nanoseconds per operation, next to a baseline measured in the
 * same run, as one line the runner (scripts/bench.sh) gathers into a table and JSON.
 */
#ifndef ACCEL_BENCH_H
#define ACCEL_BENCH_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct bench_result {
	double median, min, max; /* ns per operation */
};

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Run @fn(@arg, @iters) @trials times; per-operation figures. */
static inline struct bench_result bench_run(void (*fn)(void *arg, long iters), void *arg, long iters,
					    int trials)
{
	double t[64];
	struct bench_result r;
	int i;

	if (trials > 64)
		trials = 64;
	fn(arg, iters / 10 + 1); /* warm up */
	for (i = 0; i < trials; i++) {
		uint64_t t0 = bench_now_ns();

		fn(arg, iters);
		t[i] = (double)(bench_now_ns() - t0) / (double)iters;
	}
	qsort(t, trials, sizeof(t[0]), bench_cmp);
	r.median = t[trials / 2];
	r.min = t[0];
	r.max = t[trials - 1];
	return r;
}

/*
 * One figure: "BENCH name|unit|median|min|max|baseline name|baseline median|ratio|goal".
 * @goal is a text such as "<= 0.5" (the ratio it should meet) or "" for none.
 */
static inline void bench_report(const char *name, const char *unit, struct bench_result r,
				const char *base_name, struct bench_result base, const char *goal)
{
	printf("BENCH %s|%s|%.1f|%.1f|%.1f|%s|%.1f|%.3f|%s\n", name, unit, r.median, r.min, r.max,
	       base_name, base.median, base.median > 0 ? r.median / base.median : 0.0, goal);
	fflush(stdout);
}

/*
 * The SOCK_SEQPACKET floor: a child that echoes 64-byte messages on a socketpair. Returns
 * the child's pid; *@fd is our end (close it to end the child).
 */
static inline pid_t bench_seqpacket_echo_start(int *fd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		abort();
	pid = fork();
	if (pid == 0) {
		char buf[64];
		ssize_t n;

		close(sv[0]);
		while ((n = recv(sv[1], buf, sizeof(buf), 0)) > 0)
			if (send(sv[1], buf, n, 0) != n)
				break;
		_exit(0);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

/* @iters 64-byte request-reply round trips with the echo child on @fd. */
static inline void bench_seqpacket_round_trips(int fd, long iters)
{
	char buf[64] = { 0 };

	for (long i = 0; i < iters; i++)
		if (send(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
		    recv(fd, buf, sizeof(buf), 0) != sizeof(buf))
			abort();
}

/* Start acceld serving @root in the foreground (a child); returns once it serves. */
static inline pid_t bench_acceld_start(const char *acceld, const char *root)
{
	char sock[4096], pidf[4096];
	pid_t pid = fork();

	if (pid == 0) {
		execl(acceld, "acceld", "--root", root, "--log-level", "err", (char *)NULL);
		_exit(127);
	}
	snprintf(sock, sizeof(sock), "%s/dev/accel/accel0", root);
	snprintf(pidf, sizeof(pidf), "%s/acceld.pid", root);
	for (int i = 0; i < 500; i++) {
		struct stat st;

		if (!stat(sock, &st) && !stat(pidf, &st) && st.st_size > 0)
			return pid;
		usleep(10000);
	}
	fprintf(stderr, "acceld did not start serving %s\n", root);
	exit(1);
}

/* Pass @n descriptors over a Unix socket (one byte of data). */
static inline void bench_send_fds(int sock, const int *fds, int n)
{
	union { char b[CMSG_SPACE(4 * sizeof(int))]; struct cmsghdr a; } ctl;
	char c = 'f';
	struct iovec iov = { &c, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			      .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		abort();
}

/* Receive @n descriptors; false at the end of the stream. */
static inline bool bench_recv_fds(int sock, int *fds, int n)
{
	union { char b[CMSG_SPACE(4 * sizeof(int))]; struct cmsghdr a; } ctl;
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			      .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *cm;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return false;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return false;
	memcpy(fds, CMSG_DATA(cm), n * sizeof(int));
	return true;
}

#endif
