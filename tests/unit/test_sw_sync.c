// SPDX-License-Identifier: MIT
/*
 * sw_sync (core/sw_sync.c) through libaccel's embedded backend: the timeline file under the
 * root, fences signalled in order as it advances, one fence per pending value, the fences a
 * closed timeline leaves, and a sw_sync fence in the example graphics driver's syncobjs
 * (its render node has DRIVER_SYNCOBJ and DRIVER_SYNCOBJ_TIMELINE).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <linux/sync_file.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <accel/dma_fence.h>
#include <accel/sync_file.h>
#include <uapi/drm/drm_ext.h>
#include <uapi/sw_sync.h>
#include "helpers.h"

static char root[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/accel-sw-sync-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		return -1;
	setenv("ACCEL_ROOT", root, 1);
	unsetenv("ACCEL_CONFIG");
	unsetenv("ACCEL_BACKEND");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* test_rmdir(): the live attribute mounts of this process's core go first. */
	test_rmdir(strdup(root));
	return 0;
}

static int open_timeline(void)
{
	int fd = accel_sys_open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static int create_fence(int tl, uint32_t value)
{
	struct sw_sync_create_fence_data d = { .value = value, .fence = -1 };

	assert_int_equal(accel_sys_ioctl(tl, SW_SYNC_IOC_CREATE_FENCE, &d), 0);
	assert_true(d.fence >= 0);
	return d.fence;
}

static void inc(int tl, uint32_t by)
{
	assert_int_equal(accel_sys_ioctl(tl, SW_SYNC_IOC_INC, &by), 0);
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_true(poll(&p, 1, 0) >= 0);
	return !!(p.revents & POLLIN);
}

static int status(int sfd)
{
	struct sync_file_info info = { 0 };

	assert_int_equal(accel_sys_ioctl(sfd, SYNC_IOC_FILE_INFO, &info), 0);
	return info.status;
}

static void the_timeline_is_a_file_under_the_root(void **state)
{
	char path[PATH_MAX];
	struct stat st;
	int tl;

	(void)state;
	tl = open_timeline();
	assert_int_equal(accel_fd_backend(tl), ACCEL_BACKEND_EMBEDDED);
	snprintf(path, sizeof(path), "%s/sys/kernel/debug/sync/sw_sync", accel_root());
	assert_int_equal(stat(path, &st), 0);
	/* The root-prefixed path opens the same node. */
	{
		int again = accel_sys_open(path, O_RDWR | O_CLOEXEC);

		assert_true(again >= 0);
		assert_int_equal(accel_sys_close(again), 0);
	}
	assert_int_equal(accel_sys_close(tl), 0);
}

static void fences_signal_in_order_as_the_timeline_advances(void **state)
{
	int tl, f1, f2, f3;

	(void)state;
	tl = open_timeline();
	f3 = create_fence(tl, 3);
	f1 = create_fence(tl, 1);
	f2 = create_fence(tl, 2);
	assert_int_equal(readable(f1) + readable(f2) + readable(f3), 0);
	inc(tl, 1);
	assert_int_equal(readable(f1), 1);
	assert_int_equal(readable(f2) + readable(f3), 0);
	inc(tl, 2);
	assert_int_equal(readable(f2) + readable(f3), 2);
	assert_int_equal(status(f3), 1);
	accel_sys_close(f1);
	accel_sys_close(f2);
	accel_sys_close(f3);
	accel_sys_close(tl);
}

static void a_pending_value_asked_twice_is_one_fence(void **state)
{
	struct dma_fence *a, *b;
	int tl, fa, fb;

	(void)state;
	tl = open_timeline();
	fa = create_fence(tl, 7);
	fb = create_fence(tl, 7);
	a = sync_file_fence_of_fd(fa);
	b = sync_file_fence_of_fd(fb);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	dma_fence_put(a);
	dma_fence_put(b);
	accel_sys_close(fa);
	accel_sys_close(fb);
	accel_sys_close(tl);
}

static void closing_the_timeline_signals_what_is_pending_with_enoent(void **state)
{
	int tl, done, pending;

	(void)state;
	tl = open_timeline();
	done = create_fence(tl, 1);
	pending = create_fence(tl, 2);
	inc(tl, 1);
	assert_int_equal(accel_sys_close(tl), 0);
	assert_int_equal(readable(pending), 1);
	assert_int_equal(status(pending), -ENOENT);
	assert_int_equal(status(done), 1);
	accel_sys_close(done);
	accel_sys_close(pending);
}

static void fences_outlive_their_timeline_file(void **state)
{
	struct dma_fence *fence;
	int tl, f;

	(void)state;
	tl = open_timeline();
	f = create_fence(tl, 4);
	accel_sys_close(tl);
	fence = sync_file_fence_of_fd(f);
	assert_non_null(fence);
	assert_string_equal(dma_fence_driver_name(fence), "sw_sync");
	dma_fence_put(fence);
	accel_sys_close(f);
}

/* The example graphics driver's render node. */
static int open_gfx_render(void)
{
	for (int minor = 128; minor < 136; minor++) {
		char path[64], name[32] = "";
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
		fd = accel_sys_open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!accel_sys_ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "example_gfx"))
			return fd;
		accel_sys_close(fd);
	}
	fail_msg("no example_gfx render node");
	return -1;
}

static void the_graphics_driver_has_binary_and_timeline_syncobjs(void **state)
{
	struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };
	int fd;

	(void)state;
	fd = open_gfx_render();
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &cap), 0);
	assert_int_equal(cap.value, 1);
	cap = (struct drm_get_cap){ .capability = DRM_CAP_SYNCOBJ_TIMELINE };
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &cap), 0);
	assert_int_equal(cap.value, 1);
	accel_sys_close(fd);
}

static void a_sw_sync_fence_in_a_gfx_timeline_syncobj_signals_its_eventfd(void **state)
{
	struct drm_syncobj_create c = { 0 };
	struct drm_syncobj_handle h = { .flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE };
	struct drm_syncobj_create tc = { 0 };
	struct drm_syncobj_transfer t = { 0 };
	struct drm_syncobj_eventfd ev = { 0 };
	uint64_t count = 0;
	int fd, tl, f, efd;

	(void)state;
	fd = open_gfx_render();
	tl = open_timeline();
	f = create_fence(tl, 1);
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &tc), 0);
	h.handle = c.handle;
	h.fd = f;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h), 0);
	t.src_handle = c.handle;
	t.dst_handle = tc.handle;
	t.dst_point = 5;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &t), 0);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(efd >= 0);
	ev.handle = tc.handle;
	ev.point = 5;
	ev.fd = efd;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev), 0);
	assert_int_equal(readable(efd), 0);
	inc(tl, 1);
	assert_int_equal(read(efd, &count, sizeof(count)), (ssize_t)sizeof(count));
	assert_int_equal(count, 1);
	close(efd);
	accel_sys_close(f);
	accel_sys_close(tl);
	accel_sys_close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_timeline_is_a_file_under_the_root),
		cmocka_unit_test(fences_signal_in_order_as_the_timeline_advances),
		cmocka_unit_test(a_pending_value_asked_twice_is_one_fence),
		cmocka_unit_test(closing_the_timeline_signals_what_is_pending_with_enoent),
		cmocka_unit_test(fences_outlive_their_timeline_file),
		cmocka_unit_test(the_graphics_driver_has_binary_and_timeline_syncobjs),
		cmocka_unit_test(a_sw_sync_fence_in_a_gfx_timeline_syncobj_signals_its_eventfd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
