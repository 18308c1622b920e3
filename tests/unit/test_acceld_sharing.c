// SPDX-License-Identifier: MIT
/*
 * Processes sharing through acceld: buffers and fences cross as descriptors, everything
 * else stays per client, and a killed client leaves only what others still hold.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/drm_ext.h>
#include <uapi/drm/example_accel.h>
#include "helpers.h"
#include "../common/scm_rights.h"

static char *root;
static pid_t daemon_pid;

/* Set-up and teardown assert nothing (cmocka 1.1 would not count a teardown's failure). */
static int setup(void **state)
{
	(void)state;
	return test_daemon_setup(&root, &daemon_pid, "share",
				 "[nodes]\nmode = 0666\n\n[example.0]\ndriver = example\n");
}

static int teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&root, &daemon_pid);
}

static void send_fd(int sock, int fd)
{
	if (scm_send_fd(sock, fd, 0) != 1)
		abort();
}

static int recv_fd(int sock)
{
	return scm_recv_fd(sock, 0);
}

static unsigned long gem_objects(void)
{
	char path[4096];
	unsigned long n = ~0ul;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/kernel/debug/accel/example.0/gem_objects", root);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "objects: %lu", &n) != 1)
			n = ~0ul;
		fclose(f);
	}
	return n;
}

/* The refresher republishes debugfs every second; closing is asynchronous: wait for it. */
static unsigned long wait_gem_objects(unsigned long want)
{
	unsigned long n = gem_objects();

	for (int i = 0; i < 400 && n != want; i++) {
		usleep(10000);
		n = gem_objects();
	}
	return n;
}

static uint32_t create_bo(int fd, uint64_t size, uint64_t *offset)
{
	struct drm_example_create_bo c = { .size = size };
	struct drm_example_bo_info info = { 0 };

	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &c), 0);
	info.handle = c.handle;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &info), 0);
	*offset = info.mmap_offset;
	return c.handle;
}

static void buffer_passed_to_another_process_is_the_same_memory(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR), sv[2];
	struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
	uint64_t off;
	uint32_t *p;
	pid_t child;
	int status;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	exp.handle = create_bo(fd, 4096, &off);
	p = accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
	assert_true(p != MAP_FAILED);
	p[0] = 0xc0ffee;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp), 0);
	child = fork();
	if (child == 0) {
		/* Another process, its own open file: import, map, read, answer in place. */
		int cfd = accel_sys_open("/dev/accel/accel0", O_RDWR);
		struct drm_prime_handle imp = { .fd = recv_fd(sv[1]) };
		struct drm_example_bo_info info = { 0 };
		uint32_t *q;

		if (cfd < 0 || imp.fd < 0 || accel_sys_ioctl(cfd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp))
			_exit(1);
		info.handle = imp.handle;
		if (accel_sys_ioctl(cfd, DRM_IOCTL_EXAMPLE_BO_INFO, &info))
			_exit(2);
		q = accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, (off_t)info.mmap_offset);
		if (q == MAP_FAILED || q[0] != 0xc0ffee)
			_exit(3);
		q[1] = 0xbeef;
		_exit(0);
	}
	send_fd(sv[0], exp.fd);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(p[1], 0xbeef);
	accel_sys_munmap(p, 4096);
	close(exp.fd);
	close(sv[0]);
	close(sv[1]);
	accel_sys_close(fd);
	assert_int_equal(wait_gem_objects(0), 0);
}

static int other_client_probe(uint32_t handle, uint64_t off)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	struct drm_example_bo_info info = { .handle = handle };
	struct drm_gem_close gc = { .handle = handle };

	if (fd < 0)
		return 1;
	if (accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &info) != -1 || errno != ENOENT)
		return 2;
	if (accel_sys_mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)off) != MAP_FAILED ||
	    errno != EACCES)
		return 3;
	if (accel_sys_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc) != -1 || errno != EINVAL)
		return 4;
	accel_sys_close(fd);
	return 0;
}

static void handles_and_offsets_do_not_reach_another_client(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	uint64_t off;
	uint32_t h = create_bo(fd, 4096, &off);
	pid_t child = fork();
	int status;

	(void)state;
	if (child == 0)
		_exit(other_client_probe(h, off));
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The owner still has it. */
	{
		struct drm_example_bo_info info = { .handle = h };

		assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &info), 0);
	}
	accel_sys_close(fd);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void wait_in_another_process_wakes_when_the_job_signals(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR), sv[2], ready[2];
	struct drm_syncobj_create sc = { 0 };
	struct drm_syncobj_handle h2f = { 0 }, sf = { 0 };
	struct drm_example_submit sub = { 0 };
	struct drm_example_signal sig = { 0 };
	pid_t child;
	int status;
	char c;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc), 0);
	sub.out_syncobj = sc.handle;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_SUBMIT, &sub), 0);
	h2f.handle = sc.handle;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h2f), 0);
	sf.handle = sc.handle;
	sf.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &sf), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct drm_syncobj_handle f2h = { 0 };
		struct drm_syncobj_wait_6_12 w = { 0 };
		struct pollfd p = { .events = POLLIN };
		int cfd;

		prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed test leaves no child behind */
		cfd = accel_sys_open("/dev/accel/accel0", O_RDWR);
		f2h.fd = recv_fd(sv[1]);
		p.fd = recv_fd(sv[1]);
		if (cfd < 0 || f2h.fd < 0 || accel_sys_ioctl(cfd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &f2h))
			_exit(1);
		if (poll(&p, 1, 0) != 0)
			_exit(2); /* not signalled yet */
		w.handles = (uintptr_t)&f2h.handle;
		w.count_handles = 1;
		w.timeout_nsec = now_ns() + 10000000000ll;
		if (write(ready[1], "w", 1) != 1)
			_exit(3);
		if (accel_sys_ioctl(cfd, DRM_IOCTL_SYNCOBJ_WAIT_6_12, &w))
			_exit(4);
		if (poll(&p, 1, 1000) != 1 || !(p.revents & POLLIN))
			_exit(5);
		_exit(0);
	}
	/* The child's end only in the child: a child that fails ends the read with EOF. */
	close(ready[1]);
	send_fd(sv[0], h2f.fd);
	send_fd(sv[0], sf.fd);
	assert_int_equal(read(ready[0], &c, 1), 1);
	usleep(50000); /* let the child block in its wait */
	sig.fence_id = sub.fence_id;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_SIGNAL, &sig), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(h2f.fd);
	close(sf.fd);
	close(sv[0]);
	close(sv[1]);
	close(ready[0]);
	accel_sys_close(fd);
}

