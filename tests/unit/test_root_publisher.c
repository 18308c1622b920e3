// SPDX-License-Identifier: MIT
/*
 * One publisher per root (README "The root and the backends"): every pairing of embedded
 * processes and acceld on one root, each process a forked child with a libaccel of its own.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#include <libaccel.h>
#include "forked_client.h"

static char *root;

static int setup(void **state)
{
	(void)state;
	root = test_tmpdir("root-pub");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rmdir(root);
	return 0;
}

/* Embedded on the root, then hold it until released. Reports its accel_root() first. */
static int embedded_holder(void *arg)
{
	const char *r = arg;
	int fd;

	setenv("ACCEL_ROOT", r, 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(accel_fd_backend(fd) == ACCEL_BACKEND_EMBEDDED);
	CHILD_CHECK(!strcmp(accel_root(), r));
	forked_client_ready();
	forked_client_wait_go();
	accel_sys_close(fd);
	return 0;
}

/* A second embedded process on a held root: its own core under ROOT/private/PID. */
static int embedded_second(void *arg)
{
	const char *r = arg;
	char priv[PATH_MAX], path[PATH_MAX + 64];
	struct stat st;
	int fd;

	setenv("ACCEL_ROOT", r, 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(accel_fd_backend(fd) == ACCEL_BACKEND_EMBEDDED);
	snprintf(priv, sizeof(priv), "%s/private/%d", r, (int)getpid());
	CHILD_CHECK(!strcmp(accel_root(), priv));
	/* Its nodes and attributes are there, and a path under either root names its node. */
	snprintf(path, sizeof(path), "%s/sys/class/accel/accel0/dev", priv);
	CHILD_CHECK(stat(path, &st) == 0);
	snprintf(path, sizeof(path), "%s/dev/accel/accel0", priv);
	CHILD_CHECK(stat(path, &st) == 0);
	accel_sys_close(fd);
	fd = accel_sys_open(path, O_RDWR);
	CHILD_CHECK(fd >= 0);
	accel_sys_close(fd);
	return 0;
}

static void two_embedded_processes_publish_under_the_root_and_a_private_root(void **state)
{
	char path[PATH_MAX + 64], node[PATH_MAX + 64], lock_text[64];
	struct stat before, after, node_before, node_after;
	struct forked_client a, b;

	(void)state;
	a = forked_client_start(embedded_holder, root);
	assert_true(forked_client_wait_ready(&a));
	snprintf(path, sizeof(path), "%s/accel.lock", root);
	snprintf(lock_text, sizeof(lock_text), "embedded %d\n", (int)a.pid);
	assert_string_equal(slurp(path), lock_text);
	/* Files are re-rendered (new inodes) as values change; the tree's directories and node are not. */
	snprintf(path, sizeof(path), "%s/sys/class/accel", root);
	assert_int_equal(stat(path, &before), 0);
	snprintf(node, sizeof(node), "%s/dev/accel/accel0", root);
	assert_int_equal(stat(node, &node_before), 0);

	b = forked_client_start(embedded_second, root);
	assert_int_equal(forked_client_finish(&b), 0);

	/* The first process's tree is untouched: the second did not publish over it. */
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(stat(node, &node_after), 0);
	assert_int_equal(node_before.st_ino, node_after.st_ino);
	snprintf(path, sizeof(path), "%s/accel.lock", root);
	assert_string_equal(slurp(path), lock_text);
	assert_int_equal(forked_client_finish(&a), 0);
}

static int embedded_open_only(void *arg)
{
	int fd;

	setenv("ACCEL_ROOT", arg, 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(!strcmp(accel_root(), (const char *)arg));
	accel_sys_close(fd);
	return 0;
}

static void the_next_publisher_removes_the_private_roots_of_exited_processes(void **state)
{
	char path[PATH_MAX + 64];
	struct forked_client a, b, c;
	pid_t bpid;

	(void)state;
	a = forked_client_start(embedded_holder, root);
	assert_true(forked_client_wait_ready(&a));
	b = forked_client_start(embedded_second, root);
	bpid = b.pid;
	assert_int_equal(forked_client_finish(&b), 0);
	assert_int_equal(forked_client_finish(&a), 0);
	snprintf(path, sizeof(path), "%s/private/%d", root, (int)bpid);
	assert_int_equal(access(path, F_OK), 0);

	/* The root is free again: the next process takes it and sweeps what is left. */
	c = forked_client_start(embedded_open_only, root);
	assert_int_equal(forked_client_finish(&c), 0);
	assert_int_not_equal(access(path, F_OK), 0);
}

/*
 * A process makes its private root, then locks it: in between, the directory is its own
 * (its process lives), and another publisher's sweep leaves it alone.
 */
static void a_private_root_whose_process_lives_survives_the_sweep_before_its_lock(void **state)
{
	char path[PATH_MAX + 64];
	struct forked_client c;

	(void)state;
	snprintf(path, sizeof(path), "%s/private", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/private/%d", root, (int)getpid());
	assert_int_equal(mkdir(path, 0755), 0);
	c = forked_client_start(embedded_open_only, root);
	assert_int_equal(forked_client_finish(&c), 0);
	assert_int_equal(access(path, F_OK), 0);
}

static void acceld_refuses_a_root_an_embedded_process_publishes_under(void **state)
{
	char log[PATH_MAX + 16], want[64], path[PATH_MAX + 64];
	struct forked_client a;
	struct stat st;
	pid_t daemon;
	int status;

	(void)state;
	a = forked_client_start(embedded_holder, root);
	assert_true(forked_client_wait_ready(&a));
	snprintf(log, sizeof(log), "%s.log", root);
	status = acceld_try_start(root, log, &daemon);
	assert_int_equal(daemon, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	/* The message names the process that holds the root. */
	snprintf(want, sizeof(want), "process %d publishes", (int)a.pid);
	assert_non_null(strstr(slurp(log), want));
	unlink(log);
	/* The embedded tree is still there, its node a plain file, not a socket. */
	snprintf(path, sizeof(path), "%s/dev/accel/accel0", root);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(forked_client_finish(&a), 0);
}

static int opens_through_daemon(void *arg)
{
	int fd;

	setenv("ACCEL_ROOT", arg, 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(accel_fd_backend(fd) == ACCEL_BACKEND_DAEMON);
	CHILD_CHECK(!strcmp(accel_root(), (const char *)arg));
	accel_sys_close(fd);
	return 0;
}

/* A process that asks for its own core on a root acceld serves: a private root. */
static int embedded_start_beside_daemon(void *arg)
{
	const char *r = arg;
	char priv[PATH_MAX], path[PATH_MAX + 64];
	struct stat st;
	int fd;

	setenv("ACCEL_ROOT", r, 1);
	CHILD_CHECK(accel_embedded_start(NULL) == 0);
	snprintf(priv, sizeof(priv), "%s/private/%d", r, (int)getpid());
	CHILD_CHECK(!strcmp(accel_root(), priv));
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(accel_fd_backend(fd) == ACCEL_BACKEND_EMBEDDED);
	accel_sys_close(fd);
	/* acceld's node is still its socket. */
	snprintf(path, sizeof(path), "%s/dev/accel/accel0", r);
	CHILD_CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	return 0;
}

static void on_a_root_acceld_serves_a_process_uses_the_daemon_or_a_private_root(void **state)
{
	struct forked_client c;
	pid_t daemon;

	(void)state;
	daemon = test_acceld_start(root, NULL);
	c = forked_client_start(opens_through_daemon, root);
	assert_int_equal(forked_client_finish(&c), 0);
	c = forked_client_start(embedded_start_beside_daemon, root);
	assert_int_equal(forked_client_finish(&c), 0);
	/* And the daemon still serves. */
	c = forked_client_start(opens_through_daemon, root);
	assert_int_equal(forked_client_finish(&c), 0);
	assert_int_equal(test_acceld_stop(daemon), 0);
}

static void a_second_acceld_refuses_the_root_and_names_the_first(void **state)
{
	char log[PATH_MAX + 16], want[64];
	struct forked_client c;
	pid_t daemon, second;
	int status;

	(void)state;
	daemon = test_acceld_start(root, NULL);
	snprintf(log, sizeof(log), "%s.log", root);
	status = acceld_try_start(root, log, &second);
	assert_int_equal(second, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	snprintf(want, sizeof(want), "another acceld (pid %d)", (int)daemon);
	assert_non_null(strstr(slurp(log), want));
	unlink(log);
	c = forked_client_start(opens_through_daemon, root);
	assert_int_equal(forked_client_finish(&c), 0);
	assert_int_equal(test_acceld_stop(daemon), 0);
}

static void acceld_takes_a_root_whose_embedded_publisher_exited(void **state)
{
	struct forked_client a, c;
	pid_t daemon;

	(void)state;
	a = forked_client_start(embedded_holder, root);
	assert_true(forked_client_wait_ready(&a));
	assert_int_equal(forked_client_finish(&a), 0);
	daemon = test_acceld_start(root, NULL);
	c = forked_client_start(opens_through_daemon, root);
	assert_int_equal(forked_client_finish(&c), 0);
	assert_int_equal(test_acceld_stop(daemon), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(two_embedded_processes_publish_under_the_root_and_a_private_root,
						setup, teardown),
		cmocka_unit_test_setup_teardown(the_next_publisher_removes_the_private_roots_of_exited_processes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_private_root_whose_process_lives_survives_the_sweep_before_its_lock,
						setup, teardown),
		cmocka_unit_test_setup_teardown(acceld_refuses_a_root_an_embedded_process_publishes_under,
						setup, teardown),
		cmocka_unit_test_setup_teardown(on_a_root_acceld_serves_a_process_uses_the_daemon_or_a_private_root,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_second_acceld_refuses_the_root_and_names_the_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(acceld_takes_a_root_whose_embedded_publisher_exited,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
