// SPDX-License-Identifier: MIT
/*
 * The published tree lists only what the kernel's would: while files are opened and closed
 * (each one adds and removes proc/PID/fdinfo/N and rewrites attribute files), a reader
 * listing those directories never sees a temporary file of the publisher.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libaccel.h>
#include "helpers.h"

#define OPEN_CLOSE_ROUNDS 400

static atomic_bool writer_done;

struct listing {
	char dir[PATH_MAX];
	bool all_digits;	/* every entry must be a number (fdinfo) */
	char bad[NAME_MAX + 1];	/* the first entry that should not be there */
	unsigned long listings;
};

static int setup(void **state)
{
	(void)state;
	return test_embedded_start("publish-listing", "[vnpu.0]\ndriver = vnpu\n");
}

static int teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static bool entry_ok(const struct listing *l, const char *name)
{
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return true;
	if (strstr(name, ".tmp") || name[0] == '.')
		return false;
	if (l->all_digits) {
		for (const char *p = name; *p; p++)
			if (!isdigit((unsigned char)*p))
				return false;
	}
	return true;
}

/* List l->dir until the writer is done (at least once after), noting a stray entry. */
static void *list_until_done(void *arg)
{
	struct listing *l = arg;
	bool last = false;

	while (!last && !l->bad[0]) {
		DIR *d;
		struct dirent *e;

		last = atomic_load(&writer_done);
		d = opendir(l->dir);
		if (!d)
			continue;
		while ((e = readdir(d)))
			if (!entry_ok(l, e->d_name)) {
				snprintf(l->bad, sizeof(l->bad), "%s", e->d_name);
				break;
			}
		closedir(d);
		l->listings++;
	}
	return NULL;
}

static void listing_shows_no_temporary_file_while_files_come_and_go(void **state)
{
	struct listing fdinfo = { .all_digits = true }, sysfs = { .all_digits = false };
	pthread_t t1, t2;
	int minor = test_accel_minor("vnpu.0"), holder;
	char node[64];

	(void)state;
	assert_true(minor >= 0);
	/* One file open throughout, so that proc/PID/fdinfo exists all along. */
	snprintf(node, sizeof(node), "/dev/accel/accel%d", minor);
	holder = accel_sys_open(node, O_RDWR);
	assert_true(holder >= 0);
	snprintf(fdinfo.dir, sizeof(fdinfo.dir), "%s/proc/%d/fdinfo", test_embedded_root(),
		 (int)getpid());
	snprintf(sysfs.dir, sizeof(sysfs.dir), "%s/sys/class/accel/accel%d/device",
		 test_embedded_root(), minor);
	atomic_store(&writer_done, false);
	assert_int_equal(pthread_create(&t1, NULL, list_until_done, &fdinfo), 0);
	assert_int_equal(pthread_create(&t2, NULL, list_until_done, &sysfs), 0);
	for (int i = 0; i < OPEN_CLOSE_ROUNDS; i++) {
		int fd = accel_sys_open(node, O_RDWR);

		assert_true(fd >= 0);
		assert_int_equal(accel_sys_close(fd), 0);
	}
	atomic_store(&writer_done, true);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	assert_int_equal(accel_sys_close(holder), 0);
	if (fdinfo.bad[0] || sysfs.bad[0])
		print_error("stray entries: fdinfo '%s', sysfs '%s'\n", fdinfo.bad, sysfs.bad);
	assert_true(fdinfo.listings > 0 && sysfs.listings > 0);
	assert_string_equal(fdinfo.bad, "");
	assert_string_equal(sysfs.bad, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listing_shows_no_temporary_file_while_files_come_and_go),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
