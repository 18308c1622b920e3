// SPDX-License-Identifier: MIT
/*
 * The memory planner (compiler/mem_plan.h): small hand-made cases, one behaviour each, then a
 * property test over many random instances (fixed seed): no two buffers live at one position
 * share a byte, offsets are aligned, the peak is at least the liveness lower bound and, in
 * aggregate, within 1.2x of it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/mem_plan.h"

static struct mem_plan_buf buf(uint64_t size, uint64_t align, size_t first, size_t last)
{
	return (struct mem_plan_buf){ .size = size, .align = align, .first_use = first,
				      .last_use = last, .offset = UINT64_MAX };
}

static int bytes_overlap(const struct mem_plan_buf *a, const struct mem_plan_buf *b)
{
	return a->size && b->size && a->offset < b->offset + b->size &&
	       b->offset < a->offset + a->size;
}

static int live_together(const struct mem_plan_buf *a, const struct mem_plan_buf *b)
{
	return a->first_use <= b->last_use && b->first_use <= a->last_use;
}

/* Every pair live at one position occupies disjoint bytes; offsets aligned; peak right. */
static void assert_valid(const struct mem_plan_buf *b, size_t n, const struct mem_plan_result *r)
{
	uint64_t peak = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t align = b[i].align ? b[i].align : 1;

		assert_int_equal(b[i].offset % align, 0);
		if (b[i].size && b[i].offset + b[i].size > peak)
			peak = b[i].offset + b[i].size;
		for (size_t j = i + 1; j < n; j++)
			if (live_together(&b[i], &b[j]) && bytes_overlap(&b[i], &b[j]))
				fail_msg("buffers %zu and %zu live together and overlap", i, j);
	}
	assert_int_equal(r->peak, peak);
	assert_true(r->peak >= r->lower_bound);
}

static void test_empty_plan_has_zero_peak(void **state)
{
	struct mem_plan_result r = { 1, 1 };

	(void)state;
	assert_int_equal(mem_plan(NULL, 0, &r), 0);
	assert_int_equal(r.peak, 0);
	assert_int_equal(r.lower_bound, 0);
}

static void test_disjoint_lifetimes_share_bytes(void **state)
{
	struct mem_plan_buf b[3] = { buf(100, 1, 0, 1), buf(100, 1, 2, 3), buf(100, 1, 4, 9) };
	struct mem_plan_result r;

	(void)state;
	assert_int_equal(mem_plan(b, 3, &r), 0);
	assert_int_equal(r.peak, 100);
	assert_int_equal(b[0].offset, 0);
	assert_int_equal(b[1].offset, 0);
	assert_int_equal(b[2].offset, 0);
}

/* A last use at position i and a first use at i overlap: a packet reads one, writes the other. */
static void test_touching_lifetimes_do_not_share(void **state)
{
	struct mem_plan_buf b[2] = { buf(64, 1, 0, 3), buf(64, 1, 3, 5) };
	struct mem_plan_result r;

	(void)state;
	assert_int_equal(mem_plan(b, 2, &r), 0);
	assert_valid(b, 2, &r);
	assert_int_equal(r.peak, 128);
	assert_int_equal(r.lower_bound, 128);
}

static void test_offsets_honour_alignment(void **state)
{
	struct mem_plan_buf b[3] = { buf(3, 1, 0, 5), buf(10, 256, 0, 5), buf(7, 64, 0, 5) };
	struct mem_plan_result r;

	(void)state;
	assert_int_equal(mem_plan(b, 3, &r), 0);
	assert_valid(b, 3, &r);
	assert_int_equal(b[1].offset % 256, 0);
	assert_int_equal(b[2].offset % 64, 0);
}

/* A small buffer goes into the smallest hole that holds it, not the first or the end. */
static void test_best_fit_picks_smallest_hole(void **state)
{
	/*
	 * Placed largest first: A [0,400), H1 [400,600), B [600,750), H2 [750,870), C [870,970).
	 * H1 and H2 die after position 0, leaving holes of 200 and 120 bytes at position 1,
	 * where F (90 bytes) is live: the 120-byte hole is the best fit.
	 */
	struct mem_plan_buf b[6] = {
		buf(400, 1, 0, 1), buf(200, 1, 0, 0), buf(150, 1, 0, 1),
		buf(120, 1, 0, 0), buf(100, 1, 0, 1), buf(90, 1, 1, 1),
	};
	struct mem_plan_result r;

	(void)state;
	assert_int_equal(mem_plan(b, 6, &r), 0);
	assert_valid(b, 6, &r);
	assert_int_equal(b[3].offset, 750);
	assert_int_equal(b[5].offset, 750);
	assert_int_equal(r.peak, 970);
}

