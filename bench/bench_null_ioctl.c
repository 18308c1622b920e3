// SPDX-License-Identifier: MIT
/*
 * The cost of a null ioctl (GET_CAP): embedded, against a pipe FIONREAD ioctl; through
 * acceld, against a raw 64-byte SOCK_SEQPACKET request-reply between two processes; and the
 * floor of the shared-memory path (wire/shm_ring.h, docs/acceld-shm.md): a 64-byte request
 * and reply through a ring between two processes, against the same SEQPACKET round trip.
 *
 *   bench_null_ioctl ACCELD_PATH
 */
#include "bench.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include "wire/shm_ring.h"

static int bench_fd, pipe_fds[2], seq_fd;

static void run_getcap(void *arg, long iters)
{
	struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };

	(void)arg;
	for (long i = 0; i < iters; i++)
		if (accel_sys_ioctl(bench_fd, DRM_IOCTL_GET_CAP, &cap))
			abort();
}

static void run_fionread(void *arg, long iters)
{
	int n;

	(void)arg;
	for (long i = 0; i < iters; i++)
		if (ioctl(pipe_fds[0], FIONREAD, &n))
			abort();
}

static void run_seqpacket(void *arg, long iters)
{
	(void)arg;
	bench_seqpacket_round_trips(seq_fd, iters);
}

static struct accel_shm_ring bench_ring;

static void run_shm_ring(void *arg, long iters)
{
	unsigned char req[64] = { 1 }, rep[64];
	size_t rep_len;
	int32_t result;

	(void)arg;
	for (long i = 0; i < iters; i++)
		if (accel_shm_ring_call(&bench_ring, 1, req, sizeof(req), rep, sizeof(rep), &rep_len,
					&result) || result != 64)
			abort();
}

/* The ring's echo server: answers each request with its bytes until its parent goes. */
static int shm_ring_echo(int fd)
{
	struct accel_shm_ring r;
	unsigned char buf[ACCEL_SHM_SLOT_DATA];
	uint32_t op, len;
	int idx;

	if (accel_shm_ring_attach(&r, fd))
		return 1;
	while ((idx = accel_shm_ring_take(&r, buf, &op, &len, -1)) >= 0)
		accel_shm_ring_reply(&r, idx, (int32_t)len, buf, len);
	accel_shm_ring_destroy(&r);
	return 0;
}

/*
 * Embedded, in a child of its own: this process then meets acceld with a libaccel that has
 * not chosen a backend yet (a process keeps the backend it started with).
 */
static int embedded_phase(const char *root)
{
	struct bench_result emb, pipe_r;

	setenv("ACCEL_ROOT", root, 1);
	bench_fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	if (bench_fd < 0 || accel_fd_backend(bench_fd) != ACCEL_BACKEND_EMBEDDED) {
		perror("bench_null_ioctl: open embedded");
		return 1;
	}
	emb = bench_run(run_getcap, NULL, 200000, 15);
	pipe_r = bench_run(run_fionread, NULL, 200000, 15);
	bench_report("null ioctl, embedded", "ns", emb, "pipe FIONREAD ioctl", pipe_r, "<= 0.5");
	accel_sys_close(bench_fd);
	return 0;
}

int main(int argc, char **argv)
{
	char root[32];
	struct bench_result dmn, seq;
	pid_t echo, daemon;

	if (argc != 2) {
		fprintf(stderr, "usage: %s ACCELD_PATH\n", argv[0]);
		return 2;
	}
	if (pipe(pipe_fds))
		return 1;
	/* No refresher rewriting files while we time. */
	setenv("ACCEL_REFRESH_MS", "0", 1);

	if (bench_child_phase(embedded_phase))
		return 1;

	/* Through acceld, serving a root of its own. */
	daemon = bench_acceld_start_fresh(argv[1], root);
	bench_fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	if (bench_fd < 0 || accel_fd_backend(bench_fd) != ACCEL_BACKEND_DAEMON) {
		perror("bench_null_ioctl: open through acceld");
		return 1;
	}
	dmn = bench_run(run_getcap, NULL, 20000, 11);
	echo = bench_seqpacket_echo_start(&seq_fd);
	seq = bench_run(run_seqpacket, NULL, 20000, 11);
	bench_report("null ioctl, acceld", "ns", dmn, "SEQPACKET 64 B round trip", seq, "<= 1.2");
	{
		struct bench_result ring;
		pid_t ring_echo;

		if (accel_shm_ring_create(&bench_ring))
			return 1;
		ring_echo = bench_fork();
		if (ring_echo == 0)
			_exit(shm_ring_echo(bench_ring.fd));
		ring = bench_run(run_shm_ring, NULL, 20000, 11);
		bench_report("shm ring 64 B round trip (floor)", "ns", ring, "SEQPACKET 64 B round trip",
			     seq, "<= 0.3");
		bench_child_stop(ring_echo);
		accel_shm_ring_destroy(&bench_ring);
	}
	accel_sys_close(bench_fd);
	close(seq_fd);
	bench_child_wait(echo);
	return bench_acceld_stop(daemon);
}
