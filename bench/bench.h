/* SPDX-License-Identifier: MIT */
/*
 * bench.h - timing for the benchmarks: repeated trials of a batch of operations, reported
 * as the median, min and max nanoseconds per operation, next to a baseline measured in the
 * same run, as one line the runner (scripts/bench.sh) gathers into a table and JSON.
 */
#ifndef ACCEL_BENCH_H
#define ACCEL_BENCH_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bench_result {
	double median, min, max; /* ns per operation */
};

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

/* Run @fn(@arg, @iters) @trials times; per-operation figures. */
static inline struct bench_result bench_run(void (*fn)(void *arg, long iters), void *arg, long iters,
					    int trials)
{
	double t[64];
	struct bench_result r;
	int i;

	if (trials > 64)
		trials = 64;
	fn(arg, iters / 10 + 1); /* warm up */
	for (i = 0; i < trials; i++) {
		uint64_t t0 = bench_now_ns();

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

#endif
