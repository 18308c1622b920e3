/* SPDX-License-Identifier: MIT */
/*
 * Clients in forked children, each with a libaccel of its own: the test process itself
 * never calls libaccel, so every child starts as a fresh process would (no backend chosen,
 * no core running). A child's checks report the line of the first that failed.
 */
#ifndef TEST_FORKED_CLIENT_H
#define TEST_FORKED_CLIENT_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "../common/acceld_exec.h"

/* In a child: the line of a failed check becomes its result. */
#define CHILD_CHECK(cond)                                                                         \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			fprintf(stderr, "child %d: check failed at line %d: %s (errno %d)\n",    \
				(int)getpid(), __LINE__, #cond, errno);                           \
			return __LINE__;                                                          \
		}                                                                                 \
	} while (0)

/*
 * struct forked_client - a child running @fn: it reports fn's result (0: every check
 * passed) on @result; a byte on @go lets a waiting child go on.
 */
struct forked_client {
	pid_t pid;
	int result;	/* read end: the child's int result */
	int go;		/* write end: a byte per forked_client_release() */
};

/* In a child: block until the test calls forked_client_release(). */
static int forked_client_go_fd = -1;
static inline void forked_client_wait_go(void)
{
	char c;

	while (read(forked_client_go_fd, &c, 1) < 0 && errno == EINTR)
		;
}

/* In a child: tell the test we reached a point (a byte on the result pipe's twin). */
static int forked_client_ready_fd = -1;
static inline void forked_client_ready(void)
{
	if (write(forked_client_ready_fd, "r", 1) != 1)
		_exit(99);
}

static inline struct forked_client forked_client_start(int (*fn)(void *arg), void *arg)
{
	struct forked_client c;
	int res[2], go[2];

	assert_int_equal(pipe2(res, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	c.pid = fork();
	assert_true(c.pid >= 0);
	if (c.pid == 0) {
		int r;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(60); /* whatever happens, never outlive the test */
		close(res[0]);
		close(go[1]);
		forked_client_go_fd = go[0];
		forked_client_ready_fd = res[1];
		r = fn(arg);
		if (write(res[1], &r, sizeof(r)) != sizeof(r))
			_exit(98);
		_exit(0);
	}
	close(res[1]);
	close(go[0]);
	c.result = res[0];
	c.go = go[1];
	return c;
}

/* Wait for the child's "ready" byte (false if it ended first). */
static inline bool forked_client_wait_ready(struct forked_client *c)
{
	struct pollfd p = { .fd = c->result, .events = POLLIN };
	char b;

	return poll(&p, 1, 30000) == 1 && read(c->result, &b, 1) == 1 && b == 'r';
}

/* Let a child waiting in forked_client_wait_go() go on (once per call). */
static inline void forked_client_release(struct forked_client *c)
{
	assert_int_equal(write(c->go, "g", 1), 1);
}

/* Let it go on, wait for its end: its result (0 when every check passed). */
static inline int forked_client_finish(struct forked_client *c)
{
	int r = -1, status;
	ssize_t n;

	close(c->go); /* a child that still waits goes on */
	n = read(c->result, &r, sizeof(r));
	close(c->result);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	if (n != sizeof(r))
		return -1000 - (WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	return r;
}

/*
 * acceld on @root run by hand, for the cases where it must refuse: its wait status when it
 * ended without saying READY (its stderr in @log), or 0 with *@pid set when it serves.
 */
static inline int acceld_try_start(const char *root, const char *log, pid_t *pid)
{
	char ready[16] = { 0 };
	struct pollfd pfd;
	int p[2], status;
	ssize_t n = -1;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		close(p[0]);
		acceld_exec(ACCELD_PATH, root, NULL, p[1]);
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (poll(&pfd, 1, 20000) == 1)
		n = read(p[0], ready, sizeof(ready) - 1);
	close(p[0]);
	if (n > 0 && !strcmp(ready, "READY=1\n"))
		return 0;
	assert_int_equal(waitpid(*pid, &status, 0), *pid);
	*pid = 0;
	return status ? status : -1;
}

/* The whole text of a small file (static buffer; "" when it cannot be read). */
static inline const char *slurp(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

#endif
