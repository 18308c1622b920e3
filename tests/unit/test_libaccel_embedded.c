// SPDX-License-Identifier: MIT
/* libaccel's embedded backend: the default devices, published under the root, used by path. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include "helpers.h"

static char root[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/accel-unit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(root));
	setenv("ACCEL_ROOT", root, 1);
	unsetenv("ACCEL_CONFIG");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* test_rmdir(): the live attribute mounts of this process's core go first. */
	test_rmdir(strdup(root));
	return 0;
}

static char *root_file(const char *rel)
{
	static char buf[256];
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static int root_exists(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, &st) == 0;
}

static void open_of_the_canonical_path_gives_a_real_descriptor(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);
	struct stat st;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(accel_fd_backend(fd), ACCEL_BACKEND_EMBEDDED);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(accel_sys_close(fd), 0);
}

static void open_of_a_missing_node_is_enoent(void **state)
{
	(void)state;
	assert_int_equal(accel_sys_open("/dev/accel/accel99", O_RDWR), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(accel_sys_open("/not/a/node", O_RDWR), -1);
	assert_int_equal(errno, ENOENT);
}

static void root_shows_the_accel_layout(void **state)
{
	(void)state;
	/* Started by the first open: starting again says so. */
	assert_int_equal(accel_embedded_start(NULL), -EALREADY);
	assert_true(root_exists("dev/accel/accel0"));
	assert_string_equal(root_file("sys/class/accel/accel0/dev"), "261:0");
	assert_string_equal(root_file("sys/class/accel/accel0/uevent"), "MAJOR=261");
	assert_true(root_exists("sys/class/accel/accel0/device"));
	assert_true(root_exists("sys/class/accel/accel0/subsystem"));
	assert_string_equal(root_file("sys/kernel/debug/accel/example.0/name"),
			    "example dev=example.0 unique=example.0");
}

static void nothing_accel_appears_under_dev_dri(void **state)
{
	char path[PATH_MAX];
	int fd, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct drm_version v = { 0 };
		char name[64] = { 0 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = accel_sys_open(path, O_RDWR);
		assert_true(fd >= 0);
		v.name = name;
		v.name_len = sizeof(name) - 1;
		assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_VERSION, &v), 0);
		assert_null(strstr(name, "compute"));
		assert_string_not_equal(name, "example");
		accel_sys_close(fd);
	}
	assert_false(root_exists("dev/dri/card3"));
	assert_false(root_exists("sys/class/accel/card0"));
}

static void ioctl_works_on_a_duplicated_descriptor(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	int dupfd = dup(fd);
	struct drm_get_cap c = { .capability = DRM_CAP_PRIME };

	(void)state;
	assert_true(dupfd >= 0);
	accel_sys_close(fd);
	assert_int_equal(accel_sys_ioctl(dupfd, DRM_IOCTL_GET_CAP, &c), 0);
	assert_int_equal(c.value, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
	accel_sys_close(dupfd);
}

static int fdinfo_files_of_this_process(void)
{
	char path[PATH_MAX + 64];
	struct stat st;
	int n = 0;

	snprintf(path, sizeof(path), "%s/proc/%d/fdinfo", root, (int)getpid());
	if (stat(path, &st))
		return 0;
	{
		char cmd[PATH_MAX + 96];
		FILE *p;

		snprintf(cmd, sizeof(cmd), "ls '%s' | wc -l", path);
		p = popen(cmd, "r");
		if (p) {
			if (fscanf(p, "%d", &n) != 1)
				n = -1;
			pclose(p);
		}
	}
	return n;
}

static void open_file_lives_until_its_last_descriptor_closes(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	int dupfd = dup(fd);

	(void)state;
	assert_int_equal(fdinfo_files_of_this_process(), 1);
	accel_sys_close(fd);
	/* The dup() the library never saw still holds the open file. */
	assert_int_equal(fdinfo_files_of_this_process(), 1);
	assert_int_equal(accel_sys_close(dupfd), 0);
	assert_int_equal(fdinfo_files_of_this_process(), 0);
}

static void failed_ioctl_returns_minus_one_and_sets_errno(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	struct drm_get_cap c = { .capability = 0x4242 };

	(void)state;
	errno = 0;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &c), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	accel_sys_close(fd);
}

static void device_list_finds_the_default_accelerators(void **state)
{
	struct accel_device_info *v;
	size_t n, i, accel = 0;

	(void)state;
	assert_int_equal(accel_devices_list(&v, &n, 0), 0);
	for (i = 0; i < n; i++) {
		if (v[i].backend != ACCEL_BACKEND_EMBEDDED)
			continue;
		assert_true(v[i].is_accel);
		assert_int_equal(v[i].major, 261);
		accel++;
	}
	/* example, example_combo's compute half, vnpu, vedge with and without DMA, two vtrain */
	assert_int_equal(accel, 7);
	assert_string_equal(v[n - 7].driver, "example");
	assert_string_equal(v[n - 7].parent, "example.0");
	assert_int_equal(v[n - 7].cap_syncobj, 1);
	assert_string_equal(v[n - 5].driver, "vnpu");
	assert_string_equal(v[n - 5].parent, "vnpu.0");
	assert_string_equal(v[n - 4].driver, "vedge");
	assert_string_equal(v[n - 4].parent, "vedge.0");
	assert_string_equal(v[n - 3].driver, "vedge");
	assert_string_equal(v[n - 3].parent, "vedge.1");
	assert_string_equal(v[n - 2].driver, "vtrain");
	assert_string_equal(v[n - 2].parent, "vtrain.0");
	assert_string_equal(v[n - 1].driver, "vtrain");
	assert_string_equal(v[n - 1].parent, "vtrain.1");
	free(v);
}

static void device_list_with_drm_adds_card_and_render_nodes(void **state)
{
	struct accel_device_info *v;
	size_t n, i, drm = 0;

	(void)state;
	assert_int_equal(accel_devices_list(&v, &n, 1), 0);
	for (i = 0; i < n; i++)
		if (v[i].backend == ACCEL_BACKEND_EMBEDDED && !v[i].is_accel) {
			assert_int_equal(v[i].major, 226);
			drm++;
		}
	assert_int_equal(drm, 5);	/* gfx, combo: card + render; kms: card */
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_of_the_canonical_path_gives_a_real_descriptor),
		cmocka_unit_test(open_of_a_missing_node_is_enoent),
		cmocka_unit_test(root_shows_the_accel_layout),
		cmocka_unit_test(nothing_accel_appears_under_dev_dri),
		cmocka_unit_test(ioctl_works_on_a_duplicated_descriptor),
		cmocka_unit_test(open_file_lives_until_its_last_descriptor_closes),
		cmocka_unit_test(failed_ioctl_returns_minus_one_and_sets_errno),
		cmocka_unit_test(device_list_finds_the_default_accelerators),
		cmocka_unit_test(device_list_with_drm_adds_card_and_render_nodes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
