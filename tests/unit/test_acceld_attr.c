// SPDX-License-Identifier: MIT
/*
 * ACCEL_WIRE_ATTR (wire/protocol.h): a client reads and writes the attribute tree through
 * acceld's show and store callbacks with accel_attr_read() and accel_attr_write()
 * (lib/attr.c), as a read() or write() of the file would on a kernel: the live value, the
 * store's result and errno, -ENOENT for no such file, -EISDIR for a directory, -EACCES for
 * a file that has no store, and for another user a file its mode does not grant (debugfs's
 * 0600 files are the daemon's user's, as a kernel's are root's). Clients reach the daemon
 * (ACCEL_BACKEND=daemon).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "helpers.h"
#include "lib/libaccel_internal.h"
#include <libaccel.h>

/* accel_attr_read() as 0 or -errno, the value's length in *@len when @len is not NULL. */
static int attr_read_len(const char *path, char **out, size_t *len)
{
	ssize_t n = accel_attr_read(path, out);

	if (n < 0)
		return (int)n;
	if (len)
		*len = (size_t)n;
	return 0;
}

#define DEBUGFS "sys/kernel/debug/accel/vnpu.0/"

static char *root;
static pid_t daemon_pid;

static int group_setup(void **state)
{
	(void)state;
	if (setenv("ACCEL_BACKEND", "daemon", 1))
		return -1;
	return test_daemon_setup(&root, &daemon_pid, "acceld-attr", "[nodes]\nmode = 0666\n[vnpu.0]\ndriver = vnpu\n");
}

static int group_teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&root, &daemon_pid);
}

static void a_read_renders_the_live_value(void **state)
{
	char *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(attr_read_len(DEBUGFS "state", &text, &len), 0);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	assert_non_null(strstr(text, "device: vnpu.0 driver=vnpu\n"));
	free(text);
}

static void a_write_reaches_the_store_and_a_read_shows_it(void **state)
{
	char *text = NULL;

	(void)state;
	assert_int_equal(accel_attr_write(DEBUGFS "inject_dma_error", "7\n", 2), 2);
	assert_int_equal(attr_read_len(DEBUGFS "inject_dma_error", &text, NULL), 0);
	assert_string_equal(text, "7\n");
	free(text);
	assert_int_equal(accel_attr_write(DEBUGFS "inject_dma_error", "0", 1), 1);
}

static void a_store_error_comes_back_as_its_errno(void **state)
{
	(void)state;
	assert_int_equal(accel_attr_write(DEBUGFS "inject_hang", "lots\n", 5), -EINVAL);
}

static void a_missing_file_is_enoent(void **state)
{
	char *text = NULL;

	(void)state;
	assert_int_equal(attr_read_len(DEBUGFS "no_such_file", &text, NULL), -ENOENT);
	assert_int_equal(attr_read_len("etc/passwd", &text, NULL), -EINVAL);
	assert_int_equal(accel_attr_write(DEBUGFS "no_such_file", "1", 1), -ENOENT);
	assert_null(text);
}

static void a_directory_is_eisdir(void **state)
{
	char *text = NULL;

	(void)state;
	assert_int_equal(attr_read_len("sys/kernel/debug/accel/vnpu.0", &text, NULL), -EISDIR);
	assert_null(text);
}

static void a_file_without_store_refuses_writes(void **state)
{
	(void)state;
	assert_int_equal(accel_attr_write(DEBUGFS "state", "1", 1), -EACCES);
}

/* In a child running as nobody: 0, or the number of the check that failed. */
static int other_user_checks(void)
{
	char *text = NULL;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 1;
	if (attr_read_len(DEBUGFS "state", &text, NULL))
		return 2;
	free(text);
	text = NULL;
	if (attr_read_len(DEBUGFS "inject_hang", &text, NULL) != -EACCES || text)
		return 3;
	if (accel_attr_write(DEBUGFS "inject_hang", "1", 1) != -EACCES)
		return 4;
	return 0;
}

static void another_user_gets_only_what_the_mode_grants(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (geteuid())
		skip(); /* only root can become another user */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(other_user_checks());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_read_renders_the_live_value),
		cmocka_unit_test(a_write_reaches_the_store_and_a_read_shows_it),
		cmocka_unit_test(a_store_error_comes_back_as_its_errno),
		cmocka_unit_test(a_missing_file_is_enoent),
		cmocka_unit_test(a_directory_is_eisdir),
		cmocka_unit_test(a_file_without_store_refuses_writes),
		cmocka_unit_test(another_user_gets_only_what_the_mode_grants),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
