// SPDX-License-Identifier: MIT
/*
 * What an unmodified program sees of /dev/accel/accel0 under `accel exec`: plain libc calls
 * only (no libaccel), each behaviour the kernel's (docs/preload.md). $ACCEL_ROOT names the
 * root only so that the node's mode and owner can be compared with its file there.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include <drm/drm.h>

#define NODE "/dev/accel/accel0"

/* DRM_IOCTL_VERSION's driver name on @fd, into @name (32 bytes); the ioctl's result. */
static int version_name(int fd, char *name)
{
	struct drm_version v = { .name = name, .name_len = 31 };

	memset(name, 0, 32);
	return ioctl(fd, DRM_IOCTL_VERSION, &v);
}

static int open_node(void)
{
	return open(NODE, O_RDWR | O_CLOEXEC);
}

/* A KEY:\tVALUE line of /proc/self/fdinfo/@fd, into @out (64 bytes); false if absent. */
static bool fdinfo_key(int fd, const char *key, char *out)
{
	char path[64], line[256];
	size_t n = strlen(key);
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			snprintf(out, 64, "%s", line + n + 1 + strspn(line + n + 1, " \t"));
			out[strcspn(out, "\n")] = 0;
			found = true;
		}
	}
	fclose(f);
	return found;
}

static void test_stat_is_char_device_261(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat(NODE, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 261);
	assert_int_equal(minor(st.st_rdev), 0);
}

static void test_stat_has_the_nodes_mode_and_owner(void **state)
{
	char path[PATH_MAX];
	struct stat st, file;

	(void)state;
	snprintf(path, sizeof(path), "%s/dev/accel/accel0", getenv("ACCEL_ROOT"));
	assert_int_equal(stat(NODE, &st), 0);
	assert_int_equal(stat(path, &file), 0);
	assert_int_equal(st.st_mode & 07777, file.st_mode & 07777);
	assert_int_equal(st.st_uid, file.st_uid);
	assert_int_equal(st.st_gid, file.st_gid);
}

static void test_fstat_statx_agree_with_stat(void **state)
{
	struct stat a, b;
	struct statx x;
	int fd = open_node();

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(stat(NODE, &a), 0);
	assert_int_equal(fstat(fd, &b), 0);
	assert_int_equal(a.st_rdev, b.st_rdev);
	assert_int_equal(a.st_mode, b.st_mode);
	assert_int_equal(statx(AT_FDCWD, NODE, 0, STATX_BASIC_STATS, &x), 0);
	assert_true(S_ISCHR(x.stx_mode));
	assert_int_equal(x.stx_rdev_major, 261);
	assert_int_equal(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x), 0);
	assert_int_equal(x.stx_rdev_major, 261);
	close(fd);
}

static void test_access_and_dir_listing(void **state)
{
	struct dirent **list;
	bool found = false;
	DIR *d;
	struct dirent *e;
	int n;

	(void)state;
	assert_int_equal(access(NODE, R_OK | W_OK), 0);
	d = opendir("/dev/accel");
	assert_non_null(d);
	while ((e = readdir(d)))
		found |= !strcmp(e->d_name, "accel0");
	closedir(d);
	assert_true(found);
	n = scandir("/sys/class/accel", &list, NULL, alphasort);
	assert_true(n >= 3); /* ".", "..", accel0... */
	found = false;
	for (int i = 0; i < n; i++) {
		found |= !strcmp(list[i]->d_name, "accel0");
		free(list[i]);
	}
	free(list);
	assert_true(found);
}

