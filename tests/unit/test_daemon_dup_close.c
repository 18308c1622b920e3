// SPDX-License-Identifier: MIT
/*
 * A descriptor opened through acceld, closed while a dup() of it lives on: the open file
 * lives on through the dup, as a kernel file lives while any descriptor does, and the
 * connection speaks on the dup from then on (the LD_PRELOAD shim, docs/preload.md, closes
 * descriptors in whatever order the program does).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <drm/drm.h>
#include <libaccel.h>
#include "helpers.h"

static char *root;
static pid_t daemon_pid;

/* Set-up and teardown assert nothing (cmocka 1.1 would not count a teardown's failure). */
static int setup(void **state)
{
	(void)state;
	if (setenv("ACCEL_BACKEND", "daemon", 1))
		return -1;
	return test_daemon_setup(&root, &daemon_pid, "dupclose", "[example.0]\ndriver = example\n");
}

static int teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&root, &daemon_pid);
}

/* DRM_IOCTL_VERSION on @fd: 0 and the driver's name, or -errno. */
static int version(int fd, char *name)
{
	struct drm_version v = { .name = name, .name_len = 31 };

	memset(name, 0, 32);
	return accel_sys_ioctl(fd, DRM_IOCTL_VERSION, &v) ? -errno : 0;
}

static void unseen_dup_serves_after_the_original_closes(void **state)
{
	char name[32];
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC), d;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(accel_fd_backend(fd), ACCEL_BACKEND_DAEMON);
	d = dup(fd);
	assert_true(d >= 0);
	assert_int_equal(accel_sys_close(fd), 0);
	assert_int_equal(version(d, name), 0);
	assert_string_equal(name, "example");
	assert_int_equal(accel_sys_close(d), 0);
}

static void used_dup_serves_after_the_original_closes(void **state)
{
	char name[32];
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC), d;

	(void)state;
	assert_true(fd >= 0);
	d = dup(fd);
	assert_true(d >= 0);
	/* The library knows the dup by now (adopted by its inode at first use). */
	assert_int_equal(version(d, name), 0);
	assert_int_equal(accel_sys_close(fd), 0);
	assert_int_equal(version(d, name), 0);
	assert_string_equal(name, "example");
	assert_int_equal(accel_sys_close(d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unseen_dup_serves_after_the_original_closes),
		cmocka_unit_test(used_dup_serves_after_the_original_closes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
