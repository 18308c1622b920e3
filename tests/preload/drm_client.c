// SPDX-License-Identifier: MIT
/*
 * A client no one here wrote the interfaces of: libdrm's API only (no libaccel), run under
 * `accel exec` (tests/preload/run-under-shim.sh) on a node given as argv[1], with the driver
 * name it must report as argv[2]. Every answer is the one the kernel gives
 * (tests/conformance/kernel/: version_cap, syncobj_*, prime, gem).
 *
 * The syncobj tests skip on a driver without DRIVER_SYNCOBJ (DRM_CAP_SYNCOBJ 0: the example
 * graphics driver until it has it); the buffer tests need the example accel driver's ioctls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include <xf86drm.h>
#include <uapi/drm/example_accel.h>

static const char *node_path;
static const char *driver_name;

static int setup(void **state)
{
	int *fd = malloc(sizeof(*fd));

	if (!fd)
		return -1;
	*fd = open(node_path, O_RDWR | O_CLOEXEC);
	if (*fd < 0) {
		free(fd);
		return -1;
	}
	*state = fd;
	return 0;
}

static int teardown(void **state)
{
	int *fd = *state;

	close(*fd);
	free(fd);
	return 0;
}

static int node_fd(void **state)
{
	return *(int *)*state;
}

static bool has_syncobj(int fd)
{
	uint64_t v = 0;

	return !drmGetCap(fd, DRM_CAP_SYNCOBJ, &v) && v;
}

static bool is_example_accel(void)
{
	return !strcmp(driver_name, "example");
}

static void test_version_names_the_driver(void **state)
{
	drmVersionPtr v = drmGetVersion(node_fd(state));

	assert_non_null(v);
	assert_string_equal(v->name, driver_name);
	assert_int_equal(v->version_major, 1);
	assert_int_equal(v->version_minor, 0);
	assert_int_equal(v->version_patchlevel, 0);
	assert_true(v->desc_len > 0);
	drmFreeVersion(v);
}

static void test_cap_syncobj_timeline_follows_syncobj(void **state)
{
	uint64_t sync = 2, timeline = 2;

	assert_int_equal(drmGetCap(node_fd(state), DRM_CAP_SYNCOBJ, &sync), 0);
	assert_int_equal(drmGetCap(node_fd(state), DRM_CAP_SYNCOBJ_TIMELINE, &timeline), 0);
	assert_true(sync <= 1 && timeline <= sync);
	if (is_example_accel())
		assert_true(sync == 1 && timeline == 1);
}

/* Both drivers are without modesetting: caps beyond the core's few are EOPNOTSUPP (6.12). */
static void test_cap_unknown_is_eopnotsupp(void **state)
{
	uint64_t v;

	/* drmGetCap() answers as drmIoctl(): -1 with errno */
	assert_int_equal(drmGetCap(node_fd(state), 0x7fff, &v), -1);
	assert_int_equal(errno, EOPNOTSUPP);
}

static void test_syncobj_create_signaled_waits_at_once(void **state)
{
	int fd = node_fd(state);
	uint32_t h = 0, first = ~0u;

	if (!has_syncobj(fd))
		skip();
	assert_int_equal(drmSyncobjCreate(fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h), 0);
	assert_int_equal(drmSyncobjWait(fd, &h, 1, 0, 0, &first), 0);
	assert_int_equal(first, 0);
	assert_int_equal(drmSyncobjDestroy(fd, h), 0);
}