static void test_sysfs_dev_names_major_minor(void **state)
{
	char buf[32] = { 0 };
	FILE *f;

	(void)state;
	f = fopen("/sys/class/accel/accel0/dev", "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "261:0\n");
}

static void test_sys_dev_char_resolves_to_class_dir(void **state)
{
	char a[PATH_MAX], b[PATH_MAX];

	(void)state;
	assert_non_null(realpath("/sys/dev/char/261:0", a));
	assert_non_null(realpath("/sys/class/accel/accel0", b));
	assert_string_equal(a, b);
	assert_int_equal(strncmp(a, "/sys/devices/", 13), 0);
	/* and the resolved path is the root's too */
	strcat(a, "/dev");
	assert_int_equal(access(a, R_OK), 0);
}

static void test_proc_self_fd_names_the_node(void **state)
{
	char path[64], target[PATH_MAX] = { 0 };
	int fd = open_node();

	(void)state;
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	assert_int_equal(readlink(path, target, sizeof(target) - 1), (ssize_t)strlen(NODE));
	assert_string_equal(target, NODE);
	close(fd);
}

static void test_reopen_through_proc_is_a_new_open_file(void **state)
{
	char path[64], name[32], id1[64], id2[64];
	int fd = open_node(), fd2;

	(void)state;
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fd2 = open(path, O_RDWR);
	assert_true(fd2 >= 0 && fd2 != fd);
	assert_int_equal(version_name(fd2, name), 0);
	assert_string_equal(name, "example");
	assert_true(fdinfo_key(fd, "drm-client-id", id1));
	assert_true(fdinfo_key(fd2, "drm-client-id", id2));
	assert_string_not_equal(id1, id2);
	close(fd2);
	close(fd);
}

static void test_fdinfo_is_the_cores(void **state)
{
	char val[64];
	int fd = open_node();

	(void)state;
	assert_true(fd >= 0);
	assert_true(fdinfo_key(fd, "drm-driver", val));
	assert_string_equal(val, "example");
	assert_true(fdinfo_key(fd, "pos", val));
	close(fd);
}

static void test_dup_outlives_the_original(void **state)
{
	char name[32];
	int fd = open_node(), d, d2, d3;

	(void)state;
	assert_true(fd >= 0);
	d = dup(fd);
	d2 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	assert_true(d >= 0 && d2 >= 100);
	assert_int_equal(close(fd), 0);
	assert_int_equal(version_name(d, name), 0);
	assert_string_equal(name, "example");
	assert_int_equal(version_name(d2, name), 0);
	d3 = dup2(d, 200);
	assert_int_equal(d3, 200);
	close(d);
	close(d2);
	assert_int_equal(version_name(d3, name), 0);
	assert_int_equal(close(d3), 0);
	assert_int_equal(version_name(d3, name), -1);
	assert_int_equal(errno, EBADF);
}

static void test_fcntl_getfl_is_the_open_mode(void **state)
{
	int fd = open(NODE, O_RDWR), ro = open(NODE, O_RDONLY);

	(void)state;
	assert_true(fd >= 0 && ro >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	assert_int_equal(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(fd);
	close(ro);
}

static void test_poll_select_epoll_never_ready(void **state)
{
	int fd = open_node(), ep;
	struct pollfd p;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	struct timeval tv = { 0, 0 };
	fd_set r, w;

	(void)state;
	assert_true(fd >= 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(p.events, POLLIN | POLLOUT);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	assert_int_equal(select(fd + 1, &r, &w, NULL, &tv), 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	assert_int_equal(epoll_wait(ep, &out, 1, 0), 0);
	close(ep);
	close(fd);
}

static void test_nonblocking_read_is_eagain(void **state)
{
	char buf[64];
	int fd = open(NODE, O_RDWR | O_NONBLOCK);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	close(fd);
}

static void test_close_range_closes_emulated(void **state)
{
	char name[32];
	int fd = open_node();

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(close_range((unsigned int)fd, (unsigned int)fd, 0), 0);
	assert_int_equal(version_name(fd, name), -1);
	assert_int_equal(errno, EBADF);
}

static void test_other_files_are_libcs(void **state)
{
	int fd = open("/dev/null", O_RDONLY), n = 0;
	struct stat st;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(major(st.st_rdev), 1);
	assert_int_equal(ioctl(fd, FIONREAD, &n), -1);
	assert_int_equal(errno, ENOTTY);
	assert_int_equal(close(fd), 0);
	assert_int_equal(stat("/dev/accelx", &st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_is_char_device_261),
		cmocka_unit_test(test_stat_has_the_nodes_mode_and_owner),
		cmocka_unit_test(test_fstat_statx_agree_with_stat),
		cmocka_unit_test(test_access_and_dir_listing),
		cmocka_unit_test(test_sysfs_dev_names_major_minor),
		cmocka_unit_test(test_sys_dev_char_resolves_to_class_dir),
		cmocka_unit_test(test_proc_self_fd_names_the_node),
		cmocka_unit_test(test_reopen_through_proc_is_a_new_open_file),
		cmocka_unit_test(test_fdinfo_is_the_cores),
		cmocka_unit_test(test_dup_outlives_the_original),
		cmocka_unit_test(test_fcntl_getfl_is_the_open_mode),
		cmocka_unit_test(test_poll_select_epoll_never_ready),
		cmocka_unit_test(test_nonblocking_read_is_eagain),
		cmocka_unit_test(test_close_range_closes_emulated),
		cmocka_unit_test(test_other_files_are_libcs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
