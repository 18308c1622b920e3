/* SPDX-License-Identifier: MIT */
/*
 * bench.h - timing for the benchmarks: repeated trials of a batch of operations, reported
 * as the median, min and max nanoseconds per operation, next to a baseline measured in the
 * same run, as one line the runner (scripts/bench.sh) gathers into a table and JSON.
 */
#ifndef ACCEL_BENCH_H
#define ACCEL_BENCH_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libaccel.h>

#include "wire/acceld_ready.h"

#include "../tests/common/acceld_exec.h"
#include "../tests/common/scm_rights.h"

struct bench_result {
	double median, min, max; /* ns per operation */
};


/*
 * The node path (malloc'd) of the first device driver @driver binds, as @prog sees the
 * devices; exits with a message naming @prog when there is none.
 */
static inline char *bench_device_path(const char *prog, const char *driver)
{
	struct accel_device_info *v;
	char *path = NULL;
	size_t n, i;

	if (accel_devices_list(&v, &n, 0)) {
		fprintf(stderr, "%s: accel_devices_list: %s\n", prog, strerror(errno));
		exit(1);
	}
	for (i = 0; i < n && !path; i++)
		if (!strcmp(v[i].driver, driver))
			path = strdup(v[i].path);
	free(v);
	if (!path) {
		fprintf(stderr, "%s: no %s device\n", prog, driver);
		exit(1);
	}
	return path;
}

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The longest a trial should take (BENCH_TRIAL_MS, default 250 ms): on a slow or busy
 * machine bench_run() times fewer operations per trial, so that every program finishes in
 * bounded time; the figures stay per operation.
 */
static inline uint64_t bench_trial_budget_ns(void)
{
	const char *env = getenv("BENCH_TRIAL_MS");
	long ms = env ? strtol(env, NULL, 10) : 250;

	return (uint64_t)(ms > 0 ? ms : 250) * 1000000ull;
}

/* Run @fn(@arg, up to @iters) @trials times; per-operation figures. */
static inline struct bench_result bench_run(void (*fn)(void *arg, long iters), void *arg, long iters,
					    int trials)
{
	uint64_t budget = bench_trial_budget_ns(), one, per_op, t0;
	long warm = iters / 10 + 1;
	double t[64];
	struct bench_result r;
	int i;

	if (trials > 64)
		trials = 64;
	/* Warm up, and learn what one operation costs here. */
	t0 = bench_now_ns();
	fn(arg, 1);
	one = bench_now_ns() - t0 + 1;
	if ((uint64_t)warm * one > budget)
		warm = (long)(budget / one) + 1;
	t0 = bench_now_ns();
	fn(arg, warm);
	per_op = (bench_now_ns() - t0) / (uint64_t)warm + 1;
	if ((uint64_t)iters * per_op > budget)
		iters = (long)(budget / per_op) + 1;
	for (i = 0; i < trials; i++) {
		t0 = bench_now_ns();
		fn(arg, iters);
		t[i] = (double)(bench_now_ns() - t0) / (double)iters;
	}
	qsort(t, trials, sizeof(t[0]), bench_cmp);
	r.median = t[trials / 2];
	r.min = t[0];
	r.max = t[trials - 1];
	return r;
}

/*
 * One figure: "BENCH name|unit|median|min|max|baseline name|baseline median|ratio|goal".
 * @goal is a text such as "<= 0.5" (the ratio it should meet) or "" for none.
 */
static inline void bench_report(const char *name, const char *unit, struct bench_result r,
				const char *base_name, struct bench_result base, const char *goal)
{
	printf("BENCH %s|%s|%.1f|%.1f|%.1f|%s|%.1f|%.3f|%s\n", name, unit, r.median, r.min, r.max,
	       base_name, base.median, base.median > 0 ? r.median / base.median : 0.0, goal);
	fflush(stdout);
}

