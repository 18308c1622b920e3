// SPDX-License-Identifier: MIT
/*
 * The embedded core's attribute tree under its root, as a shell and accel_attr_*() reach it.
 * Registered twice (tests/CMakeLists.txt): with FUSE where it can mount (a child shell's
 * echo reaches the store, its errno comes back to the shell, reads are live, poll wakes on a
 * notification), and with ACCEL_FUSE=0 (rendered files, which a write does not reach: the
 * library calls do). Each test states which mode it is about and skips in the other.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libaccel.h>
#include "helpers.h"
#include "host/host.h"

#define DBG "sys/kernel/debug/accel/vnpu.0"
#define RESETS "sys/devices/platform/vnpu.0/engines/compute0/resets"

static int setup(void **state)
{
	(void)state;
	return test_embedded_start("attr-fs", "[vnpu.0]\ndriver = vnpu\n");
}

static int teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static bool fuse_mode(void)
{
	const char *env = getenv("ACCEL_FUSE");

	return !env || strcmp(env, "0");
}

/* FUSE tests need the mount: where it cannot mount here (no /dev/fuse...), they skip. */
static void need_live(void)
{
	if (!fuse_mode() || !accel_fs_publish_live())
		skip();
}

/* Files tests: FUSE off, or wanted where it cannot mount (the fallback). */
static void need_files(void)
{
	if (accel_fs_publish_live())
		skip();
}

static char *root_path(const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", test_embedded_root(), rel) > 0);
	return p;
}

/* Run @script with sh -c, stderr into @err (may be NULL); the exit status. */
static int shell(const char *shell_name, const char *script, char *err, size_t err_size)
{
	char *cmd, errfile[] = "/tmp/accel-attr-fs-err-XXXXXX";
	int fd = mkstemp(errfile), status;
	ssize_t n;

	assert_true(fd >= 0);
	assert_true(asprintf(&cmd, "%s -c '%s' 2> %s", shell_name, script, errfile) > 0);
	status = system(cmd);
	free(cmd);
	if (err) {
		n = read(fd, err, err_size - 1);
		err[n > 0 ? n : 0] = 0;
	}
	close(fd);
	unlink(errfile);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long attr_long(const char *rel)
{
	char *v = NULL;
	long n;

	assert_true(accel_attr_read(rel, &v) >= 0);
	n = strtol(v, NULL, 10);
	free(v);
	return n;
}

static long file_long(const char *rel)
{
	char *path = root_path(rel), buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	free(path);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/* FUSE: `echo 3 > .../inject_hang` in a child shell is the store's call. */
static void test_shell_echo_reaches_store(void **state)
{
	char *script;

	(void)state;
	need_live();
	assert_true(asprintf(&script, "echo 3 > %s/" DBG "/inject_hang", test_embedded_root()) > 0);
	assert_int_equal(shell("sh", script, NULL, 0), 0);
	free(script);
	assert_int_equal(attr_long(DBG "/inject_hang"), 3);
	assert_int_equal(accel_attr_write(DBG "/inject_hang", "0\n", 2), 2);
}

/* FUSE: the store's -EINVAL is what the shell's write() gets. */
static void test_shell_write_error_is_store_errno(void **state)
{
	char *script, err[512];

	(void)state;
	need_live();
	assert_true(asprintf(&script, "echo bogus > %s/" DBG "/inject_hang", test_embedded_root()) > 0);
	assert_int_not_equal(shell("bash", script, err, sizeof(err)), 0);
	free(script);
	assert_non_null(strstr(err, "write error: Invalid argument"));
}

/* FUSE: a file without a store cannot be opened for writing, even by root (as kernfs). */
static void test_shell_write_without_store_is_eacces(void **state)
{
	char *path;
	int fd;

	(void)state;
	need_live();
	path = root_path(RESETS);
	fd = open(path, O_WRONLY);
	free(path);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EACCES);
}

/* FUSE: a write that does not start at offset 0 is refused, never given to the store. */
static void test_write_at_offset_is_einval(void **state)
{
	char *path;
	int fd;

	(void)state;
	need_live();
	path = root_path(DBG "/inject_hang");
	fd = open(path, O_WRONLY);
	free(path);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "5\n", 2, 1), -1);
	assert_int_equal(errno, EINVAL);
	close(fd);
	assert_int_equal(attr_long(DBG "/inject_hang"), 0);
}

/* FUSE: reading the file after a reset shows the new count at once (no refresh period). */
static void test_read_is_live(void **state)
{
	long before;

	(void)state;
	need_live();
	before = file_long(RESETS);
	assert_int_equal(accel_attr_write(DBG "/inject_reset", "compute0\n", 9), 9);
	assert_int_equal(file_long(RESETS), before + 1);
}

