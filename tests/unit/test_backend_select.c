// SPDX-License-Identifier: MIT
/*
 * No silent change of backend (include/libaccel.h): a daemon that dies leaves its clients'
 * descriptors dead (ENODEV) and new opens failing (ECONNREFUSED) until a daemon serves the
 * root again; ACCEL_BACKEND forces a backend; `accel list` says which one serves each node.
 * Each client is a forked child with a libaccel of its own.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>

#include <drm/drm.h>
#include <libaccel.h>
#include "forked_client.h"

static char *root;

static int setup(void **state)
{
	(void)state;
	root = test_tmpdir("backend");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rmdir(root);
	return 0;
}

static int get_cap(int fd)
{
	struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };

	return accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &cap);
}

/*
 * A client of the daemon: open, ready; once released (the daemon is dead by then) its old
 * descriptor answers ENODEV and new opens and listings ECONNREFUSED; ready again; once
 * released again (a new daemon serves) a new open reaches it.
 */
static int client_outlives_daemon(void *arg)
{
	struct accel_device_info *v;
	size_t n;
	int fd, fd2;

	setenv("ACCEL_ROOT", arg, 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(accel_fd_backend(fd) == ACCEL_BACKEND_DAEMON);
	CHILD_CHECK(get_cap(fd) == 0);
	forked_client_ready();
	forked_client_wait_go();

	errno = 0;
	CHILD_CHECK(get_cap(fd) == -1 && errno == ENODEV);
	errno = 0;
	fd2 = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd2 == -1 && errno == ECONNREFUSED);
	CHILD_CHECK(accel_devices_list(&v, &n, 0) == -ECONNREFUSED);
	accel_sys_close(fd);
	forked_client_ready();
	forked_client_wait_go();

	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(accel_fd_backend(fd) == ACCEL_BACKEND_DAEMON);
	CHILD_CHECK(get_cap(fd) == 0);
	accel_sys_close(fd);
	return 0;
}

/* A fresh process on a root the dead daemon's sockets are still under. */
static int fresh_open_refused(void *arg)
{
	int fd;

	setenv("ACCEL_ROOT", arg, 1);
	errno = 0;
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd == -1 && errno == ECONNREFUSED);
	return 0;
}

/* A fresh process on a root nothing is left of a daemon under: its own embedded core. */
static int fresh_open_embedded(void *arg)
{
	int fd;

	setenv("ACCEL_ROOT", arg, 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(accel_fd_backend(fd) == ACCEL_BACKEND_EMBEDDED);
	accel_sys_close(fd);
	return 0;
}

static void daemon_death(int sig)
{
	struct forked_client c, f;
	pid_t daemon;
	int status;

	daemon = test_acceld_start(root, NULL);
	c = forked_client_start(client_outlives_daemon, root);
	assert_true(forked_client_wait_ready(&c));
	kill(daemon, sig);
	assert_int_equal(waitpid(daemon, &status, 0), daemon);
	forked_client_release(&c);
	assert_true(forked_client_wait_ready(&c));

	f = forked_client_start(sig == SIGKILL ? fresh_open_refused : fresh_open_embedded, root);
	assert_int_equal(forked_client_finish(&f), 0);

	/* A new daemon takes the root (the fresh process has exited); the waiting client reaches it. */
	daemon = test_acceld_start(root, NULL);
	assert_int_equal(forked_client_finish(&c), 0);
	assert_int_equal(test_acceld_stop(daemon), 0);
}

static void a_daemon_killed_leaves_old_descriptors_enodev_and_new_opens_refused(void **state)
{
	(void)state;
	daemon_death(SIGKILL);
}

static void a_daemon_stopped_leaves_its_clients_refused_and_fresh_processes_embedded(void **state)
{
	(void)state;
	daemon_death(SIGTERM);
}

static int backend_bogus(void *arg)
{
	struct accel_device_info *v;
	size_t n;
	int fd;

	setenv("ACCEL_ROOT", arg, 1);
	setenv("ACCEL_BACKEND", "gpu", 1);
	errno = 0;
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd == -1 && errno == EINVAL);
	CHILD_CHECK(accel_devices_list(&v, &n, 0) == -EINVAL);
	return 0;
}

static void accel_backend_with_an_unknown_value_fails_with_einval(void **state)
{
	struct forked_client c;

	(void)state;
	c = forked_client_start(backend_bogus, root);
	assert_int_equal(forked_client_finish(&c), 0);
}

static int backend_kernel(void *arg)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	setenv("ACCEL_ROOT", arg, 1);
	setenv("ACCEL_BACKEND", "kernel", 1);
	/* No kernel node here: the root's nodes are never opened in its place. */
	if (!stat("/dev/accel/accel0", &st) && S_ISCHR(st.st_mode))
		return 0;
	errno = 0;
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd == -1 && (errno == ENOENT || errno == ENODEV));
	snprintf(path, sizeof(path), "%s/dev/accel/accel0", (const char *)arg);
	errno = 0;
	fd = accel_sys_open(path, O_RDWR);
	CHILD_CHECK(fd == -1 && (errno == ENOENT || errno == ENODEV));
	/* Nor did it start an embedded core to publish one. */
	CHILD_CHECK(stat(path, &st) != 0);
	return 0;
}

