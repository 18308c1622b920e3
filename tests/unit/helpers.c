// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wire/acceld_ready.h"
#include <accel/attr.h>
#include <accel/drm_print.h>
#include <libaccel.h>
#include "helpers.h"
#include "host/host.h"
#include "../common/acceld_exec.h"

struct platform_device *test_parent_add(const char *name, int id)
{
	struct platform_device *pdev = platform_device_alloc(name, id);

	assert_non_null(pdev);
	assert_int_equal(platform_device_add(pdev), 0);
	return pdev;
}

void test_parent_del(struct platform_device *pdev)
{
	platform_device_unregister(pdev);
}

static char *log_buf;
static size_t log_len;

static void log_sink(enum accel_log_level level, const char *msg, void *data)
{
	size_t n = strlen(msg);
	char *b;

	(void)level; (void)data;
	b = realloc(log_buf, log_len + n + 2);
	if (!b)
		return;
	log_buf = b;
	memcpy(log_buf + log_len, msg, n);
	log_len += n;
	log_buf[log_len++] = '\n';
	log_buf[log_len] = 0;
}

void test_log_capture(void)
{
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
	accel_log_set_sink(log_sink, NULL);
}

int test_log_contains(const char *needle)
{
	return log_buf && strstr(log_buf, needle) != NULL;
}

void test_log_release(void)
{
	accel_log_set_sink(NULL, NULL);
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
}

char *test_attr_read(const char *path)
{
	struct attr_node *n = attr_lookup(path);
	char *val = NULL;

	if (!n || attr_read(n, &val, NULL))
		return NULL;
	val[strcspn(val, "\n")] = 0;
	return val;
}

char *test_accel_unique(int minor)
{
	struct attr_node *link;
	char path[64];

	/* The minor's "device" link names its parent, whose name is the unique name. */
	snprintf(path, sizeof(path), "class/accel/accel%d/device", minor);
	link = attr_lookup(path);
	if (!link || link->type != ATTR_NODE_LINK || !link->target)
		return NULL;
	return strdup(link->target->name);
}

char *test_root_accel_unique(const char *root, int minor)
{
	char path[4096], target[4096], *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/sys/class/accel/accel%d/device", root, minor);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = 0;
	base = strrchr(target, '/');
	return strdup(base ? base + 1 : target);
}

