/* SPDX-License-Identifier: MIT */
/*
 * acceld --ready-fd FD: the daemon writes "READY=1\n" on FD and closes it once every node
 * serves; end of file without it means it failed. One reader for every program that starts
 * acceld as its child (tests, benches, reliability campaigns).
 */
#ifndef ACCEL_WIRE_ACCELD_READY_H
#define ACCEL_WIRE_ACCELD_READY_H

#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* What acceld writes on its --ready-fd once it serves. */
#define ACCELD_READY_MSG "READY=1\n"

/**
 * acceld_ready_wait() - wait up to @timeout_ms for acceld's readiness message on @fd (the
 * read end of the pipe whose write end acceld got as --ready-fd), then close @fd.
 * Returns true when acceld said it serves.
 */
static inline bool acceld_ready_wait(int fd, int timeout_ms)
{
	static const char ready[] = ACCELD_READY_MSG;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[16] = { 0 };
	ssize_t n = -1;

	if (poll(&pfd, 1, timeout_ms) == 1)
		n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n == (ssize_t)sizeof(ready) - 1 && !memcmp(buf, ready, sizeof(ready) - 1);
}

#endif