/*
 * Children and temporary roots: a bench leaves nothing behind, whichever way it ends.
 * Every child is started with bench_fork(), which records it; at exit (atexit) each one is
 * stopped (SIGTERM, then SIGKILL after 2 s) and reaped and each temporary root removed; a
 * fatal signal (abort() included) SIGKILLs them before the bench dies of it; and each child
 * asks the kernel for SIGKILL when the bench dies (PR_SET_PDEATHSIG), which covers SIGKILL
 * of the bench itself. The tables are this process's only: a child starts with empty ones.
 */
#define BENCH_MAX_CHILDREN 64
#define BENCH_MAX_ROOTS 8

static pid_t bench_children[BENCH_MAX_CHILDREN];
static char bench_roots[BENCH_MAX_ROOTS][32];
static bool bench_cleanup_armed;

static inline void bench_child_forget(pid_t pid)
{
	for (int i = 0; i < BENCH_MAX_CHILDREN; i++)
		if (bench_children[i] == pid)
			bench_children[i] = 0;
}

/* Wait up to @ms for @pid; true when it was reaped (*@status, when not NULL, its status). */
static inline bool bench_reap(pid_t pid, int ms, int *status)
{
	int st;

	for (int i = 0; i <= ms; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD)) {
			if (status)
				*status = r == pid ? st : -1;
			return true;
		}
		usleep(1000);
	}
	return false;
}

