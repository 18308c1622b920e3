// SPDX-License-Identifier: MIT
/*
 * Requests and replies larger than one 192 KiB message travel through acceld in a sealed
 * memfd: arrays of 50 000 syncobjs go in (SIGNAL, WAIT) and come back (QUERY) whole.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include "helpers.h"

#define COUNT 50000

static char *root;
static pid_t daemon_pid;
static int fd = -1;
static uint32_t *handles;
static uint64_t *points;

static int setup(void **state)
{
	(void)state;
	root = test_tmpdir("acceld-large");
	setenv("ACCEL_ROOT", root, 1);
	daemon_pid = test_acceld_start(root, "[nodes]\nmode = 0666\n\n[example.0]\ndriver = example\n");
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);
	handles = calloc(COUNT, sizeof(*handles));
	points = calloc(COUNT, sizeof(*points));
	/* Made once for every test (checked there: set-up failures would go unseen). */
	for (unsigned int i = 0; fd >= 0 && handles && i < COUNT; i++) {
		struct drm_syncobj_create c = { 0 };

		if (accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c))
			break;
		handles[i] = c.handle;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (fd >= 0)
		accel_sys_close(fd);
	if (daemon_pid > 0)
		test_acceld_stop(daemon_pid);
	free(handles);
	free(points);
	test_rmdir(root);
	return 0;
}

/* Every handle at once (SIGNAL: 200 KB of handles in). */
static int signal_all(void)
{
	struct drm_syncobj_array a = { .handles = (uintptr_t)handles, .count_handles = COUNT };

	return accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &a);
}

static void wait_on_fifty_thousand_signalled_syncobjs_succeeds(void **state)
{
	struct drm_syncobj_wait w = { 0 };

	(void)state;
	assert_int_equal(accel_fd_backend(fd), ACCEL_BACKEND_DAEMON);
	assert_int_not_equal(handles[COUNT - 1], 0);
	assert_int_equal(signal_all(), 0);
	w.handles = (uintptr_t)handles;
	w.count_handles = COUNT;
	w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w), 0);
}

static void wait_sees_the_last_of_fifty_thousand_handles(void **state)
{
	struct drm_syncobj_array reset = { .handles = 0, .count_handles = 1 };
	struct drm_syncobj_wait w = { 0 };

	(void)state;
	assert_int_not_equal(handles[COUNT - 1], 0);
	assert_int_equal(signal_all(), 0);
	/* Only the very last handle is unsignalled: it must have reached the daemon. */
	reset.handles = (uintptr_t)&handles[COUNT - 1];
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_RESET, &reset), 0);
	w.handles = (uintptr_t)handles;
	w.count_handles = COUNT;
	w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
	w.timeout_nsec = 0;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w), -1);
	assert_int_equal(errno, ETIME);
}

static void query_returns_fifty_thousand_points(void **state)
{
	struct drm_syncobj_timeline_array a = { 0 };
	unsigned int i;

	(void)state;
	assert_int_not_equal(handles[COUNT - 1], 0);
	for (i = 0; i < COUNT; i++)
		points[i] = 1000000 + i;
	a.handles = (uintptr_t)handles;
	a.points = (uintptr_t)points;
	a.count_handles = COUNT;
	/* 600 KB in: handles and points. */
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a), 0);
	for (i = 0; i < COUNT; i++)
		points[i] = 0;
	/* 400 KB back: every point as signalled. */
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &a), 0);
	for (i = 0; i < COUNT; i++)
		if (points[i] != 1000000 + i)
			break;
	assert_int_equal(i, COUNT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_returns_fifty_thousand_points),
		cmocka_unit_test(wait_on_fifty_thousand_signalled_syncobjs_succeeds),
		cmocka_unit_test(wait_sees_the_last_of_fifty_thousand_handles),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
