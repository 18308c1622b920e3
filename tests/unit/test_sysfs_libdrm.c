// SPDX-License-Identifier: MIT
/*
 * What libdrm's drmGetDevices2()/drmGetDevice2() read of a DRM node's device (xf86drm.c,
 * 2.4.114), for the example graphics driver, in the files published under the root:
 * sys/dev/char/226:N (drmNodeIsDRM stats .../device/drm), the device/subsystem link
 * (drmParseSubsystemType takes its last component: "platform") and device/uevent's MODALIAS
 * (drmParseOFBusInfo's name for a platform device without device-tree data).
 */
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
static int gfx_fd = -1;
static int gfx_minor = -1;

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/accel-libdrm-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		return -1;
	setenv("ACCEL_ROOT", root, 1);
	unsetenv("ACCEL_CONFIG");
	unsetenv("ACCEL_BACKEND");
	/* The example graphics driver's render node (opening starts the embedded core). */
	for (int minor = 128; minor < 136 && gfx_fd < 0; minor++) {
		char path[64], name[32] = "";
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
		fd = accel_sys_open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!accel_sys_ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "example_gfx")) {
			gfx_fd = fd;
			gfx_minor = minor;
		} else {
			accel_sys_close(fd);
		}
	}
	return gfx_fd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	accel_sys_close(gfx_fd);
	/* test_rmdir(): the live attribute mounts of this process's core go first. */
	test_rmdir(strdup(root));
	return 0;
}

/* ROOT/sys/dev/char/226:<gfx_minor>/<rest> */
static const char *node_path(const char *rest)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/sys/dev/char/226:%d%s%s", accel_root(), gfx_minor,
		 *rest ? "/" : "", rest);
	return buf;
}

static void dev_char_links_the_node_to_its_class_device(void **state)
{
	char target[PATH_MAX], expect[64];
	ssize_t n;

	(void)state;
	n = readlink(node_path(""), target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = 0;
	snprintf(expect, sizeof(expect), "../../devices/platform/example_gfx.0/drm/renderD%d", gfx_minor);
	assert_string_equal(target, expect);
}

static void the_node_s_device_has_a_drm_directory(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat(node_path("device/drm"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

static void the_device_s_subsystem_is_platform(void **state)
{
	char target[PATH_MAX];
	ssize_t n;

	(void)state;
	n = readlink(node_path("device/subsystem"), target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = 0;
	assert_non_null(strrchr(target, '/'));
	assert_string_equal(strrchr(target, '/'), "/platform");
}

static void the_device_s_uevent_has_its_modalias(void **state)
{
	char line[256];
	int found = 0;
	FILE *f;

	(void)state;
	f = fopen(node_path("device/uevent"), "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "MODALIAS=platform:example_gfx.0\n"))
			found = 1;
	fclose(f);
	assert_true(found);
}

static void the_node_s_uevent_names_its_dev_path(void **state)
{
	char line[256], expect[64];
	int found = 0;
	FILE *f;

	(void)state;
	/* drmGetDeviceNameFromFd2() reads DEVNAME from the node's own uevent. */
	snprintf(expect, sizeof(expect), "DEVNAME=dri/renderD%d\n", gfx_minor);
	f = fopen(node_path("uevent"), "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, expect))
			found = 1;
	fclose(f);
	assert_true(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dev_char_links_the_node_to_its_class_device),
		cmocka_unit_test(the_node_s_device_has_a_drm_directory),
		cmocka_unit_test(the_device_s_subsystem_is_platform),
		cmocka_unit_test(the_device_s_uevent_has_its_modalias),
		cmocka_unit_test(the_node_s_uevent_names_its_dev_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