static void accel_backend_kernel_opens_only_kernel_nodes(void **state)
{
	struct forked_client c;

	(void)state;
	c = forked_client_start(backend_kernel, root);
	assert_int_equal(forked_client_finish(&c), 0);
}

static int backend_daemon_without_daemon(void *arg)
{
	char path[PATH_MAX];
	int fd;

	setenv("ACCEL_ROOT", arg, 1);
	setenv("ACCEL_BACKEND", "daemon", 1);
	errno = 0;
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd == -1 && errno == ECONNREFUSED);
	snprintf(path, sizeof(path), "%s/sys", (const char *)arg);
	CHILD_CHECK(access(path, F_OK) != 0); /* no embedded core published anything */
	return 0;
}

static int backend_daemon_with_daemon(void *arg)
{
	int fd;

	setenv("ACCEL_ROOT", arg, 1);
	setenv("ACCEL_BACKEND", "daemon", 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(accel_fd_backend(fd) == ACCEL_BACKEND_DAEMON);
	accel_sys_close(fd);
	return 0;
}

static void accel_backend_daemon_opens_only_through_a_daemon(void **state)
{
	struct forked_client c;
	pid_t daemon;

	(void)state;
	c = forked_client_start(backend_daemon_without_daemon, root);
	assert_int_equal(forked_client_finish(&c), 0);
	daemon = test_acceld_start(root, NULL);
	c = forked_client_start(backend_daemon_with_daemon, root);
	assert_int_equal(forked_client_finish(&c), 0);
	assert_int_equal(test_acceld_stop(daemon), 0);
}

static int backend_embedded_beside_daemon(void *arg)
{
	char priv[PATH_MAX];
	int fd;

	setenv("ACCEL_ROOT", arg, 1);
	setenv("ACCEL_BACKEND", "embedded", 1);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(accel_fd_backend(fd) == ACCEL_BACKEND_EMBEDDED);
	snprintf(priv, sizeof(priv), "%s/private/%d", (const char *)arg, (int)getpid());
	CHILD_CHECK(!strcmp(accel_root(), priv));
	accel_sys_close(fd);
	return 0;
}

static void accel_backend_embedded_runs_the_core_even_where_a_daemon_serves(void **state)
{
	struct forked_client c;
	pid_t daemon;

	(void)state;
	daemon = test_acceld_start(root, NULL);
	c = forked_client_start(backend_embedded_beside_daemon, root);
	assert_int_equal(forked_client_finish(&c), 0);
	assert_int_equal(test_acceld_stop(daemon), 0);
}

/* `accel list` (text and --json) on @root: true when every node's backend is @want. */
static bool accel_list_says(const char *want, bool json)
{
	char tool[PATH_MAX], cmd[PATH_MAX * 2 + 128], line[512];
	int nodes = 0, good = 0;
	FILE *p;

	snprintf(tool, sizeof(tool), "%s", ACCELD_PATH);
	snprintf(cmd, sizeof(cmd), "ACCEL_ROOT='%s' '%s/accel' list %s", root, dirname(tool),
		 json ? "--json" : "");
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (json && strstr(line, "\"backend\"")) {
			nodes++;
			good += strstr(line, want) != NULL;
		} else if (!json && !strncmp(line, "accel", 5)) {
			char node[32], dev[32], backend[32];

			nodes++;
			good += sscanf(line, "%31s %31s %31s", node, dev, backend) == 3 &&
				!strcmp(backend, want);
		}
	}
	assert_int_equal(pclose(p), 0);
	return nodes > 0 && good == nodes;
}

static void accel_list_names_the_backend_of_each_node(void **state)
{
	pid_t daemon;

	(void)state;
	daemon = test_acceld_start(root, NULL);
	assert_true(accel_list_says("daemon", false));
	assert_true(accel_list_says("daemon", true));
	assert_int_equal(test_acceld_stop(daemon), 0);
	/* Stopped cleanly: nothing of it is left, and a fresh `accel` runs the core itself. */
	assert_true(accel_list_says("embedded", false));
	assert_true(accel_list_says("embedded", true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_daemon_killed_leaves_old_descriptors_enodev_and_new_opens_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_daemon_stopped_leaves_its_clients_refused_and_fresh_processes_embedded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(accel_backend_with_an_unknown_value_fails_with_einval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(accel_backend_kernel_opens_only_kernel_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(accel_backend_daemon_opens_only_through_a_daemon, setup,
						teardown),
		cmocka_unit_test_setup_teardown(accel_backend_embedded_runs_the_core_even_where_a_daemon_serves,
						setup, teardown),
		cmocka_unit_test_setup_teardown(accel_list_names_the_backend_of_each_node, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
