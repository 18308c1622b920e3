// SPDX-License-Identifier: MIT
/*
 * The live attribute tree's mounts over a publisher's life (host/fuse_attr.c):
 *
 * - a publisher killed outright (SIGKILL: no code of its own runs) leaves nothing that stops
 *   `rm -rf ROOT` run right after its death: acceld, an embedded core, and an embedded core
 *   whose forked child outlives it (the child holds none of its FUSE connections);
 * - a process that used acceld, then starts its embedded core (under acceld's root, or under
 *   its private root there while acceld serves it) serves the tree and exits cleanly, its
 *   mounts gone;
 * - a process that lists its own tree just before it exits leaks nothing of libfuse's.
 *
 * Each publisher is a child process; the tests skip where FUSE cannot mount here.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libaccel.h>
#include "helpers.h"

/* The mounts of fuse.accel under @root (its path and below) in this namespace. */
static int accel_mounts_under(const char *root)
{
	char line[8192], canon[4096];
	size_t n;
	int count = 0;
	FILE *f;

	if (!realpath(root, canon))
		snprintf(canon, sizeof(canon), "%s", root);
	n = strlen(canon);
	f = fopen("/proc/self/mountinfo", "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char mp[4096];

		if (!strstr(line, " - fuse.accel ") || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		if (!strncmp(mp, canon, n) && (mp[n] == '/' || !mp[n]))
			count++;
	}
	fclose(f);
	return count;
}

/* `rm -rf @root` through the shell, as a script would: its exit status. */
static int rm_rf(const char *root)
{
	char *cmd;
	int status;

	assert_true(asprintf(&cmd, "rm -rf '%s' 2>&1", root) > 0);
	status = system(cmd);
	free(cmd);
	return status;
}

/* The process publishing under @root serves sys over FUSE; skip the test where it cannot. */
static void need_mounted(const char *root, pid_t publisher)
{
	if (accel_mounts_under(root) != 2) {
		kill(publisher, SIGKILL);
		waitpid(publisher, NULL, 0);
		rm_rf(root);
		skip();
	}
}

static void killed_acceld_leaves_nothing_in_the_way_of_rm(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		char *root = test_tmpdir("lifetime-acceld");
		pid_t d = test_acceld_start(root, NULL);
		int status;

		need_mounted(root, d);
		assert_int_equal(kill(d, SIGKILL), 0);
		assert_int_equal(waitpid(d, &status, 0), d);
		assert_int_equal(rm_rf(root), 0);
		assert_int_not_equal(access(root, F_OK), 0);
		assert_int_equal(accel_mounts_under(root), 0);
		free(root);
	}
}

/*
 * A child whose embedded core publishes under @root; with @fork_child it forks a process of
 * its own first that outlives it (its pid into *@grandchild). Returns once it publishes.
 */
static pid_t embedded_publisher(const char *root, bool fork_child, pid_t *grandchild)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t g = 0;

		close(p[0]);
		setenv("ACCEL_ROOT", root, 1);
		if (accel_embedded_start(NULL))
			_exit(1);
		if (fork_child) {
			g = fork();
			if (g == 0) {
				pause();
				_exit(0);
			}
		}
		if (write(p[1], &g, sizeof(g)) != sizeof(g))
			_exit(2);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], grandchild, sizeof(*grandchild)), sizeof(*grandchild));
	close(p[0]);
	return pid;
}

static void killed_embedded_publisher(bool fork_child)
{
	char *root = test_tmpdir("lifetime-embedded");
	pid_t g = 0, pid = embedded_publisher(root, fork_child, &g);
	int status;

	need_mounted(root, pid);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(rm_rf(root), 0);
	assert_int_not_equal(access(root, F_OK), 0);
	assert_int_equal(accel_mounts_under(root), 0);
	if (g > 0)
		kill(g, SIGKILL); /* reparented: reaped by init */
	free(root);
}

static void killed_embedded_publisher_leaves_nothing_in_the_way_of_rm(void **state)
{
	(void)state;
	killed_embedded_publisher(false);
}

static void killed_publisher_whose_child_lives_leaves_nothing_in_the_way_of_rm(void **state)
{
	(void)state;
	killed_embedded_publisher(true);
}

