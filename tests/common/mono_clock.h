/* SPDX-License-Identifier: MIT */
/* The monotonic clock in nanoseconds, as the tests, campaigns and benches bound their waits. */
#ifndef TESTS_COMMON_MONO_CLOCK_H
#define TESTS_COMMON_MONO_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

#endif
