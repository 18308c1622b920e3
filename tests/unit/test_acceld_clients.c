// SPDX-License-Identifier: MIT
/* acceld with several client processes: permissions, credentials, death, daemon stop. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/drm_ext.h>
#include "helpers.h"

#define TEST_UID 4242 /* a user that exists nowhere but in this test */

static char *root;
static pid_t daemon_pid;

static const char open_config[] =
	"[nodes]\nmode = 0666\n\n[example.0]\ndriver = example\n";
static const char private_config[] =
	"[nodes]\nmode = 0600\nowner = 0\ngroup = 0\n\n[example.0]\ndriver = example\n";

static int setup(void **state)
{
	(void)state;
	return test_daemon_setup(&root, &daemon_pid, "acceld", NULL);
}

static int teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&root, &daemon_pid);
}

static int start_open(void **state)
{
	(void)state;
	daemon_pid = test_acceld_start(root, open_config);
	return 0;
}

static int start_private(void **state)
{
	(void)state;
	daemon_pid = test_acceld_start(root, private_config);
	return 0;
}

static int stop(void **state)
{
	(void)state;
	if (daemon_pid > 0)
		assert_int_equal(test_acceld_stop(daemon_pid), 0);
	daemon_pid = 0;
	return 0;
}

/* Run @fn in a child as TEST_UID; its exit status. */
static int as_other_user(int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(TEST_UID) || setuid(TEST_UID))
			_exit(100);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void open_goes_through_the_daemon(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(accel_fd_backend(fd), ACCEL_BACKEND_DAEMON);
	accel_sys_close(fd);
}

static int open_errno(void)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);

	if (fd >= 0) {
		accel_sys_close(fd);
		return 0;
	}
	return errno;
}

static void node_mode_refuses_a_user_it_does_not_allow(void **state)
{
	(void)state;
	assert_int_equal(as_other_user(open_errno), EACCES);
	assert_int_equal(open_errno(), 0);
}

static void node_mode_lets_every_user_open_when_it_allows(void **state)
{
	(void)state;
	assert_int_equal(as_other_user(open_errno), 0);
}

static int root_only_and_auth_ioctls_as_user(void)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	char buf[64] = { 0 };

	if (fd < 0)
		return 1;
	if (accel_sys_ioctl(fd, DRM_IOCTL_BLOCK, buf) != -1 || errno != EACCES)
		return 2;
	if (accel_sys_ioctl(fd, DRM_IOCTL_FINISH, buf) != -1 || errno != EACCES)
		return 3;
	accel_sys_close(fd);
	return 0;
}

static void root_only_ioctls_check_the_peer_credentials(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	char buf[64] = { 0 };

	(void)state;
	assert_int_equal(as_other_user(root_only_and_auth_ioctls_as_user), 0);
	/* Root's file is authenticated and may call root-only ioctls. */
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_FINISH, buf), 0);
	accel_sys_close(fd);
}

static int count_proc_clients(pid_t pid)
{
	char path[4096];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc/%d/fdinfo", root, (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Closing is asynchronous for the daemon, as process exit is for a kernel: wait a moment. */
static int wait_proc_clients(pid_t pid, int want)
{
	int i, n = count_proc_clients(pid);

	for (i = 0; i < 300 && n != want; i++) {
		usleep(10000);
		n = count_proc_clients(pid);
	}
	return n;
}

static void each_open_is_one_client_with_the_peer_pid(void **state)
{
	int a = accel_sys_open("/dev/accel/accel0", O_RDWR);
	int b = accel_sys_open("/dev/accel/accel0", O_RDWR);

	(void)state;
	assert_int_equal(count_proc_clients(getpid()), 2);
	accel_sys_close(a);
	assert_int_equal(wait_proc_clients(getpid(), 1), 1);
	accel_sys_close(b);
	assert_int_equal(wait_proc_clients(getpid(), 0), 0);
}

static void killed_client_leaves_no_client_behind(void **state)
{
	int ready[2];
	pid_t child;
	char c;
	int i;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct drm_set_client_name n = { .name_len = 6, .name = (uintptr_t)"doomed" };

		for (i = 0; i < 3; i++) {
			int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);

			if (fd < 0 || accel_sys_ioctl(fd, DRM_IOCTL_SET_CLIENT_NAME, &n))
				_exit(1);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(count_proc_clients(child), 3);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* The daemon sees the connections close: the clients go within moments. */
	assert_int_equal(wait_proc_clients(child, 0), 0);
}

static void daemon_stop_fails_calls_and_a_restart_serves_new_opens(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &cap), 0);
	assert_int_equal(test_acceld_stop(daemon_pid), 0);
	daemon_pid = 0;
	errno = 0;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &cap), -1);
	assert_int_equal(errno, ENODEV);
	daemon_pid = test_acceld_start(root, open_config);
	/* The old file stays dead; a new open reaches the new daemon. */
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &cap), -1);
	accel_sys_close(fd);
	fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &cap), 0);
	accel_sys_close(fd);
}