/*
 * In a child: open accel0 through acceld serving @droot; with @stop_daemon stop it; then
 * start the embedded core (ACCEL_ROOT now @eroot: the root of a process is fixed at its
 * first use, so the core publishes under acceld's root, or its private root there), read an
 * attribute through the FUSE mount and exit: 0, or the step that failed.
 */
static int embedded_after_daemon(const char *droot, const char *eroot, bool stop_daemon)
{
	char path[4096], buf[64];
	pid_t d;
	int fd, afd;

	setenv("ACCEL_ROOT", droot, 1);
	d = test_acceld_spawn(droot, NULL);
	if (d <= 0)
		return 10;
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	if (fd < 0 || accel_fd_backend(fd) != ACCEL_BACKEND_DAEMON)
		return 11;
	accel_sys_close(fd);
	if (stop_daemon && test_acceld_stop(d))
		return 12;
	setenv("ACCEL_ROOT", eroot, 1);
	if (accel_embedded_start(NULL))
		return 13;
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	if (fd < 0 || accel_fd_backend(fd) != ACCEL_BACKEND_EMBEDDED)
		return 14;
	snprintf(path, sizeof(path), "%s/sys/class/accel/accel0/dev", accel_root());
	afd = open(path, O_RDONLY);
	if (afd < 0 || read(afd, buf, sizeof(buf)) <= 0)
		return 15;
	close(afd);
	accel_sys_close(fd);
	if (!stop_daemon && test_acceld_stop(d))
		return 16;
	return 0;
}

static void embedded_core_after_acceld(bool stop_daemon)
{
	char *droot = test_tmpdir("lifetime-d"), *eroot = test_tmpdir("lifetime-e");
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc = embedded_after_daemon(droot, eroot, stop_daemon);

		free(droot);
		free(eroot);
		exit(rc); /* exit(): its atexit handlers unmount */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Its exit unmounted everything it served. */
	assert_int_equal(accel_mounts_under(droot), 0);
	assert_int_equal(rm_rf(droot), 0);
	assert_int_equal(rm_rf(eroot), 0);
	free(droot);
	free(eroot);
}

static void embedded_core_after_a_stopped_acceld_exits_cleanly(void **state)
{
	(void)state;
	embedded_core_after_acceld(true);
}

static void embedded_core_beside_a_running_acceld_exits_cleanly(void **state)
{
	(void)state;
	embedded_core_after_acceld(false);
}

/*
 * A child that lists a directory of its own tree and exits at once, its closedir()'s release
 * still queued when its exit stops the workers: the stop answers it first, since libfuse
 * frees the directory's handle only then. Under ASan (make check-asan), LeakSanitizer fails
 * the child's exit status otherwise (1 exit in 3 did on a loaded machine); everywhere, the
 * child exits with 0 and leaves no mount.
 */
static void directory_listed_just_before_exit_leaves_nothing_behind(void **state)
{
	char *root = test_tmpdir("lifetime-dir");

	(void)state;
	for (int i = 0; i < 20; i++) {
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			char path[4096];
			struct dirent *e;
			int fd, n = 0;
			DIR *d;

			setenv("ACCEL_ROOT", root, 1);
			fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
			if (fd < 0)
				_exit(10);
			snprintf(path, sizeof(path), "%s/sys/class/accel", accel_root());
			d = opendir(path);
			if (!d)
				_exit(11);
			while ((e = readdir(d)))
				n++;
			closedir(d);
			accel_sys_close(fd);
			exit(n > 2 ? 0 : 12); /* exit(): its atexit handlers stop the tree */
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(accel_mounts_under(root), 0);
	assert_int_equal(rm_rf(root), 0);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(killed_acceld_leaves_nothing_in_the_way_of_rm),
		cmocka_unit_test(killed_embedded_publisher_leaves_nothing_in_the_way_of_rm),
		cmocka_unit_test(killed_publisher_whose_child_lives_leaves_nothing_in_the_way_of_rm),
		cmocka_unit_test(embedded_core_after_a_stopped_acceld_exits_cleanly),
		cmocka_unit_test(embedded_core_beside_a_running_acceld_exits_cleanly),
		cmocka_unit_test(directory_listed_just_before_exit_leaves_nothing_behind),
	};

	return cmocka_run_group_tests_name("attr_fs_lifetime", tests, NULL, NULL);
}
