// SPDX-License-Identifier: MIT
/* Per-client fdinfo: one file per open client under proc/<pid>/fdinfo, with the DRM keys. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/attr.h>
#include <libaccel.h>
#include <uapi/drm/drm_ext.h>
#include <uapi/drm/example_accel.h>
#include "helpers.h"

static char root[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/accel-fdinfo-XXXXXX");
	assert_non_null(mkdtemp(root));
	setenv("ACCEL_ROOT", root, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* test_rmdir(): the live attribute mounts of this process's core go first. */
	test_rmdir(strdup(root));
	return 0;
}

/* The fdinfo text of the only client of this process. */
static char *only_client_fdinfo(char *name, size_t n)
{
	char path[64];
	struct attr_node *dir, *f;
	char *text = NULL;

	snprintf(path, sizeof(path), "%d/fdinfo", (int)getpid());
	dir = attr_lookup_in(attr_proc_root(), path);
	if (!dir || !dir->children)
		return NULL;
	f = dir->children;
	assert_null(f->next);
	snprintf(name, n, "%s", f->name);
	assert_int_equal(attr_read(f, &text, NULL), 0);
	return text;
}

static void open_client_has_an_fdinfo_file_with_driver_and_client_id(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	char name[32], want[64], *t;

	(void)state;
	assert_true(fd >= 0);
	t = only_client_fdinfo(name, sizeof(name));
	assert_non_null(t);
	assert_non_null(strstr(t, "drm-driver:\texample\n"));
	snprintf(want, sizeof(want), "drm-client-id:\t%s\n", name);
	assert_non_null(strstr(t, want));
	assert_null(strstr(t, "drm-client-name"));
	free(t);
	accel_sys_close(fd);
}

static void fdinfo_shows_the_client_name_once_set(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	struct drm_set_client_name n = { .name_len = 6, .name = (uintptr_t)"runner" };
	char name[32], *t;

	(void)state;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SET_CLIENT_NAME, &n), 0);
	t = only_client_fdinfo(name, sizeof(name));
	assert_non_null(strstr(t, "drm-client-name:\trunner\n"));
	free(t);
	accel_sys_close(fd);
}

static void fdinfo_file_is_published_under_the_root_and_gone_after_close(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	char name[32], path[PATH_MAX + 64], *t;
	struct stat st;

	(void)state;
	t = only_client_fdinfo(name, sizeof(name));
	free(t);
	snprintf(path, sizeof(path), "%s/proc/%d/fdinfo/%s", root, (int)getpid(), name);
	assert_int_equal(stat(path, &st), 0);
	accel_sys_close(fd);
	assert_int_not_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/proc/%d", root, (int)getpid());
	assert_int_not_equal(stat(path, &st), 0);
}

static void fdinfo_counts_the_client_buffers_and_job_time(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	struct drm_example_create_bo bo = { .size = 64 * 1024 };
	struct drm_example_submit sub = { 0 };
	struct drm_example_signal sig = { 0 };
	unsigned long long busy = 0;
	char name[32], *t, *p;

	(void)state;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &bo), 0);
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_SUBMIT, &sub), 0);
	usleep(2000);
	sig.fence_id = sub.fence_id;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_SIGNAL, &sig), 0);
	t = only_client_fdinfo(name, sizeof(name));
	assert_non_null(strstr(t, "drm-total-memory:\t64 KiB\n"));
	p = strstr(t, "drm-engine-job:\t");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "drm-engine-job:\t%llu ns", &busy), 1);
	/* At least the time between submission and signal. */
	assert_true(busy >= 2000000ull);
	free(t);
	accel_sys_close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_client_has_an_fdinfo_file_with_driver_and_client_id),
		cmocka_unit_test(fdinfo_shows_the_client_name_once_set),
		cmocka_unit_test(fdinfo_file_is_published_under_the_root_and_gone_after_close),
		cmocka_unit_test(fdinfo_counts_the_client_buffers_and_job_time),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
