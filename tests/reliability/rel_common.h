/* SPDX-License-Identifier: MIT */
/*
 * What the reliability campaigns (R2, R3, R5 of issue 11) share: randomness, the vnpu client
 * of ../common/vnpu_arena_client.h (over the public client API: libaccel.h and the uapi
 * headers), command streams (../common/vnpu_stream.h), acceld started as a child
 * (../common/acceld_exec.h), and the discipline that makes a campaign always finish and
 * leave no process behind:
 *
 * - every child is recorded (rel_child_add) and started with PR_SET_PDEATHSIG(SIGKILL), so a
 *   campaign that dies takes its children with it;
 * - a watchdog (alarm) and the fatal signals kill and reap every recorded child, then exit;
 * - every exit path (rel_exit, return from main through atexit) kills and reaps them too.
 *
 * Children here are forked without exec: the parent must not have touched libaccel before
 * it forks (a daemon client's library state is per process and made at its first open).
 */
#ifndef REL_COMMON_H
#define REL_COMMON_H

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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wire/acceld_ready.h"
#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/drm_ext.h>
#include <uapi/drm/vnpu_accel.h>

#include "../common/acceld_exec.h"
#include "../common/mono_clock.h"
#include "../common/vnpu_arena_client.h"
#include "../common/vnpu_stream.h"
#include "../common/xorshift64s.h"

#define REL_NSEC 1000000000ll

/* The campaign's randomness: xorshift64s() (../common/xorshift64s.h), seeded and printed. */

/* Uniform in [0, n). */
static inline uint64_t rel_below(uint64_t *s, uint64_t n)
{
	return n ? (xorshift64s(s) >> 11) % n : 0;
}

static inline uint64_t rel_seed(const char *arg)
{
	uint64_t s = arg ? strtoull(arg, NULL, 0) :
			   ((uint64_t)time(NULL) * 2654435761u) ^ ((uint64_t)getpid() << 20) ^
			   (uint64_t)mono_now_ns();

	return s ? s : 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Children: recorded, killed and reaped on every exit path */

#define REL_MAX_CHILDREN 4096

/* Written by the main thread only; read by the signal handler (hence volatile sig_atomic_t). */
static volatile sig_atomic_t rel_child_pid[REL_MAX_CHILDREN];
static volatile sig_atomic_t rel_children;
static const char *rel_name = "campaign";
static char rel_cleanup_dir[4096];	/* removed on exit when set */
static char rel_cleanup_conf[4200];	/* its acceld configuration file, next to it */

static inline void rel_child_add(pid_t pid)
{
	int i;

	for (i = 0; i < rel_children; i++) {
		if (!rel_child_pid[i]) {
			rel_child_pid[i] = pid;
			return;
		}
	}
	if (rel_children < REL_MAX_CHILDREN) {
		rel_child_pid[rel_children] = pid;
		rel_children = rel_children + 1;
	}
}

/* The child is reaped: forget it (so that its pid, reused later, is never killed). */
static inline void rel_child_forget(pid_t pid)
{
	int i;

	for (i = 0; i < rel_children; i++)
		if (rel_child_pid[i] == pid)
			rel_child_pid[i] = 0;
}

/* Kill and reap every recorded child (async-signal-safe). */
static inline void rel_kill_all(void)
{
	int i;

	for (i = 0; i < rel_children; i++)
		if (rel_child_pid[i] > 0)
			kill(rel_child_pid[i], SIGKILL);
	for (i = 0; i < rel_children; i++) {
		if (rel_child_pid[i] > 0) {
			waitpid(rel_child_pid[i], NULL, 0);
			rel_child_pid[i] = 0;
		}
	}
}

static inline void rel_rm_cleanup_dir(void)
{
	if (rel_cleanup_dir[0]) {
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.conf'", rel_cleanup_dir, rel_cleanup_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "%s: cannot remove %s\n", rel_name, rel_cleanup_dir);
		rel_cleanup_dir[0] = 0;
	}
}

static pid_t rel_main_pid;

static void rel_atexit(void)
{
	if (getpid() != rel_main_pid)
		return;
	rel_kill_all();
	rel_rm_cleanup_dir();
}

static void rel_fatal_signal(int sig)
{
	static const char msg[] = ": watchdog or signal: killing every child and giving up\n";

	if (getpid() == rel_main_pid) {
		/* a failed message changes nothing of what follows */
		(void)!write(2, rel_name, strlen(rel_name));
		(void)!write(2, msg, sizeof(msg) - 1);
		rel_kill_all();
		if (rel_cleanup_dir[0]) {
			/* fork, exec and waitpid are async-signal-safe; system() is not */
			pid_t rm = fork();

			if (rm == 0) {
				execl("/bin/rm", "rm", "-rf", rel_cleanup_dir, rel_cleanup_conf,
				      (char *)NULL);
				_exit(127);
			}
			if (rm > 0)
				waitpid(rm, NULL, 0);
		}
	}
	_exit(128 + sig);
}

/*
 * Install the exit discipline in the campaign's main process: a watchdog of @limit_s seconds,
 * the fatal signals, and an atexit hook; all kill and reap the recorded children.
 */
static inline void rel_init(const char *name, unsigned int limit_s)
{
	struct sigaction sa = { .sa_handler = rel_fatal_signal };

	rel_name = name;
	rel_main_pid = getpid();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atexit(rel_atexit);
	alarm(limit_s);
}

/*
 * fork() a recorded child that dies with the parent. In the child the watchdog is off (the
 * parent's covers it) and @child_limit_s (non-zero) is its own alarm with the default action.
 */
static inline pid_t rel_fork(unsigned int child_limit_s)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(126); /* the parent died before the line above */
		signal(SIGALRM, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		alarm(child_limit_s);
		return 0;
	}
	rel_child_add(pid);
	return pid;
}