/* FUSE: poll() sees no change until a store notifies the attribute, then POLLPRI. */
static void test_poll_wakes_on_notification(void **state)
{
	char *path, *script, buf[32];
	struct pollfd p;
	int fd;

	(void)state;
	need_live();
	path = root_path(DBG "/inject_dma_error");
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf)) > 0);
	p = (struct pollfd){ .fd = fd, .events = POLLPRI };
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_true(asprintf(&script, "echo 2 > %s", path) > 0);
	assert_int_equal(shell("sh", script, NULL, 0), 0);
	assert_int_equal(poll(&p, 1, -1), 1);
	assert_true(p.revents & POLLPRI);
	/* Read again, the change is seen: quiet until the next one. */
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), 2);
	assert_memory_equal(buf, "2\n", 2);
	assert_int_equal(poll(&p, 1, 0), 0);
	close(fd);
	free(script);
	free(path);
	assert_int_equal(accel_attr_write(DBG "/inject_dma_error", "0", 1), 1);
}

/* FUSE: directories list the tree, class entries are symlinks into devices. */
static void test_tree_shape(void **state)
{
	char *path, target[PATH_MAX];
	ssize_t n;

	(void)state;
	need_live();
	path = root_path("sys/class/accel/accel0");
	n = readlink(path, target, sizeof(target) - 1);
	free(path);
	assert_true(n > 0);
	target[n] = 0;
	assert_non_null(strstr(target, "devices/platform/vnpu.0/accel/accel0"));
	path = root_path("sys/class/accel/accel0/dev");
	assert_int_equal(access(path, R_OK), 0);
	free(path);
}

/* Files: the shell writes the rendered copy only; the store is not called. */
static void test_files_shell_write_changes_nothing(void **state)
{
	char *script;

	(void)state;
	need_files();
	assert_false(accel_fs_publish_live());
	assert_true(asprintf(&script, "echo 4 > %s/" DBG "/inject_hang", test_embedded_root()) > 0);
	assert_int_equal(shell("sh", script, NULL, 0), 0);
	free(script);
	assert_int_equal(attr_long(DBG "/inject_hang"), 0);
}

/* Both: accel_attr_write() reaches the store and accel_attr_read() the show, at once. */
static void test_library_calls_reach_callbacks(void **state)
{
	long before;

	(void)state;
	before = attr_long(RESETS);
	assert_int_equal(accel_attr_write("/" DBG "/inject_reset", "compute0", 8), 8);
	assert_int_equal(attr_long(RESETS), before + 1);
	assert_int_equal(accel_attr_write(DBG "/inject_hang", "bogus\n", 6), -EINVAL);
}

/* Both: what the library calls refuse, with which errno. */
static void test_library_call_errors(void **state)
{
	char *v = NULL;

	(void)state;
	assert_int_equal(accel_attr_read("sys/no/such/attribute", &v), -ENOENT);
	assert_int_equal(accel_attr_read("etc/passwd", &v), -EINVAL);
	assert_int_equal(accel_attr_read("sys/devices", &v), -EISDIR);
	assert_int_equal(accel_attr_write(RESETS, "1", 1), -EACCES);
	assert_int_equal(accel_attr_write(DBG "/inject_hang", "", 0), 0);
	assert_null(v);
}

static int seven_show(struct seq_file *m)
{
	seq_puts(m, "7\n");
	return 0;
}

/* Both: a file removed while held is not shown any more (-ENODEV), and freed at the put. */
static void test_removed_file_held_shows_enodev(void **state)
{
	struct attr_node *dir = attr_dir_create(NULL, "t_attr_fs_held"), *f;
	char *v = NULL;
	size_t len;

	(void)state;
	assert_false(IS_ERR_OR_NULL(dir));
	assert_false(IS_ERR_OR_NULL(attr_file_create(dir, "value", 0444, seven_show, NULL, NULL)));
	f = attr_file_get(NULL, "t_attr_fs_held/value");
	assert_false(IS_ERR(f));
	assert_int_equal(attr_file_show(f, &v, &len), 0);
	assert_string_equal(v, "7\n");
	free(v);
	attr_remove(dir);
	assert_int_equal(attr_file_show(f, &v, &len), -ENODEV);
	attr_put(f);
}

/* FUSE: a file open while its attribute goes away reads ENODEV. */
static void test_open_file_of_removed_attribute_reads_enodev(void **state)
{
	struct attr_node *dir;
	char *path, buf[8];
	int fd;

	(void)state;
	need_live();
	dir = attr_dir_create(NULL, "t_attr_fs_open");
	assert_false(IS_ERR_OR_NULL(dir));
	assert_false(IS_ERR_OR_NULL(attr_file_create(dir, "value", 0444, seven_show, NULL, NULL)));
	path = root_path("sys/t_attr_fs_open/value");
	fd = open(path, O_RDONLY);
	free(path);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 2);
	attr_remove(dir);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ENODEV);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shell_echo_reaches_store),
		cmocka_unit_test(test_shell_write_error_is_store_errno),
		cmocka_unit_test(test_shell_write_without_store_is_eacces),
		cmocka_unit_test(test_write_at_offset_is_einval),
		cmocka_unit_test(test_read_is_live),
		cmocka_unit_test(test_poll_wakes_on_notification),
		cmocka_unit_test(test_tree_shape),
		cmocka_unit_test(test_files_shell_write_changes_nothing),
		cmocka_unit_test(test_library_calls_reach_callbacks),
		cmocka_unit_test(test_library_call_errors),
		cmocka_unit_test(test_removed_file_held_shows_enodev),
		cmocka_unit_test(test_open_file_of_removed_attribute_reads_enodev),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
