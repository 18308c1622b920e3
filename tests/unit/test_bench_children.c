// SPDX-License-Identifier: MIT
/*
 * Benchmarks always finish and leave nothing behind (bench/bench.h): acceld is ready when it
 * says so, and a bench that exits, aborts or is killed takes its daemon and its temporary
 * root with it. Each "bench" here is a forked child using bench.h; this test process is a
 * child subreaper, so a daemon a bench left behind would become its child and be seen.
 */
#include "bench/bench.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"

/* What the bench child tells the test: its daemon's pid and its root. */
struct bench_report_msg {
	pid_t daemon;
	char root[32];
};

enum bench_end { END_EXIT, END_ABORT, END_WAIT };

/* A bench: a root, acceld on it, report, then end as @how says. */
static pid_t bench_child_start(enum bench_end how, struct bench_report_msg *msg)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bench_report_msg m = { 0 };

		close(p[0]);
		bench_tmproot(m.root);
		m.daemon = bench_acceld_start(ACCELD_PATH, m.root);
		if (write(p[1], &m, sizeof(m)) != sizeof(m))
			_exit(2);
		if (how == END_ABORT)
			abort();
		if (how == END_WAIT)
			pause();
		exit(3); /* without stopping its daemon */
	}
	close(p[1]);
	assert_int_equal(read(p[0], msg, sizeof(*msg)), sizeof(*msg));
	close(p[0]);
	return pid;
}

/*
 * Whether @daemon is gone without us: not a child of ours (the subreaper) after the bench
 * ended. If the bench left it behind, stop it here (and say so).
 */
static bool daemon_gone(pid_t daemon)
{
	int status;

	/* A daemon that outlived its bench would now be our child: give it 10 s to die. */
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(daemon, &status, WNOHANG);

		if (r < 0 && errno == ECHILD)
			return true; /* reaped by the bench */
		if (r == daemon)
			return true; /* killed as the bench died (PR_SET_PDEATHSIG), reaped here */
		usleep(10000);
	}
	kill(daemon, SIGKILL);
	waitpid(daemon, &status, 0);
	return false;
}

static void a_bench_that_exits_stops_and_reaps_its_daemon_and_removes_its_root(void **state)
{
	struct bench_report_msg m;
	int status;
	pid_t b;

	(void)state;
	b = bench_child_start(END_EXIT, &m);
	assert_int_equal(waitpid(b, &status, 0), b);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	/* Reaped by the bench itself: not left to us. */
	assert_int_equal(waitpid(m.daemon, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_true(daemon_gone(m.daemon));
	assert_int_not_equal(access(m.root, F_OK), 0);
}

static void a_bench_that_aborts_takes_its_daemon_and_root_with_it(void **state)
{
	struct bench_report_msg m;
	int status;
	pid_t b;

	(void)state;
	b = bench_child_start(END_ABORT, &m);
	assert_int_equal(waitpid(b, &status, 0), b);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_true(daemon_gone(m.daemon));
	assert_int_not_equal(access(m.root, F_OK), 0);
}

static void a_bench_killed_with_sigkill_takes_its_daemon_with_it(void **state)
{
	struct bench_report_msg m;
	int status;
	pid_t b;

	(void)state;
	b = bench_child_start(END_WAIT, &m);
	kill(b, SIGKILL);
	assert_int_equal(waitpid(b, &status, 0), b);
	/* PR_SET_PDEATHSIG: the kernel kills the daemon as the bench dies. */
	assert_true(daemon_gone(m.daemon));
	test_rmdir(strdup(m.root)); /* nothing could remove it: SIGKILL runs no code */
}

static void a_bench_timed_out_with_sigterm_takes_its_daemon_and_root_with_it(void **state)
{
	struct bench_report_msg m;
	int status;
	pid_t b;

	(void)state;
	b = bench_child_start(END_WAIT, &m);
	kill(b, SIGTERM);
	assert_int_equal(waitpid(b, &status, 0), b);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_true(daemon_gone(m.daemon));
	assert_int_not_equal(access(m.root, F_OK), 0);
}

/* Stale files where acceld will publish: a plain node file and a pid file from before. */
static int ready_child(void *arg)
{
	const char *root = arg;
	char path[PATH_MAX];
	struct stat st;
	pid_t daemon;

	daemon = bench_acceld_start(ACCELD_PATH, root);
	snprintf(path, sizeof(path), "%s/dev/accel/accel0", root);
	if (stat(path, &st) || !S_ISSOCK(st.st_mode))
		return 1;
	return bench_acceld_stop(daemon) ? 2 : 0;
}

static void acceld_is_ready_when_it_says_so_not_when_a_path_exists(void **state)
{
	char *root = test_tmpdir("bench-ready"), path[PATH_MAX];
	int status, fd;
	pid_t b;

	(void)state;
	snprintf(path, sizeof(path), "%s/dev", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dev/accel", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dev/accel/accel0", root);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/acceld.pid", root);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "1\n", 2), 2);
	close(fd);

	b = fork();
	assert_true(b >= 0);
	if (b == 0)
		_exit(ready_child(root));
	assert_int_equal(waitpid(b, &status, 0), b);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	test_rmdir(root);
}

static int subreaper(void **state)
{
	(void)state;
	return prctl(PR_SET_CHILD_SUBREAPER, 1) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acceld_is_ready_when_it_says_so_not_when_a_path_exists),
		cmocka_unit_test(a_bench_that_exits_stops_and_reaps_its_daemon_and_removes_its_root),
		cmocka_unit_test(a_bench_that_aborts_takes_its_daemon_and_root_with_it),
		cmocka_unit_test(a_bench_killed_with_sigkill_takes_its_daemon_with_it),
		cmocka_unit_test(a_bench_timed_out_with_sigterm_takes_its_daemon_and_root_with_it),
	};

	return cmocka_run_group_tests(tests, subreaper, NULL);
}
