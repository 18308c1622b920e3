// SPDX-License-Identifier: MIT
/*
 * A mapping of a buffer unmapped in pieces holds the buffer until its last page goes, as a
 * kernel's VMA holds its object until the last page of it is unmapped: a buffer whose handle
 * was closed stays alive (debugfs gem_objects) through two partial munmaps and is freed by
 * the third, on the embedded core and through acceld.
 */
#define _GNU_SOURCE
#include <fcntl.h>
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
static pid_t daemon_pid;

/* The live GEM objects of accel0, as its debugfs gem_objects says now. */
static unsigned int gem_objects(void)
{
	char path[512], *text = NULL, *unique = test_root_accel_unique(root, 0);
	unsigned int n = ~0u;

	assert_non_null(unique);
	snprintf(path, sizeof(path), "sys/kernel/debug/accel/%s/gem_objects", unique);
	free(unique);
	assert_true(accel_attr_read(path, &text) > 0);
	assert_int_equal(sscanf(text, "objects: %u", &n), 1);
	free(text);
	return n;
}

/* A round trip on @fd: what was sent on it before (an munmap's release) has been served. */
static void sync_with(int fd)
{
	struct drm_version v = { 0 };

	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_VERSION, &v), 0);
}

static void buffer_lives_until_its_last_page_is_unmapped(void **state)
{
	struct drm_example_create_bo c = { .size = 3 * 4096 };
	struct drm_example_bo_info i = { 0 };
	struct drm_gem_close gc = { 0 };
	unsigned int base;
	char *p;
	int fd;

	(void)state;
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	assert_true(fd >= 0);
	base = gem_objects();
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &c), 0);
	i.handle = c.handle;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &i), 0);
	p = accel_sys_mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)i.mmap_offset);
	assert_ptr_not_equal(p, MAP_FAILED);
	memset(p, 0x5a, 3 * 4096);
	gc.handle = c.handle;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc), 0);
	sync_with(fd);
	assert_int_equal(gem_objects(), base + 1);

	assert_int_equal(accel_sys_munmap(p + 4096, 4096), 0);
	sync_with(fd);
	assert_int_equal(gem_objects(), base + 1);
	assert_int_equal(p[0], 0x5a);
	assert_int_equal(p[2 * 4096], 0x5a);

	assert_int_equal(accel_sys_munmap(p, 4096), 0);
	sync_with(fd);
	assert_int_equal(gem_objects(), base + 1);
	assert_int_equal(p[2 * 4096], 0x5a);

	/* the last page: nothing of the mapping is left */
	assert_int_equal(accel_sys_munmap(p + 2 * 4096, 4096), 0);
	sync_with(fd);
	assert_int_equal(gem_objects(), base);
	accel_sys_close(fd);
}

static int daemon_setup(void **state)
{
	(void)state;
	return test_daemon_setup(&root, &daemon_pid, "munmap-daemon", NULL);
}

static int daemon_teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&root, &daemon_pid);
}

static void daemon_stopped_cleanly(void **state)
{
	(void)state;
	assert_int_equal(test_acceld_stop(daemon_pid), 0);
	daemon_pid = 0;
}

static int embedded_setup(void **state)
{
	(void)state;
	if (test_embedded_start("munmap-embedded", NULL))
		return -1;
	root = strdup(test_embedded_root());
	return root ? 0 : -1;
}

static int embedded_teardown(void **state)
{
	(void)state;
	free(root);
	root = NULL;
	return test_embedded_stop();
}

/* No argument: the embedded core; "daemon": through acceld (a second ctest entry). */
int main(int argc, char **argv)
{
	const struct CMUnitTest through_acceld[] = {
		cmocka_unit_test(buffer_lives_until_its_last_page_is_unmapped),
		cmocka_unit_test(daemon_stopped_cleanly),
	};
	const struct CMUnitTest embedded[] = {
		cmocka_unit_test(buffer_lives_until_its_last_page_is_unmapped),
	};

	if (argc > 1 && !strcmp(argv[1], "daemon"))
		return cmocka_run_group_tests_name("through acceld", through_acceld, daemon_setup,
						   daemon_teardown);
	return cmocka_run_group_tests_name("embedded", embedded, embedded_setup, embedded_teardown);
}
