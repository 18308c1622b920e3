/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/ktime.h - time as the core counts it: nanoseconds of CLOCK_MONOTONIC.
 */
#ifndef ACCEL_KTIME_H
#define ACCEL_KTIME_H

#include <stdint.h>
#include <time.h>

/** ktime_t - nanoseconds of CLOCK_MONOTONIC. */
typedef int64_t ktime_t;

/** MAX_SCHEDULE_TIMEOUT - a deadline that never comes. */
#define MAX_SCHEDULE_TIMEOUT INT64_MAX

/** ktime_get() - the current CLOCK_MONOTONIC time in nanoseconds. */
static inline ktime_t ktime_get(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ktime_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