static void killed_client_leaves_only_what_others_hold(void **state)
{
	int sv[2], ready[2];
	struct drm_prime_handle imp = { 0 };
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	struct drm_example_bo_info info = { 0 };
	uint32_t *p;
	pid_t child;
	char c;

	(void)state;
	assert_int_equal(wait_gem_objects(0), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int cfd = accel_sys_open("/dev/accel/accel0", O_RDWR);
		struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
		struct drm_syncobj_create sc = { 0 };
		struct drm_example_submit sub = { 0 };
		uint64_t off;
		uint32_t *q;

		prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed test leaves no child behind */
		/* Three buffers, one mapped, one exported; a syncobj with a pending job. */
		create_bo(cfd, 8192, &off);
		q = accel_sys_mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, (off_t)off);
		exp.handle = create_bo(cfd, 4096, &off);
		create_bo(cfd, 4096, &off);
		if (q == MAP_FAILED || accel_sys_ioctl(cfd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp))
			_exit(1);
		q = accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, (off_t)off);
		accel_sys_ioctl(cfd, DRM_IOCTL_SYNCOBJ_CREATE, &sc);
		sub.out_syncobj = sc.handle;
		accel_sys_ioctl(cfd, DRM_IOCTL_EXAMPLE_SUBMIT, &sub);
		{
			uint32_t *e = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, exp.fd, 0);

			if (e == MAP_FAILED)
				_exit(2);
			e[0] = 0x5eed;
		}
		send_fd(sv[1], exp.fd);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	/* The child's ends only in the child: a child that fails ends the reads with EOF. */
	close(sv[1]);
	close(ready[1]);
	imp.fd = recv_fd(sv[0]);
	assert_true(imp.fd >= 0);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp), 0);
	close(imp.fd);
	assert_int_equal(wait_gem_objects(3), 3);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* Only the buffer this process imported survives, with its contents. */
	assert_int_equal(wait_gem_objects(1), 1);
	info.handle = imp.handle;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &info), 0);
	p = accel_sys_mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)info.mmap_offset);
	assert_true(p != MAP_FAILED);
	assert_int_equal(p[0], 0x5eed);
	accel_sys_munmap(p, 4096);
	accel_sys_close(fd);
	assert_int_equal(wait_gem_objects(0), 0);
	close(sv[0]);
	close(ready[0]);
}

static void client_killed_in_a_blocking_wait_is_released(void **state)
{
	char path[4096];
	pid_t child;
	int ready[2];
	char c;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int cfd = accel_sys_open("/dev/accel/accel0", O_RDWR);
		struct drm_syncobj_create sc = { 0 };
		struct drm_syncobj_wait_6_12 w = { 0 };
		struct drm_example_submit sub = { 0 };

		prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed test leaves no child behind */
		accel_sys_ioctl(cfd, DRM_IOCTL_SYNCOBJ_CREATE, &sc);
		sub.out_syncobj = sc.handle;
		accel_sys_ioctl(cfd, DRM_IOCTL_EXAMPLE_SUBMIT, &sub);
		w.handles = (uintptr_t)&sc.handle;
		w.count_handles = 1;
		w.timeout_nsec = INT64_MAX; /* nobody will ever signal it */
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		accel_sys_ioctl(cfd, DRM_IOCTL_SYNCOBJ_WAIT_6_12, &w);
		_exit(2);
	}
	/* The child's end only in the child: a child that fails ends the read with EOF. */
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	usleep(100000);
	snprintf(path, sizeof(path), "%s/proc/%d", root, (int)child);
	assert_int_equal(access(path, F_OK), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* The daemon's wait gives up like a kernel's on a fatal signal: the client goes. */
	for (int i = 0; i < 300 && access(path, F_OK) == 0; i++)
		usleep(10000);
	assert_int_not_equal(access(path, F_OK), 0);
	close(ready[0]);
}

/* Last: the daemon outlived every client and stops on SIGTERM with status 0 (no leak). */
static void daemon_stops_cleanly_without_leaks(void **state)
{
	pid_t pid = daemon_pid;

	(void)state;
	assert_true(test_acceld_running(pid));
	daemon_pid = 0;
	assert_int_equal(test_acceld_stop(pid), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buffer_passed_to_another_process_is_the_same_memory),
		cmocka_unit_test(handles_and_offsets_do_not_reach_another_client),
		cmocka_unit_test(wait_in_another_process_wakes_when_the_job_signals),
		cmocka_unit_test(killed_client_leaves_only_what_others_hold),
		cmocka_unit_test(client_killed_in_a_blocking_wait_is_released),
		/* last: cmocka runs the tests in this order */
		cmocka_unit_test(daemon_stops_cleanly_without_leaks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
