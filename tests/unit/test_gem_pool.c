// SPDX-License-Identifier: MIT
/*
 * The memfd pool behind GEM buffers: a reused memfd comes back zeroed, and the memory of a
 * buffer that left the core (exported) is never handed to another buffer.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/example_accel.h>
#include "helpers.h"

static char *root;
static int fd;

static int setup(void **state)
{
	(void)state;
	root = test_tmpdir("pool");
	setenv("ACCEL_ROOT", root, 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	assert_true(fd >= 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	accel_sys_close(fd);
	test_rmdir(root);
	return 0;
}

static uint32_t *new_mapped_bo(size_t size, uint32_t *handle)
{
	struct drm_example_create_bo c = { .size = size };
	struct drm_example_bo_info info = { 0 };
	uint32_t *p;

	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &c), 0);
	info.handle = c.handle;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &info), 0);
	p = accel_sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.mmap_offset);
	assert_true(p != MAP_FAILED);
	*handle = c.handle;
	return p;
}

static void close_bo(uint32_t handle)
{
	struct drm_gem_close gc = { .handle = handle };

	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc), 0);
}

static void a_buffer_of_a_freed_buffers_size_starts_zeroed(void **state)
{
	const size_t size = 64 * 1024;
	uint32_t h, *p;
	size_t i;

	(void)state;
	for (int round = 0; round < 4; round++) {
		p = new_mapped_bo(size, &h);
		for (i = 0; i < size / 4; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xa5, size);
		accel_sys_munmap(p, size);
		close_bo(h);
	}
}

static void exported_memory_is_never_given_to_another_buffer(void **state)
{
	const size_t size = 16 * 1024;
	struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
	uint32_t h, *p, *ex;
	size_t i;

	(void)state;
	p = new_mapped_bo(size, &h);
	memset(p, 0x11, size);
	exp.handle = h;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp), 0);
	accel_sys_munmap(p, size);
	close_bo(h);
	/* The exporter's descriptor still reaches the memory; new buffers must not. */
	ex = mmap(NULL, size, PROT_READ, MAP_SHARED, exp.fd, 0);
	assert_true(ex != MAP_FAILED);
	for (int round = 0; round < 8; round++) {
		p = new_mapped_bo(size, &h);
		memset(p, 0x22, size);
		accel_sys_munmap(p, size);
		close_bo(h);
	}
	for (i = 0; i < size / 4; i++)
		assert_int_equal(ex[i], 0x11111111);
	munmap(ex, size);
	close(exp.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_buffer_of_a_freed_buffers_size_starts_zeroed),
		cmocka_unit_test(exported_memory_is_never_given_to_another_buffer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
