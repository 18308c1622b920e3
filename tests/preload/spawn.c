// SPDX-License-Identifier: MIT
/*
 * posix_spawn under `accel exec` (plain libc: no libaccel). glibc's posix_spawn execs inside
 * libc, past the shim's exec wrappers; the shim gives it the environment that names the
 * daemon descriptors, so that they survive as across exec (through acceld, as on a kernel;
 * embedded ones cannot: the new image sees a plain pipe, ENOTTY). File actions: a dup2 of a
 * device descriptor carries it to its new number, an open of the root's tree opens the
 * root's file, an open of a node is refused (EOPNOTSUPP).
 *
 *   spawn                 the tests
 *   spawn child FD KIND   the spawned image: exit 0 when FD is what KIND says
 *                         (node: DRM_IOCTL_VERSION works and fstat says 261:N; pipe: ENOTTY;
 *                         devnum: it reads "261:0")
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <drm/drm.h>

#define NODE "/dev/accel/accel0"

extern char **environ;
static char self_path[4096];

static bool through_daemon(void)
{
	const char *b = getenv("ACCEL_BACKEND");

	return b && !strcmp(b, "daemon");
}

static int child_main(int fd, const char *kind)
{
	struct drm_version v = { 0 };
	struct stat st;

	if (!strcmp(kind, "node"))
		return ioctl(fd, DRM_IOCTL_VERSION, &v) || fstat(fd, &st) || !S_ISCHR(st.st_mode) ||
		       major(st.st_rdev) != 261;
	if (!strcmp(kind, "pipe"))
		return !(ioctl(fd, DRM_IOCTL_VERSION, &v) == -1 && errno == ENOTTY);
	if (!strcmp(kind, "devnum")) {
		char buf[16] = { 0 };

		return read(fd, buf, sizeof(buf) - 1) <= 0 || strcmp(buf, "261:0\n");
	}
	return 2;
}

/* Spawn this program as "child FD KIND" with @fa; its exit status, or -1. */
static int spawn_child(bool by_path, int fd, const char *kind, const posix_spawn_file_actions_t *fa)
{
	char fdtext[16];
	char *argv[] = { self_path, "child", fdtext, (char *)kind, NULL };
	pid_t pid;
	int status, ret;

	snprintf(fdtext, sizeof(fdtext), "%d", fd);
	ret = by_path ? posix_spawn(&pid, self_path, fa, NULL, argv, environ)
		      : posix_spawnp(&pid, self_path, fa, NULL, argv, environ);
	if (ret)
		return -1;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* What a spawned image finds on an inherited device descriptor. */
static const char *inherited_kind(void)
{
	return through_daemon() ? "node" : "pipe";
}

static void test_spawn_keeps_descriptor(void **state)
{
	int fd = open(NODE, O_RDWR);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(spawn_child(true, fd, inherited_kind(), NULL), 0);
	assert_int_equal(spawn_child(false, fd, inherited_kind(), NULL), 0);
	assert_int_equal(close(fd), 0);
}

/* A dup2 action of a device descriptor: the new number is the device in the new image. */
static void test_spawn_dup2_action(void **state)
{
	posix_spawn_file_actions_t fa;
	int fd = open(NODE, O_RDWR | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, fd, 57), 0);
	assert_int_equal(spawn_child(true, 57, inherited_kind(), &fa), 0);
	assert_int_equal(posix_spawn_file_actions_destroy(&fa), 0);
	assert_int_equal(close(fd), 0);
}

/* A close action of the device descriptor: nothing is left to take over, nothing breaks. */
static void test_spawn_close_action(void **state)
{
	posix_spawn_file_actions_t fa;
	int fd = open(NODE, O_RDWR);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_addclose(&fa, fd), 0);
	/* an fstat of a closed number fails: the "node" check exits 1 */
	assert_int_equal(spawn_child(true, fd, "node", &fa), 1);
	assert_int_equal(posix_spawn_file_actions_destroy(&fa), 0);
	assert_int_equal(close(fd), 0);
}

/* An open action of the root's tree opens the root's file in the child. */
static void test_spawn_open_action_of_tree(void **state)
{
	posix_spawn_file_actions_t fa;

	(void)state;
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_addopen(&fa, 58, "/sys/class/accel/accel0/dev", O_RDONLY, 0), 0);
	assert_int_equal(spawn_child(true, 58, "devnum", &fa), 0);
	assert_int_equal(posix_spawn_file_actions_destroy(&fa), 0);
}

/* An open action of a node cannot be: refused when it is added. */
static void test_spawn_open_action_of_node_refused(void **state)
{
	posix_spawn_file_actions_t fa;

	(void)state;
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_addopen(&fa, 59, NODE, O_RDWR, 0), EOPNOTSUPP);
	assert_int_equal(posix_spawn_file_actions_destroy(&fa), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spawn_keeps_descriptor),
		cmocka_unit_test(test_spawn_dup2_action),
		cmocka_unit_test(test_spawn_close_action),
		cmocka_unit_test(test_spawn_open_action_of_tree),
		cmocka_unit_test(test_spawn_open_action_of_node_refused),
	};
	ssize_t n;

	if (argc == 4 && !strcmp(argv[1], "child"))
		return child_main(atoi(argv[2]), argv[3]);
	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n <= 0)
		return 1;
	self_path[n] = 0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
