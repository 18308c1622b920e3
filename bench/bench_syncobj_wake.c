// SPDX-License-Identifier: MIT
/*
 * Cross-process fence wake-up: process A signals a job's fence, process B is blocked in
 * SYNCOBJ_WAIT through acceld on the same syncobj (imported from A's fd) and answers;
 * against an eventfd ping-pong between two processes. Each round trip is two wakes.
 *
 *   bench_syncobj_wake ACCELD_PATH
 */
#include "bench.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/drm_ext.h>
#include <uapi/drm/example_accel.h>

static int efd_ab, efd_ba, accel_fd;
static uint32_t sync_ab, sync_ba;

static int64_t now_ns(void)
{
	return (int64_t)bench_now_ns();
}

static void run_eventfd(void *arg, long iters)
{
	uint64_t v = 1;

	(void)arg;
	for (long i = 0; i < iters; i++) {
		if (write(efd_ab, &v, 8) != 8 || read(efd_ba, &v, 8) != 8)
			abort();
	}
}

/* Signal the fence the peer waits on, then wait for the peer's answer on the other syncobj. */
static int ping(int fd, uint32_t out, uint32_t in)
{
	struct drm_example_submit sub = { .out_syncobj = out };
	struct drm_example_signal sig = { 0 };
	struct drm_syncobj_wait_6_12 w = { 0 };
	struct drm_syncobj_array reset = { .handles = (uintptr_t)&in, .count_handles = 1 };

	if (accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_SUBMIT, &sub))
		return -1;
	sig.fence_id = sub.fence_id;
	if (accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_SIGNAL, &sig))
		return -1;
	w.handles = (uintptr_t)&in;
	w.count_handles = 1;
	w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
	w.timeout_nsec = now_ns() + 10000000000ll;
	if (accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT_6_12, &w))
		return -1;
	return accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_RESET, &reset);
}

static void run_syncobj(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++)
		if (ping(accel_fd, sync_ab, sync_ba))
			abort();
}

int main(int argc, char **argv)
{
	char root[32];
	struct bench_result sync_r, ev_r;
	long iters = 2000;
	pid_t daemon, child;
	int sv[2];

	if (argc != 2) {
		fprintf(stderr, "usage: %s ACCELD_PATH\n", argv[0]);
		return 2;
	}
	daemon = bench_acceld_start_fresh(argv[1], root);

	/* eventfd ping-pong between two processes. */
	efd_ab = eventfd(0, 0);
	efd_ba = eventfd(0, 0);
	child = bench_fork();
	if (child == 0) {
		uint64_t v;

		for (;;) {
			if (read(efd_ab, &v, 8) != 8)
				_exit(0);
			v = 1;
			if (write(efd_ba, &v, 8) != 8)
				_exit(0);
		}
	}
	ev_r = bench_run(run_eventfd, NULL, 20000, 9);
	bench_child_stop(child);

	/* The same ping-pong with job fences and syncobj waits through acceld. */
	accel_fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	if (accel_fd < 0)
		return 1;
	{
		struct drm_syncobj_create a = { 0 }, b = { 0 };
		struct drm_syncobj_handle ea = { 0 }, eb = { 0 };

		if (accel_sys_ioctl(accel_fd, DRM_IOCTL_SYNCOBJ_CREATE, &a) ||
		    accel_sys_ioctl(accel_fd, DRM_IOCTL_SYNCOBJ_CREATE, &b))
			return 1;
		sync_ab = a.handle;
		sync_ba = b.handle;
		ea.handle = a.handle;
		eb.handle = b.handle;
		if (accel_sys_ioctl(accel_fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &ea) ||
		    accel_sys_ioctl(accel_fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &eb))
			return 1;
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			return 1;
		child = bench_fork();
		if (child == 0) {
			int cfd = accel_sys_open("/dev/accel/accel0", O_RDWR), two[2];
			struct drm_syncobj_handle ia = { 0 }, ib = { 0 };

			if (!bench_recv_fds(sv[1], two, 2))
				_exit(1);
			ia.fd = two[0];
			ib.fd = two[1];
			if (cfd < 0 || accel_sys_ioctl(cfd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &ia) ||
			    accel_sys_ioctl(cfd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &ib))
				_exit(1);
			/* Answer each of A's pings: wait on a->b, signal b->a. */
			for (;;) {
				struct drm_syncobj_wait_6_12 w = { 0 };
				struct drm_example_submit sub = { .out_syncobj = ib.handle };
				struct drm_example_signal sig = { 0 };
				struct drm_syncobj_array reset = { .handles = (uintptr_t)&ia.handle, .count_handles = 1 };

				w.handles = (uintptr_t)&ia.handle;
				w.count_handles = 1;
				w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
				w.timeout_nsec = now_ns() + 10000000000ll;
				if (accel_sys_ioctl(cfd, DRM_IOCTL_SYNCOBJ_WAIT_6_12, &w) ||
				    accel_sys_ioctl(cfd, DRM_IOCTL_SYNCOBJ_RESET, &reset))
					_exit(0);
				if (accel_sys_ioctl(cfd, DRM_IOCTL_EXAMPLE_SUBMIT, &sub))
					_exit(0);
				sig.fence_id = sub.fence_id;
				if (accel_sys_ioctl(cfd, DRM_IOCTL_EXAMPLE_SIGNAL, &sig))
					_exit(0);
			}
		}
		{
			int two[2] = { ea.fd, eb.fd };

			bench_send_fds(sv[0], two, 2);
		}
	}
	sync_r = bench_run(run_syncobj, NULL, iters, 9);
	bench_report("syncobj signal-to-wake round trip, 2 processes", "ns", sync_r,
		     "eventfd ping-pong, 2 processes", ev_r, "<= 1.2");
	bench_child_stop(child);
	accel_sys_close(accel_fd);
	return bench_acceld_stop(daemon);
}