static void test_syncobj_unsignaled_wait_times_out(void **state)
{
	int fd = node_fd(state);
	uint32_t h = 0;

	if (!has_syncobj(fd))
		skip();
	assert_int_equal(drmSyncobjCreate(fd, 0, &h), 0);
	/* WAIT_FOR_SUBMIT: a syncobj with no fence yet is waited for, until the deadline */
	assert_int_equal(drmSyncobjWait(fd, &h, 1, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 -ETIME);
	assert_int_equal(drmSyncobjWait(fd, &h, 1, 0, 0, NULL), -EINVAL);
	assert_int_equal(drmSyncobjDestroy(fd, h), 0);
}

static void test_syncobj_destroy_twice_is_einval(void **state)
{
	int fd = node_fd(state);
	uint32_t h = 0;

	if (!has_syncobj(fd))
		skip();
	assert_int_equal(drmSyncobjCreate(fd, 0, &h), 0);
	assert_int_equal(drmSyncobjDestroy(fd, h), 0);
	assert_int_equal(drmSyncobjDestroy(fd, h), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_timeline_signal_query_wait(void **state)
{
	int fd = node_fd(state);
	uint64_t point = 5, got = 0;
	uint32_t h = 0;

	if (!has_syncobj(fd))
		skip();
	assert_int_equal(drmSyncobjCreate(fd, 0, &h), 0);
	assert_int_equal(drmSyncobjTimelineSignal(fd, &h, &point, 1), 0);
	assert_int_equal(drmSyncobjQuery(fd, &h, &got, 1), 0);
	assert_int_equal(got, 5);
	assert_int_equal(drmSyncobjTimelineWait(fd, &h, &point, 1, 0, 0, NULL), 0);
	point = 6;
	assert_int_equal(drmSyncobjTimelineWait(fd, &h, &point, 1, 0,
						DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL), -ETIME);
	assert_int_equal(drmSyncobjDestroy(fd, h), 0);
}

static void test_transfer_point_to_binary(void **state)
{
	int fd = node_fd(state);
	uint32_t src = 0, dst = 0;
	uint64_t point = 3;

	if (!has_syncobj(fd))
		skip();
	assert_int_equal(drmSyncobjCreate(fd, 0, &src), 0);
	assert_int_equal(drmSyncobjCreate(fd, 0, &dst), 0);
	assert_int_equal(drmSyncobjTimelineSignal(fd, &src, &point, 1), 0);
	assert_int_equal(drmSyncobjTransfer(fd, dst, 0, src, 3, 0), 0);
	assert_int_equal(drmSyncobjWait(fd, &dst, 1, 0, 0, NULL), 0);
	drmSyncobjDestroy(fd, src);
	drmSyncobjDestroy(fd, dst);
}

static void test_syncobj_export_import_fd(void **state)
{
	int fd = node_fd(state), sfd = -1;
	uint32_t h = 0, h2 = 0;

	if (!has_syncobj(fd))
		skip();
	assert_int_equal(drmSyncobjCreate(fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h), 0);
	assert_int_equal(drmSyncobjHandleToFD(fd, h, &sfd), 0);
	assert_true(sfd >= 0);
	assert_int_equal(drmSyncobjFDToHandle(fd, sfd, &h2), 0);
	assert_int_not_equal(h2, h);
	assert_int_equal(drmSyncobjWait(fd, &h2, 1, 0, 0, NULL), 0);
	close(sfd);
	drmSyncobjDestroy(fd, h);
	drmSyncobjDestroy(fd, h2);
}

static void test_sync_file_export_import(void **state)
{
	int fd = node_fd(state), sync_fd = -1;
	uint32_t h = 0, h2 = 0;

	if (!has_syncobj(fd))
		skip();
	assert_int_equal(drmSyncobjCreate(fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h), 0);
	assert_int_equal(drmSyncobjCreate(fd, 0, &h2), 0);
	assert_int_equal(drmSyncobjExportSyncFile(fd, h, &sync_fd), 0);
	assert_true(sync_fd >= 0);
	assert_int_equal(drmSyncobjImportSyncFile(fd, h2, sync_fd), 0);
	assert_int_equal(drmSyncobjWait(fd, &h2, 1, 0, 0, NULL), 0);
	close(sync_fd);
	drmSyncobjDestroy(fd, h);
	drmSyncobjDestroy(fd, h2);
}

/* A buffer of the example accel driver, through drmCommandWriteRead(). */
static uint32_t create_bo(int fd, uint64_t size)
{
	struct drm_example_create_bo bo = { .size = size };

	assert_int_equal(drmCommandWriteRead(fd, DRM_EXAMPLE_CREATE_BO, &bo, sizeof(bo)), 0);
	assert_int_not_equal(bo.handle, 0);
	return bo.handle;
}

static void test_driver_ioctl_buffer_maps(void **state)
{
	int fd = node_fd(state);
	struct drm_example_bo_info info = { 0 };
	struct drm_gem_close gc = { 0 };
	uint32_t *p;

	if (!is_example_accel())
		skip();
	info.handle = create_bo(fd, 4096);
	assert_int_equal(drmCommandWriteRead(fd, DRM_EXAMPLE_BO_INFO, &info, sizeof(info)), 0);
	assert_int_equal(info.size, 4096);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.mmap_offset);
	assert_true(p != MAP_FAILED);
	p[0] = 0xabcd1234;
	assert_int_equal(p[0], 0xabcd1234);
	assert_int_equal(munmap(p, 4096), 0);
	gc.handle = info.handle;
	assert_int_equal(drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &gc), 0);
	assert_int_equal(drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &gc), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_prime_roundtrip_same_handle(void **state)
{
	int fd = node_fd(state), dmabuf = -1;
	uint32_t h, h2 = 0;
	struct stat a, b;

	if (!is_example_accel())
		skip();
	h = create_bo(fd, 8192);
	assert_int_equal(drmPrimeHandleToFD(fd, h, DRM_CLOEXEC | DRM_RDWR, &dmabuf), 0);
	assert_true(dmabuf >= 0);
	assert_int_equal(drmPrimeFDToHandle(fd, dmabuf, &h2), 0);
	assert_int_equal(h2, h);
	/* A dma-buf is a file of its own, not the device's. */
	assert_int_equal(fstat(dmabuf, &a), 0);
	assert_int_equal(fstat(fd, &b), 0);
	assert_false(S_ISCHR(a.st_mode));
	close(dmabuf);
}

static void test_submit_signal_through_syncobj(void **state)
{
	int fd = node_fd(state);
	struct drm_example_submit sub = { 0 };
	struct drm_example_signal sig = { 0 };
	uint32_t h = 0;

	if (!is_example_accel())
		skip();
	assert_int_equal(drmSyncobjCreate(fd, 0, &h), 0);
	sub.out_syncobj = h;
	assert_int_equal(drmCommandWriteRead(fd, DRM_EXAMPLE_SUBMIT, &sub, sizeof(sub)), 0);
	assert_int_equal(drmSyncobjWait(fd, &h, 1, 0, 0, NULL), -ETIME);
	sig.fence_id = sub.fence_id;
	assert_int_equal(drmCommandWrite(fd, DRM_EXAMPLE_SIGNAL, &sig, sizeof(sig)), 0);
	assert_int_equal(drmSyncobjWait(fd, &h, 1, INT64_MAX, 0, NULL), 0);
	drmSyncobjDestroy(fd, h);
}

static void test_node_is_the_kernels_char_device(void **state)
{
	struct stat st;
	unsigned int maj = !strncmp(node_path, "/dev/accel/", 11) ? 261 : 226;

	assert_int_equal(fstat(node_fd(state), &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), maj);
	if (maj == 226)
		assert_int_equal(drmGetNodeTypeFromFd(node_fd(state)),
				 !strncmp(node_path, "/dev/dri/renderD", 16) ? DRM_NODE_RENDER : DRM_NODE_PRIMARY);
}

static void test_get_devices2_lists_the_node(void **state)
{
	drmDevicePtr devs[16];
	bool found = false;
	int n;

	(void)state;
	if (strncmp(node_path, "/dev/dri/", 9))
		skip(); /* libdrm lists /dev/dri only */
	n = drmGetDevices2(0, devs, 16);
	assert_true(n >= 1);
	for (int i = 0; i < n; i++) {
		for (int t = 0; t < DRM_NODE_MAX; t++)
			if ((devs[i]->available_nodes & (1 << t)) && !strcmp(devs[i]->nodes[t], node_path))
				found = true;
	}
	assert_true(found);
	drmFreeDevices(devs, n);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_names_the_driver),
		cmocka_unit_test(test_cap_syncobj_timeline_follows_syncobj),
		cmocka_unit_test(test_cap_unknown_is_eopnotsupp),
		cmocka_unit_test(test_syncobj_create_signaled_waits_at_once),
		cmocka_unit_test(test_syncobj_unsignaled_wait_times_out),
		cmocka_unit_test(test_syncobj_destroy_twice_is_einval),
		cmocka_unit_test(test_timeline_signal_query_wait),
		cmocka_unit_test(test_transfer_point_to_binary),
		cmocka_unit_test(test_syncobj_export_import_fd),
		cmocka_unit_test(test_sync_file_export_import),
		cmocka_unit_test(test_driver_ioctl_buffer_maps),
		cmocka_unit_test(test_prime_roundtrip_same_handle),
		cmocka_unit_test(test_submit_signal_through_syncobj),
		cmocka_unit_test(test_node_is_the_kernels_char_device),
		cmocka_unit_test(test_get_devices2_lists_the_node),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s NODE DRIVER_NAME\n", argv[0]);
		return 2;
	}
	node_path = argv[1];
	driver_name = argv[2];
	return cmocka_run_group_tests(tests, setup, teardown);
}