/* Stop @pid (SIGTERM, SIGKILL after 2 s), reap it and forget it: its wait status. */
static inline int bench_child_stop(pid_t pid)
{
	int status = -1;

	kill(pid, SIGTERM);
	if (!bench_reap(pid, 2000, &status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	bench_child_forget(pid);
	return status;
}

/* Wait for @pid to finish by itself and forget it: its wait status. */
static inline int bench_child_wait(pid_t pid)
{
	int status = -1;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	bench_child_forget(pid);
	return status;
}

static inline void bench_cleanup(void)
{
	for (int i = 0; i < BENCH_MAX_CHILDREN; i++)
		if (bench_children[i] > 0)
			bench_child_stop(bench_children[i]);
	for (int i = 0; i < BENCH_MAX_ROOTS; i++) {
		if (bench_roots[i][0]) {
			char cmd[64];

			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bench_roots[i]);
			if (system(cmd))
				fprintf(stderr, "bench: cannot remove %s\n", bench_roots[i]);
			bench_roots[i][0] = 0;
		}
	}
}

/*
 * A fatal signal (a time limit's SIGTERM, abort()): only async-signal-safe calls, then die
 * of the signal as we would have.
 */
static inline void bench_fatal_signal(int sig)
{
	for (int i = 0; i < BENCH_MAX_CHILDREN; i++) {
		if (bench_children[i] > 0) {
			kill(bench_children[i], SIGKILL);
			waitpid(bench_children[i], NULL, 0);
		}
	}
	for (int i = 0; i < BENCH_MAX_ROOTS; i++) {
		pid_t rm;

		if (!bench_roots[i][0])
			continue;
		rm = fork();
		if (rm == 0) {
			execl("/bin/rm", "rm", "-rf", bench_roots[i], (char *)NULL);
			_exit(127);
		}
		if (rm > 0)
			waitpid(rm, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static inline void bench_cleanup_arm(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGALRM };

	if (bench_cleanup_armed)
		return;
	bench_cleanup_armed = true;
	atexit(bench_cleanup);
	for (unsigned int i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], bench_fatal_signal);
}

/* fork() for a bench: the child is recorded here and dies with this process. */
static inline pid_t bench_fork(void)
{
	pid_t parent = getpid(), pid;

	bench_cleanup_arm();
	fflush(NULL); /* nothing buffered is printed twice */
	pid = fork();
	if (pid < 0) {
		perror("bench: fork");
		exit(1);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1); /* the parent died before the request took */
		memset(bench_children, 0, sizeof(bench_children));
		memset(bench_roots, 0, sizeof(bench_roots));
		return 0;
	}
	for (int i = 0; i < BENCH_MAX_CHILDREN; i++) {
		if (!bench_children[i]) {
			bench_children[i] = pid;
			return pid;
		}
	}
	fprintf(stderr, "bench: more than %d children\n", BENCH_MAX_CHILDREN);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	exit(1);
}

/* A fresh directory under /tmp (@buf, 32 bytes), removed when the bench exits. */
static inline char *bench_tmproot(char *buf)
{
	bench_cleanup_arm();
	snprintf(buf, 32, "/tmp/accel-bench-XXXXXX");
	if (!mkdtemp(buf)) {
		perror("bench: mkdtemp");
		exit(1);
	}
	for (int i = 0; i < BENCH_MAX_ROOTS; i++) {
		if (!bench_roots[i][0]) {
			snprintf(bench_roots[i], sizeof(bench_roots[i]), "%s", buf);
			break;
		}
	}
	return buf;
}

/*
 * Run @phase(root) in a child of its own, on a fresh root removed however the child ends:
 * 0 when it exited with 0. A process keeps the backend it started with: a phase on the
 * embedded core in a child leaves this process free to meet acceld afterwards.
 */
static inline int bench_child_phase(int (*phase)(const char *root))
{
	char root[32];
	pid_t pid;
	int status;

	bench_tmproot(root); /* made here: removed however the child ends */
	pid = bench_fork();
	if (pid == 0)
		exit(phase(root));
	status = bench_child_wait(pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/*
 * The SOCK_SEQPACKET floor: a child that echoes 64-byte messages on a socketpair. Returns
 * the child's pid; *@fd is our end (close it to end the child).
 */
static inline pid_t bench_seqpacket_echo_start(int *fd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		abort();
	pid = bench_fork();
	if (pid == 0) {
		char buf[64];
		ssize_t n;

		close(sv[0]);
		while ((n = recv(sv[1], buf, sizeof(buf), 0)) > 0)
			if (send(sv[1], buf, n, 0) != n)
				break;
		_exit(0);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

/* @iters 64-byte request-reply round trips with the echo child on @fd. */
static inline void bench_seqpacket_round_trips(int fd, long iters)
{
	char buf[64] = { 0 };

	for (long i = 0; i < iters; i++)
		if (send(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
		    recv(fd, buf, sizeof(buf), 0) != sizeof(buf))
			abort();
}

/*
 * Start acceld serving @root in the foreground (a child); returns once it says it serves
 * ("READY=1" on --ready-fd). A daemon that fails or is not ready within 30 s ends the bench
 * (exit status 1), which stops it.
 */
static inline pid_t bench_acceld_start(const char *acceld, const char *root)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		perror("bench: pipe");
		exit(1);
	}
	pid = bench_fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* Never hold the pipe the runner reads the figures from. */
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		close(p[0]);
		acceld_exec(acceld, root, NULL, p[1]);
	}
	close(p[1]);
	if (acceld_ready_wait(p[0], 30000))
		return pid;
	fprintf(stderr, "bench: acceld did not start serving %s\n", root);
	exit(1);
}

/*
 * acceld (@acceld) serving a fresh root (@root, 32 bytes) that becomes this process's
 * ACCEL_ROOT: the daemon phase of a bench. Its pid, as bench_acceld_start().
 */
static inline pid_t bench_acceld_start_fresh(const char *acceld, char *root)
{
	setenv("ACCEL_ROOT", bench_tmproot(root), 1);
	return bench_acceld_start(acceld, root);
}

/* Stop a daemon bench_acceld_start() started: 0 when it stopped cleanly. */
static inline int bench_acceld_stop(pid_t pid)
{
	int status = bench_child_stop(pid);

	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* Pass @n descriptors over a Unix socket (one byte of data). */
static inline void bench_send_fds(int sock, const int *fds, int n)
{
	if (scm_send(sock, "f", 1, fds, (unsigned int)n, 0) != 1)
		abort();
}

/* Receive @n descriptors; false at the end of the stream. */
static inline bool bench_recv_fds(int sock, int *fds, int n)
{
	unsigned int got = (unsigned int)n;
	char c;

	return scm_recv(sock, &c, 1, fds, &got, 0) == 1 && got == (unsigned int)n;
}

#endif
