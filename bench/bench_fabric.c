// SPDX-License-Identifier: MIT
/*
 * bench_fabric.c - vtrain's scale-out transport (vtrain_fabric over libfabric) against a
 * plain TCP socket, in the same run, between this process and a peer process (this program
 * run again with --peer) on the loopback: ping-pong of one message per size, giving the
 * one-way latency (half the round trip) and the one-way bandwidth (size / that).
 *
 *   bench_fabric [MAX_BYTES]     (default 64 MiB; sizes 8 B, then 4 KiB x4 up to MAX_BYTES)
 *
 * Prints one line per size and transport and the fabric/TCP bandwidth ratio. Always finishes:
 * the peer dies with us (PR_SET_PDEATHSIG) and every wait has a timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "vtrain_fabric.h"

#define WAIT_MS 60000
#define BYTES_PER_SIZE (256ull << 20) /* traffic per size and transport, both ways */
#define MAX_ITERS 2000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_fabric: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static unsigned iters_for(size_t size)
{
	unsigned long long n = BYTES_PER_SIZE / (2 * size);

	return n < 5 ? 5 : n > MAX_ITERS ? MAX_ITERS : (unsigned)n;
}

/* One round: rank 0 sends and receives back; rank 1 the reverse. */
static void fabric_round(struct vtrain_fabric *f, int rank, void *buf, size_t len)
{
	uint32_t peer = !rank;
	struct vtrain_fabric_req *r;
	int ret;

	for (int step = 0; step < 2; step++) {
		int sending = (step == 0) == (rank == 0);

		ret = sending ? vtrain_fabric_isend(f, peer, 1, buf, len, &r) :
				vtrain_fabric_irecv(f, peer, 1, buf, len, &r);
		if (!ret)
			ret = vtrain_fabric_wait(f, r, WAIT_MS);
		if (ret)
			die(sending ? "fabric send" : "fabric receive", ret);
	}
}

static void full_io(int fd, void *buf, size_t len, int sending)
{
	char *p = buf;

	while (len) {
		ssize_t n = sending ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);

		if (n <= 0)
			die(sending ? "tcp send" : "tcp recv", n < 0 ? errno : ECONNRESET);
		p += n;
		len -= (size_t)n;
	}
}

static void tcp_round(int fd, int rank, void *buf, size_t len)
{
	full_io(fd, buf, len, rank == 0);
	full_io(fd, buf, len, rank != 0);
}

struct sizes {
	size_t v[32];
	int n;
};

static struct sizes size_list(size_t max)
{
	struct sizes s = { .n = 0 };

	s.v[s.n++] = 8;
	for (size_t b = 4096; b <= max && s.n < 32; b *= 4)
		s.v[s.n++] = b;
	return s;
}

/* Both ranks run the same sequence; rank 0 times it. */
static void run(struct vtrain_fabric *f, int fd, int rank, size_t max)
{
	struct sizes s = size_list(max);
	char *buf = malloc(max);

	if (!buf)
		die("malloc", ENOMEM);
	memset(buf, 1, max);
	if (!rank)
		printf("%-10s %14s %14s %14s %14s %8s\n", "bytes", "fabric_us", "fabric_MB/s", "tcp_us",
		       "tcp_MB/s", "bw_ratio");
	for (int i = 0; i < s.n; i++) {
		size_t len = s.v[i];
		unsigned iters = iters_for(len);
		double t0, tf, tt;

		fabric_round(f, rank, buf, len); /* warm: connection, buffers */
		t0 = now_s();
		for (unsigned k = 0; k < iters; k++)
			fabric_round(f, rank, buf, len);
		tf = (now_s() - t0) / iters / 2;
		tcp_round(fd, rank, buf, len);
		t0 = now_s();
		for (unsigned k = 0; k < iters; k++)
			tcp_round(fd, rank, buf, len);
		tt = (now_s() - t0) / iters / 2;
		if (!rank) {
			printf("%-10zu %14.2f %14.1f %14.2f %14.1f %8.2f\n", len, tf * 1e6, len / tf / 1e6,
			       tt * 1e6, len / tt / 1e6, tt / tf);
			printf("BENCH fabric_pingpong_%zu|%.0f|%.0f|%.2f\n", len, tf * 1e9, tt * 1e9, tt / tf);
			fflush(stdout);
		}
	}
	free(buf);
}

static struct vtrain_fabric *open_loopback(void)
{
	struct vtrain_fabric_opts o = { .node = "127.0.0.1", .service = "0" };
	struct vtrain_fabric *f;
	int ret = vtrain_fabric_open(&o, &f);

	if (ret)
		die("vtrain_fabric_open", ret);
	return f;
}

static void xwrite(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		die("pipe write", errno);
}

static void xread(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)p + got, n - got);

		if (r <= 0)
			die("pipe read", r < 0 ? errno : EPIPE);
		got += (size_t)r;
	}
}

static void tune_socket(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int peer_main(int rfd, int wfd, size_t max)
{
	struct vtrain_fabric *f = open_loopback();
	char name[VTRAIN_FABRIC_NAME_MAX];
	struct sockaddr_in sa;
	int fd, ret;

	if ((ret = vtrain_fabric_local_name(f, name, sizeof(name))))
		die("local_name", ret);
	xwrite(wfd, name, sizeof(name));
	xread(rfd, name, sizeof(name));
	if ((ret = vtrain_fabric_add_peer(f, 0, name)))
		die("add_peer", ret);
	xread(rfd, &sa, sizeof(sa));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("tcp connect", errno);
	tune_socket(fd);
	run(f, fd, 1, max);
	close(fd);
	vtrain_fabric_close(f);
	return 0;
}

int main(int argc, char **argv)
{
	size_t max = 64u << 20;
	int to[2], from[2], lfd, fd, status, ret;
	char name[VTRAIN_FABRIC_NAME_MAX], rfd[16], wfd[16], maxs[32];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sa);
	struct vtrain_fabric *f;
	pid_t pid;

	if (argc == 5 && !strcmp(argv[1], "--peer"))
		return peer_main(atoi(argv[2]), atoi(argv[3]), strtoull(argv[4], NULL, 0));
	if (argc > 1)
		max = strtoull(argv[1], NULL, 0);
	if (max < 4096)
		max = 4096;

	f = open_loopback();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &slen))
		die("tcp listen", errno);
	if (pipe(to) || pipe(from))
		die("pipe", errno);
	snprintf(rfd, sizeof(rfd), "%d", to[0]);
	snprintf(wfd, sizeof(wfd), "%d", from[1]);
	snprintf(maxs, sizeof(maxs), "%zu", max);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl("/proc/self/exe", "bench_fabric", "--peer", rfd, wfd, maxs, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	xread(from[0], name, sizeof(name));
	if ((ret = vtrain_fabric_add_peer(f, 1, name)))
		die("add_peer", ret);
	if ((ret = vtrain_fabric_local_name(f, name, sizeof(name))))
		die("local_name", ret);
	xwrite(to[1], name, sizeof(name));
	xwrite(to[1], &sa, sizeof(sa));
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("tcp accept", errno);
	tune_socket(fd);
	printf("# vtrain_fabric (%s) vs TCP socket, loopback, ping-pong between two processes\n",
	       getenv("ACCEL_FABRIC_PROVIDER") ? getenv("ACCEL_FABRIC_PROVIDER") :
						 VTRAIN_FABRIC_DEFAULT_PROVIDER);
	run(f, fd, 0, max);
	close(fd);
	close(lfd);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("peer process failed", EIO);
	vtrain_fabric_close(f);
	return 0;
}
