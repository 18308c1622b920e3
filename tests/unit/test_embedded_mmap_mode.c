// SPDX-License-Identifier: MIT
/*
 * The open mode limits mappings on the embedded backend as on a kernel node (and as acceld
 * does, test_acceld_perms): do_mmap() refuses any mapping of a file not open for reading and
 * a shared writable mapping of a file not open for writing, and a read-only file's shared
 * mapping cannot be made writable later with mprotect().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/example_accel.h>
#include "helpers.h"

static char *root;

static int setup(void **state)
{
	(void)state;
	root = test_tmpdir("mmap-mode");
	setenv("ACCEL_ROOT", root, 1);
	unsetenv("ACCEL_CONFIG");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rmdir(root);
	return 0;
}

/*
 * A file of open mode @flags holding a 4 KiB buffer of the example accelerator (DRM ioctls
 * do not depend on the open mode, on a kernel either); its mmap offset in *@offset.
 */
static int file_with_buffer(int flags, uint64_t *offset)
{
	struct drm_example_create_bo c = { .size = 4096 };
	struct drm_example_bo_info i = { 0 };
	int fd = accel_sys_open("/dev/accel/accel0", flags);

	assert_true(fd >= 0);
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &c), 0);
	i.handle = c.handle;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &i), 0);
	assert_true(i.mmap_offset != 0);
	*offset = i.mmap_offset;
	return fd;
}

static void read_only_file_refuses_a_shared_writable_mapping(void **state)
{
	uint64_t off;
	int fd = file_with_buffer(O_RDONLY, &off);

	(void)state;
	errno = 0;
	assert_ptr_equal(accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off),
			 MAP_FAILED);
	assert_int_equal(errno, EACCES);
	accel_sys_close(fd);
}

static void read_only_file_shared_mapping_cannot_be_made_writable(void **state)
{
	uint64_t off;
	int fd = file_with_buffer(O_RDONLY, &off);
	void *p = accel_sys_mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)off);

	(void)state;
	assert_ptr_not_equal(p, MAP_FAILED);
	assert_int_equal(mprotect(p, 4096, PROT_READ | PROT_WRITE), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(accel_sys_munmap(p, 4096), 0);
	accel_sys_close(fd);
}

static void write_only_file_refuses_any_mapping(void **state)
{
	uint64_t off;
	int fd = file_with_buffer(O_WRONLY, &off);

	(void)state;
	errno = 0;
	assert_ptr_equal(accel_sys_mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)off), MAP_FAILED);
	assert_int_equal(errno, EACCES);
	accel_sys_close(fd);
}

static void read_write_file_maps_shared_writable(void **state)
{
	uint64_t off;
	int fd = file_with_buffer(O_RDWR, &off);
	unsigned char *p = accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

	(void)state;
	assert_ptr_not_equal(p, MAP_FAILED);
	p[0] = 0xa5;
	assert_int_equal(p[0], 0xa5);
	assert_int_equal(accel_sys_munmap(p, 4096), 0);
	accel_sys_close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_only_file_refuses_a_shared_writable_mapping),
		cmocka_unit_test(read_only_file_shared_mapping_cannot_be_made_writable),
		cmocka_unit_test(write_only_file_refuses_any_mapping),
		cmocka_unit_test(read_write_file_maps_shared_writable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