static int read_fdinfo_name(pid_t pid, char *name, size_t n)
{
	char path[4096], line[256];
	struct dirent *e;
	DIR *d;
	int found = 0;

	snprintf(path, sizeof(path), "%s/proc/%d/fdinfo", root, (int)pid);
	d = opendir(path);
	while (d && (e = readdir(d)) && !found) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/proc/%d/fdinfo/%s", root, (int)pid, e->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "drm-client-name:\t%63s", name) == 1)
				found = 1;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	(void)n;
	return found;
}

static void forked_child_shares_the_open_file(void **state)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	struct drm_set_client_name n = { .name_len = 6, .name = (uintptr_t)"parent" };
	char name[64] = "";
	pid_t child;
	int status, i;

	(void)state;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_SET_CLIENT_NAME, &n), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct drm_set_client_name cn = { .name_len = 5, .name = (uintptr_t)"child" };
		struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

		/* The child and the parent talk at the same time on one open file. */
		for (i = 0; i < 200; i++)
			if (accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &cap) || cap.value != 3)
				_exit(1);
		_exit(accel_sys_ioctl(fd, DRM_IOCTL_SET_CLIENT_NAME, &cn) ? 2 : 0);
	}
	for (i = 0; i < 200; i++) {
		struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };

		assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &cap), 0);
		assert_int_equal(cap.value, 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The child renamed the parent's client: it is one open file, one client. */
	for (i = 0; i < 100 && (!read_fdinfo_name(getpid(), name, sizeof(name)) || strcmp(name, "child")); i++)
		usleep(10000);
	assert_string_equal(name, "child");
	assert_int_equal(count_proc_clients(getpid()), 1);
	accel_sys_close(fd);
}

static void sigterm_unplugs_and_removes_the_nodes(void **state)
{
	char node[4096];
	struct stat st;

	(void)state;
	snprintf(node, sizeof(node), "%s/dev/accel/accel0", root);
	assert_int_equal(stat(node, &st), 0);
	assert_int_equal(test_acceld_stop(daemon_pid), 0);
	daemon_pid = 0;
	assert_int_not_equal(stat(node, &st), 0);
	snprintf(node, sizeof(node), "%s/sys/class/accel/accel0", root);
	assert_int_not_equal(lstat(node, &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(open_goes_through_the_daemon, start_open, stop),
		cmocka_unit_test_setup_teardown(node_mode_refuses_a_user_it_does_not_allow, start_private, stop),
		cmocka_unit_test_setup_teardown(node_mode_lets_every_user_open_when_it_allows, start_open, stop),
		cmocka_unit_test_setup_teardown(root_only_ioctls_check_the_peer_credentials, start_open, stop),
		cmocka_unit_test_setup_teardown(each_open_is_one_client_with_the_peer_pid, start_open, stop),
		cmocka_unit_test_setup_teardown(killed_client_leaves_no_client_behind, start_open, stop),
		cmocka_unit_test_setup_teardown(forked_child_shares_the_open_file, start_open, stop),
		cmocka_unit_test_setup_teardown(daemon_stop_fails_calls_and_a_restart_serves_new_opens,
						start_open, stop),
		cmocka_unit_test_setup_teardown(sigterm_unplugs_and_removes_the_nodes, start_open, stop),
	};

	if (geteuid() != 0) {
		/* Changing to another user needs root: say so rather than pass silently. */
		fprintf(stderr, "test_acceld_clients: needs root to test other users\n");
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