char *test_tmpdir_try(const char *tag)
{
	char *p;

	if (asprintf(&p, "%s/accel-%s-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		     tag) < 0)
		return NULL;
	if (!mkdtemp(p)) {
		free(p);
		return NULL;
	}
	chmod(p, 0755);
	return p;
}

char *test_tmpdir(const char *tag)
{
	char *p = test_tmpdir_try(tag);

	assert_non_null(p);
	return p;
}

void test_rmdir(char *path)
{
	size_t n = strlen(path);
	char *cmd;
	int i;

	/*
	 * The root, and test_acceld_spawn()'s configuration file beside it. When this process's
	 * embedded core publishes under it, its live attribute mounts refuse the removal: they
	 * go first (the core is done with the root once a test removes it).
	 */
	if (asprintf(&cmd, "rm -rf '%s' '%s.conf' 2>/dev/null", path, path) > 0) {
		for (i = 0; i < 20; i++) {
			if (system(cmd) == 0)
				break;
			/* accel_root() only once the core runs: a first call would fix the root. */
			if (accel_fuse_running()) {
				const char *root = accel_root();

				if (!strncmp(root, path, n) && (!root[n] || root[n] == '/'))
					accel_fuse_stop();
			}
			usleep(50000);
		}
		if (i == 20)
			fprintf(stderr, "cannot remove %s\n", path);
		free(cmd);
	}
	free(path);
}

int test_daemon_setup(char **root, pid_t *pid, const char *tag, const char *config)
{
	*pid = 0;
	*root = test_tmpdir_try(tag);
	if (!*root)
		return -1;
	setenv("ACCEL_ROOT", *root, 1);
	if (!config)
		return 0;
	*pid = test_acceld_spawn(*root, config);
	return *pid > 0 ? 0 : -1;
}

int test_daemon_teardown(char **root, pid_t *pid)
{
	if (*pid > 0)
		test_acceld_kill(*pid);
	*pid = 0;
	if (*root)
		test_rmdir(*root);
	*root = NULL;
	return 0;
}

/* The root of the embedded core of this test program (test_embedded_start()). */
static char *embedded_root;

int test_embedded_start(const char *tag, const char *config)
{
	embedded_root = test_tmpdir_try(tag);
	if (!embedded_root)
		return -1;
	setenv("ACCEL_ROOT", embedded_root, 1);
	return accel_embedded_start(config) ? -1 : 0;
}

const char *test_embedded_root(void)
{
	return embedded_root;
}

int test_embedded_stop(void)
{
	char *cmd;
	int i, ret = -1;

	if (!embedded_root)
		return 0;
	/* The core keeps running: its live attribute mounts would refuse the removal. */
	accel_fuse_stop();
	if (asprintf(&cmd, "rm -rf '%s' 2>/dev/null", embedded_root) < 0)
		return -1;
	for (i = 0; i < 20 && ret; i++) {
		if (system(cmd) == 0)
			ret = 0;
		else
			usleep(50000);
	}
	free(cmd);
	free(embedded_root);
	embedded_root = NULL;
	return ret;
}

int test_accel_minor(const char *pdev)
{
	struct attr_node *dir;
	char path[128];

	snprintf(path, sizeof(path), "devices/platform/%s/accel", pdev);
	dir = attr_lookup(path);
	if (!dir || !dir->children || strncmp(dir->children->name, "accel", 5))
		return -1;
	return atoi(dir->children->name + 5);
}

/* Daemons this process reaped early (test_acceld_running()), with their wait status. */
static struct {
	pid_t pid;
	int status;
} reaped[16];

static void reaped_note(pid_t pid, int status)
{
	for (size_t i = 0; i < sizeof(reaped) / sizeof(reaped[0]); i++) {
		if (!reaped[i].pid) {
			reaped[i].pid = pid;
			reaped[i].status = status;
			return;
		}
	}
}

/* The wait status of @pid if it was reaped already (and forget it): 1, else 0. */
static int reaped_take(pid_t pid, int *status)
{
	for (size_t i = 0; i < sizeof(reaped) / sizeof(reaped[0]); i++) {
		if (reaped[i].pid == pid) {
			*status = reaped[i].status;
			reaped[i].pid = 0;
			return 1;
		}
	}
	return 0;
}

/* 0 .. 255: an exit status; 128 + N: killed by signal N. */
static int wait_status_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

pid_t test_acceld_spawn(const char *root, const char *config)
{
	char cfgpath[4096];
	pid_t pid;
	int p[2];

	if (config && acceld_config_write(root, config, cfgpath, sizeof(cfgpath)))
		return -1;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		/* A test that dies must not leave its daemon behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		acceld_exec(ACCELD_PATH, root, config ? cfgpath : NULL, p[1]);
	}
	close(p[1]);
	if (acceld_ready_wait(p[0], 20000))
		return pid;
	fprintf(stderr, "acceld did not start serving %s\n", root);
	test_acceld_kill(pid);
	return -1;
}

pid_t test_acceld_start(const char *root, const char *config)
{
	pid_t pid = test_acceld_spawn(root, config);

	if (pid < 0)
		fail_msg("acceld did not start serving %s", root);
	return pid;
}

bool test_acceld_running(pid_t pid)
{
	int status;
	pid_t r;

	for (size_t i = 0; i < sizeof(reaped) / sizeof(reaped[0]); i++)
		if (reaped[i].pid == pid)
			return false;
	/* kill(pid, 0) would succeed on a zombie: only waitpid() tells that it is gone. */
	r = waitpid(pid, &status, WNOHANG);
	if (r == 0)
		return true;
	if (r != pid) {
		fprintf(stderr, "acceld (pid %d) is not a child of this process\n", (int)pid);
		return false;
	}
	fprintf(stderr, "acceld (pid %d) is gone: %s %d\n", (int)pid,
		WIFSIGNALED(status) ? "killed by signal" : "exit status",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	reaped_note(pid, status);
	return false;
}

int test_acceld_stop(pid_t pid)
{
	int status;

	if (reaped_take(pid, &status))
		return wait_status_code(status);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return wait_status_code(status);
}

void test_acceld_kill(pid_t pid)
{
	int status;

	if (pid <= 0 || reaped_take(pid, &status))
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