static void test_zero_size_takes_no_space(void **state)
{
	struct mem_plan_buf b[2] = { buf(0, 16, 0, 9), buf(32, 16, 0, 9) };
	struct mem_plan_result r;

	(void)state;
	assert_int_equal(mem_plan(b, 2, &r), 0);
	assert_int_equal(r.peak, 32);
	assert_int_equal(b[0].offset, 0);
}

static void test_bad_alignment_or_interval_einval(void **state)
{
	struct mem_plan_buf a[1] = { buf(8, 3, 0, 1) }, b[1] = { buf(8, 4, 5, 4) };
	struct mem_plan_result r;

	(void)state;
	assert_int_equal(mem_plan(a, 1, &r), -EINVAL);
	assert_int_equal(a[0].offset, UINT64_MAX);
	assert_int_equal(mem_plan(b, 1, &r), -EINVAL);
}

static void test_arena_past_64_bits_eoverflow(void **state)
{
	struct mem_plan_buf b[2] = { buf(UINT64_MAX - 8, 1, 0, 1), buf(16, 1, 0, 1) };
	struct mem_plan_result r;

	(void)state;
	assert_int_equal(mem_plan(b, 2, &r), -EOVERFLOW);
}

static void test_lower_bound_is_max_live_sum(void **state)
{
	struct mem_plan_buf b[4] = { buf(10, 1, 0, 2), buf(20, 1, 1, 3), buf(40, 1, 3, 4),
				     buf(5, 1, 4, 4) };

	(void)state;
	/* position 3: 20 + 40; position 4: 40 + 5; position 1-2: 30 */
	assert_int_equal(mem_plan_lower_bound(b, 4), 60);
}

/* ---- the property test ---- */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * One random instance: @n buffers over a schedule of @len positions. Half the instances are
 * shaped like a code generator's slots (each position makes an output that lives a few
 * positions); the others have free intervals. Sizes spread over four decades, alignment
 * 1 to 256, each size a multiple of its alignment.
 */
static void random_instance(uint64_t *s, struct mem_plan_buf *b, size_t n, size_t len, bool chain)
{
	static const uint64_t aligns[] = { 1, 4, 16, 64, 256 };

	for (size_t i = 0; i < n; i++) {
		uint64_t mag = 1ull << (rng_next(s) % 14);
		size_t first, life;

		b[i].align = aligns[rng_next(s) % 5];
		/* a multiple of the alignment (as tensors are): the lower bound stays reachable */
		b[i].size = (mag + rng_next(s) % (mag * 4) + b[i].align - 1) & ~(b[i].align - 1);
		if (chain) {
			first = i * len / n;
			life = rng_next(s) % 4 == 0 ? rng_next(s) % (len / 2 + 1) : rng_next(s) % 4;
		} else {
			first = rng_next(s) % len;
			life = rng_next(s) % (len / 3 + 1);
		}
		b[i].first_use = first;
		b[i].last_use = first + life < len ? first + life : len - 1;
	}
}

static void test_random_plans_never_overlap_and_stay_near_lower_bound(void **state)
{
	enum { INSTANCES = 600, MAX_BUFS = 160 };
	struct mem_plan_buf *b = calloc(MAX_BUFS, sizeof(*b));
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	double worst = 1.0, sum_peak = 0, sum_lb = 0;

	(void)state;
	assert_non_null(b);
	for (int k = 0; k < INSTANCES; k++) {
		size_t n = 2 + rng_next(&seed) % (MAX_BUFS - 1);
		size_t len = 1 + rng_next(&seed) % 200;
		struct mem_plan_result r;
		double ratio;

		random_instance(&seed, b, n, len, k % 2);
		assert_int_equal(mem_plan(b, n, &r), 0);
		assert_valid(b, n, &r);
		assert_int_equal(r.lower_bound, mem_plan_lower_bound(b, n));
		ratio = (double)r.peak / (double)r.lower_bound;
		if (ratio > worst)
			worst = ratio;
		sum_peak += (double)r.peak;
		sum_lb += (double)r.lower_bound;
	}
	print_message("mem_plan: %d random instances: aggregate peak/lower bound %.4f, worst %.4f\n",
		      INSTANCES, sum_peak / sum_lb, worst);
	assert_true(sum_peak <= 1.2 * sum_lb);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_plan_has_zero_peak),
		cmocka_unit_test(test_disjoint_lifetimes_share_bytes),
		cmocka_unit_test(test_touching_lifetimes_do_not_share),
		cmocka_unit_test(test_offsets_honour_alignment),
		cmocka_unit_test(test_best_fit_picks_smallest_hole),
		cmocka_unit_test(test_zero_size_takes_no_space),
		cmocka_unit_test(test_bad_alignment_or_interval_einval),
		cmocka_unit_test(test_arena_past_64_bits_eoverflow),
		cmocka_unit_test(test_lower_bound_is_max_live_sum),
		cmocka_unit_test(test_random_plans_never_overlap_and_stay_near_lower_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