/* Reap @pid within @timeout_ms (then SIGKILL it); its wait status. */
static inline int rel_reap(pid_t pid, int timeout_ms)
{
	int64_t end = mono_now_ns() + (int64_t)timeout_ms * 1000000;
	int status = 0;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && mono_now_ns() < end)
		usleep(1000);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	rel_child_forget(pid);
	return status;
}

/* ---------------------------------------------------------------------------------------- */
/* acceld as a child: serving once it wrote READY=1 on the readiness pipe */

/* A private root ($TMPDIR/accel-rel-<tag>-XXXXXX), removed on exit. */
static inline const char *rel_private_root(const char *tag)
{
	snprintf(rel_cleanup_dir, sizeof(rel_cleanup_dir), "%s/accel-rel-%s-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", tag);
	if (!mkdtemp(rel_cleanup_dir)) {
		perror("mkdtemp");
		exit(1);
	}
	chmod(rel_cleanup_dir, 0755);
	snprintf(rel_cleanup_conf, sizeof(rel_cleanup_conf), "%s.conf", rel_cleanup_dir);
	return rel_cleanup_dir;
}

/*
 * Start acceld (@path) serving @root with configuration text @config; its pid, or -1.
 * @env_refresh_ms: the daemon's attribute refresh period (how stale published counts are).
 */
static inline pid_t rel_acceld_start(const char *path, const char *root, const char *config,
				     int refresh_ms)
{
	char cfgpath[4200], refresh[16];
	pid_t pid;
	int p[2];

	if (acceld_config_write(root, config, cfgpath, sizeof(cfgpath)))
		return -1;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = rel_fork(0);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		snprintf(refresh, sizeof(refresh), "%d", refresh_ms);
		setenv("ACCEL_REFRESH_MS", refresh, 1);
		acceld_exec(path, root, cfgpath, p[1]);
	}
	close(p[1]);
	if (acceld_ready_wait(p[0], 30000))
		return pid;
	fprintf(stderr, "%s: acceld did not start serving %s\n", rel_name, root);
	kill(pid, SIGKILL);
	rel_reap(pid, 5000);
	return -1;
}

/* SIGTERM acceld and reap it (SIGKILL after 20 s); its exit status, 128+signal if killed. */
static inline int rel_acceld_stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	status = rel_reap(pid, 20000);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* ---------------------------------------------------------------------------------------- */
/* Files of the published tree and of /proc */

/* The first unsigned number after @key in file @path (key NULL: at its start); -1 if none. */
static inline long long rel_file_num(const char *path, const char *key)
{
	char buf[8192], *p;
	long long v = -1;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = key ? strstr(buf, key) : buf;
	if (p) {
		p += key ? strlen(key) : 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p >= '0' && *p <= '9')
			v = strtoll(p, NULL, 10);
	}
	return v;
}

/* ---------------------------------------------------------------------------------------- */
/* Command streams */

/* A stream that does not fit is a campaign's own bug: streams here are small and fixed. */
static inline void rel_emitted(int err)
{
	if (err)
		abort();
}

#define rel_emit_fence_write(s, ...) rel_emitted(vnpu_stream_fence_write((s), __VA_ARGS__))
#define rel_emit_sem_wait(s, ...) rel_emitted(vnpu_stream_sem_wait((s), __VA_ARGS__))
#define rel_emit_copy(s, ...) rel_emitted(vnpu_stream_dma_copy((s), __VA_ARGS__))
#define rel_emit_fill(s, ...) rel_emitted(vnpu_stream_dma_fill((s), __VA_ARGS__))

/* C (m x n, f32) = A (m x k) x B (k x n), tight. */
static inline void rel_emit_matmul(struct vnpu_stream *s, uint32_t m, uint32_t n, uint32_t k,
				   uint64_t a, uint64_t b, uint64_t c)
{
	struct vnpu_pkt_matmul p = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32, .batch = 1,
				     .m = m, .n = n, .k = k, .act = VNPU_ACT_NONE,
				     .a_va = a, .b_va = b, .c_va = c };

	rel_emitted(vnpu_stream_emit(s, VNPU_OP_MATMUL, 0, &p, sizeof(p)));
}

/* ---------------------------------------------------------------------------------------- */
/* Statistics */

static inline int rel_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The @q quantile (0..1) of sorted @v[@n] (nearest rank). */
static inline uint64_t rel_quantile(const uint64_t *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(q * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

/* Jain's fairness index of @x[@n]: (sum x)^2 / (n sum x^2); 1 is perfectly fair. */
static inline double rel_jain(const double *x, size_t n)
{
	double s = 0, s2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		s += x[i];
		s2 += x[i] * x[i];
	}
	return n && s2 > 0 ? s * s / ((double)n * s2) : 1.0;
}

#endif
