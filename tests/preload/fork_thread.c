// SPDX-License-Identifier: MIT
/*
 * Forked, exec'd and threaded programs under `accel exec` (plain libc: no libaccel).
 * A forked child keeps the device descriptors (through acceld the same open file; embedded,
 * the child's copy of the core: a handle made before fork is valid in both). Through acceld
 * an exec'd image keeps them too, as on a kernel; embedded ones cannot survive exec
 * (docs/preload.md): the new image sees a plain pipe (ENOTTY). $ACCEL_BACKEND (set by
 * accel exec) says which.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <drm/drm.h>

#define NODE "/dev/accel/accel0"

static const char *self_path;

static bool through_daemon(void)
{
	const char *b = getenv("ACCEL_BACKEND");

	return b && !strcmp(b, "daemon");
}

static int syncobj_create_signaled(int fd, uint32_t *h)
{
	struct drm_syncobj_create c = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };
	int ret = ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);

	*h = c.handle;
	return ret;
}

/* WAIT on @h (timeout 0): 0 signaled, else -errno. */
static int syncobj_wait(int fd, uint32_t h)
{
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&h, .count_handles = 1 };

	return ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w) ? -errno : 0;
}

/* What a child or a new image finds on the inherited @fd: 0 (the handle waits), or -errno. */
static int child_check(int fd, uint32_t h)
{
	return syncobj_wait(fd, h);
}

static void test_fork_child_shares_the_open_file(void **state)
{
	uint32_t h = 0;
	int fd = open(NODE, O_RDWR), status;
	pid_t pid;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(syncobj_create_signaled(fd, &h), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		_exit(child_check(fd, h) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the parent's descriptor is untouched by the child */
	assert_int_equal(syncobj_wait(fd, h), 0);
	close(fd);
}

static void test_exec_keeps_daemon_descriptors(void **state)
{
	char fdarg[16], harg[16];
	uint32_t h = 0;
	int fd = open(NODE, O_RDWR), status;
	pid_t pid;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(syncobj_create_signaled(fd, &h), 0);
	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	snprintf(harg, sizeof(harg), "%u", h);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		execl(self_path, self_path, "--exec-child", fdarg, harg, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fd);
}

#define THREADS 4
#define ROUNDS 100

static void *thread_body(void *arg)
{
	intptr_t bad = 0;

	(void)arg;
	for (int i = 0; i < ROUNDS && !bad; i++) {
		struct drm_syncobj_destroy d = { 0 };
		uint32_t h;
		int fd = open(NODE, O_RDWR | O_CLOEXEC);

		if (fd < 0 || syncobj_create_signaled(fd, &h) || syncobj_wait(fd, h))
			bad = 1;
		d.handle = h;
		if (!bad && ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d))
			bad = 1;
		if (fd >= 0 && close(fd))
			bad = 1;
	}
	return (void *)bad;
}

static void test_threads_open_ioctl_close(void **state)
{
	pthread_t t[THREADS];

	(void)state;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_body, NULL), 0);
	for (int i = 0; i < THREADS; i++) {
		void *bad;

		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_child_shares_the_open_file),
		cmocka_unit_test(test_exec_keeps_daemon_descriptors),
		cmocka_unit_test(test_threads_open_ioctl_close),
	};

	/* The new image of test_exec_keeps_daemon_descriptors: exit 0 when it behaves. */
	if (argc == 4 && !strcmp(argv[1], "--exec-child")) {
		int r = child_check(atoi(argv[2]), (uint32_t)strtoul(argv[3], NULL, 10));

		return through_daemon() ? (r == 0 ? 0 : 1) : (r == -ENOTTY ? 0 : 1);
	}
	self_path = argv[0];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
