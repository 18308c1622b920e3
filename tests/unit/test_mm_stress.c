// SPDX-License-Identifier: MIT
/* drm_mm range allocator under load: random operations against a page bitmap; 100k nodes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/drm_mm.h>
#include "helpers.h"

#define PG 4096ULL
#define NPAGES 1024
#define BASE (0x40000000ULL)
#define SLOTS 256
#define OPS 5000

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64: fixed seed, same sequence on every run */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned char used[NPAGES];

static bool pages_free(uint64_t p, uint64_t n)
{
	for (uint64_t i = p; i < p + n; i++)
		if (used[i])
			return false;
	return true;
}

/* Every feasible page-granular start for the request, from the reference model. */
static bool feasible(uint64_t p, uint64_t npg, uint64_t align_pg, uint64_t lo_pg, uint64_t hi_pg)
{
	if (p < lo_pg || p + npg > hi_pg || p + npg > NPAGES)
		return false;
	if (align_pg > 1 && ((BASE / PG + p) % align_pg))
		return false;
	return pages_free(p, npg);
}

/* Length of the free run of pages that contains page @p. */
static uint64_t run_len(uint64_t p)
{
	uint64_t a = p, b = p;

	while (a > 0 && !used[a - 1])
		a--;
	while (b < NPAGES && !used[b])
		b++;
	return b - a;
}

static void check_against_model(const struct drm_mm *mm)
{
	const struct drm_mm_node *n;
	struct drm_mm_node *h;
	uint64_t pages = 0, last = BASE, hs, he, holes = 0;

	for (int i = 0; i < NPAGES; i++)
		pages += used[i];
	assert_int_equal(drm_mm_used_bytes(mm), pages * PG);
	assert_int_equal(drm_mm_free_bytes(mm), (NPAGES - pages) * PG);
	drm_mm_for_each_node(n, mm) {
		assert_true(n->start >= last);
		last = n->start + n->size;
		for (uint64_t p = (n->start - BASE) / PG; p < (last - BASE) / PG; p++)
			assert_true(used[p]);
	}
	assert_true(last <= BASE + NPAGES * PG);
	drm_mm_for_each_hole(h, mm, hs, he) {
		assert_true(he > hs);
		assert_true(pages_free((hs - BASE) / PG, (he - hs) / PG));
		holes += he - hs;
	}
	assert_int_equal(holes, (NPAGES - pages) * PG);
}

static void test_random_ops_match_page_bitmap(void **state)
{
	static const uint64_t aligns[] = { 0, 1, 2, 4, 8, 3, 5 };
	struct drm_mm mm = { 0 };
	struct drm_mm_node *nodes = calloc(SLOTS, sizeof(*nodes));
	const uint64_t seed = 0x5eed0123456789abULL;
	unsigned int inserted = 0, nospc = 0, reserved = 0;

	(void)state;
	assert_non_null(nodes);
	rng_state = seed;
	printf("drm_mm stress: seed %#llx, %d operations\n", (unsigned long long)seed, OPS);
	memset(used, 0, sizeof(used));
	drm_mm_init(&mm, BASE, NPAGES * PG);

	for (int op = 0; op < OPS; op++) {
		struct drm_mm_node *n = &nodes[rnd() % SLOTS];

		if (drm_mm_node_allocated(n)) {
			memset(used + (n->start - BASE) / PG, 0, n->size / PG);
			drm_mm_remove_node(n);
		} else if (rnd() % 8 == 0) {
			uint64_t p = rnd() % NPAGES, npg = 1 + rnd() % 8;
			bool ok = p + npg <= NPAGES && pages_free(p, npg);

			memset(n, 0, sizeof(*n));
			n->start = BASE + p * PG;
			n->size = npg * PG;
			assert_int_equal(drm_mm_reserve_node(&mm, n), ok ? 0 : -ENOSPC);
			if (ok) {
				memset(used + p, 1, npg);
				reserved++;
			}
		} else {
			enum drm_mm_insert_mode mode = rnd() % 4;
			uint64_t npg = 1 + (rnd() % 4 == 0 ? rnd() % 64 : rnd() % 8);
			uint64_t align_pg = aligns[rnd() % ARRAY_SIZE(aligns)];
			uint64_t lo_pg = 0, hi_pg = NPAGES + 16; /* past the end: clipped */
			uint64_t first = UINT64_MAX, last = 0, best_run = UINT64_MAX;
			int ret;

			if (rnd() % 3 == 0) {
				lo_pg = rnd() % NPAGES;
				hi_pg = lo_pg + 1 + rnd() % (NPAGES - lo_pg);
			}
			for (uint64_t p = 0; p < NPAGES; p++) {
				if (!feasible(p, npg, align_pg, lo_pg, hi_pg))
					continue;
				if (first == UINT64_MAX)
					first = p;
				last = p;
				if (run_len(p) < best_run)
					best_run = run_len(p);
			}
			ret = drm_mm_insert_node_in_range(&mm, n, npg * PG, align_pg * PG, 0,
							  BASE + lo_pg * PG, BASE + hi_pg * PG,
							  mode);
			if (first == UINT64_MAX) {
				/* the reference finds no room: neither may the allocator */
				assert_int_equal(ret, -ENOSPC);
				nospc++;
			} else {
				uint64_t p;

				/* every mode searches exhaustively: room means success */
				assert_int_equal(ret, 0);
				p = (n->start - BASE) / PG;
				assert_int_equal(n->start % PG, 0);
				assert_int_equal(n->size, npg * PG);
				assert_true(feasible(p, npg, align_pg, lo_pg, hi_pg));
				if (mode == DRM_MM_INSERT_LOW)
					assert_int_equal(p, first);
				if (mode == DRM_MM_INSERT_HIGH)
					assert_int_equal(p, last);
				if (mode == DRM_MM_INSERT_BEST)
					assert_int_equal(run_len(p), best_run);
				memset(used + p, 1, npg);
				inserted++;
			}
		}
		check_against_model(&mm);
	}
	printf("drm_mm stress: %u inserted, %u reserved, %u ENOSPC\n", inserted, reserved, nospc);
	assert_true(inserted > OPS / 4 && nospc > 0);

	for (int i = 0; i < SLOTS; i++)
		if (drm_mm_node_allocated(&nodes[i]))
			drm_mm_remove_node(&nodes[i]);
	assert_int_equal(drm_mm_used_bytes(&mm), 0);
	assert_int_equal(drm_mm_node_count(&mm), 0);
	drm_mm_takedown(&mm);
	assert_false(drm_mm_initialized(&mm));
	free(nodes);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void shuffle(unsigned int *order, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		order[i] = i;
	for (unsigned int i = count - 1; i > 0; i--) {
		unsigned int j = rnd() % (i + 1), tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
}

static void test_100k_nodes_insert_and_remove_in_any_order(void **state)
{
	const unsigned int count = 100000;
	struct drm_mm_node *nodes = calloc(count, sizeof(*nodes));
	unsigned int *order = malloc(count * sizeof(*order));
	struct drm_mm mm = { 0 };
	double t0, t;

	(void)state;
	assert_non_null(nodes);
	assert_non_null(order);
	rng_state = 42;
	shuffle(order, count);
	drm_mm_init(&mm, 0, 4ULL << 30); /* a 4 GiB VRAM */

	/* timed: 100k inserts in every mode, then 100k removals in random order */
	t0 = now_s();
	for (unsigned int i = 0; i < count; i++)
		if (drm_mm_insert_node_generic(&mm, &nodes[i], (1 + i % 8) * PG, PG, 0, i % 3))
			fail_msg("insert %u failed", i);
	for (unsigned int i = 0; i < count; i++)
		drm_mm_remove_node(&nodes[order[i]]);
	t = now_s() - t0;
	printf("drm_mm: 100k nodes inserted and removed in %.3f s\n", t);
	assert_int_equal(drm_mm_used_bytes(&mm), 0);
	assert_int_equal(drm_mm_node_count(&mm), 0);
	drm_mm_takedown(&mm);
	free(order);
	free(nodes);
}

static void test_100k_nodes_fragmented_refill(void **state)
{
	const unsigned int count = 100000;
	struct drm_mm_node *nodes = calloc(count, sizeof(*nodes));
	struct drm_mm mm = { 0 };
	double t0, t;

	(void)state;
	assert_non_null(nodes);
	drm_mm_init(&mm, 0, 4ULL << 30);
	for (unsigned int i = 0; i < count; i++)
		if (drm_mm_insert_node_generic(&mm, &nodes[i], (1 + i % 8) * PG, PG, 0, i % 3))
			fail_msg("insert %u failed", i);
	/* free every other node: 50k small holes, then refill them in every mode */
	for (unsigned int i = 0; i < count; i += 2)
		drm_mm_remove_node(&nodes[i]);
	t0 = now_s();
	for (unsigned int i = 0; i < count; i += 2)
		if (drm_mm_insert_node_generic(&mm, &nodes[i], PG, PG, 0, i % 3))
			fail_msg("refill %u failed", i);
	/* requests larger than every small hole must skip them, not walk them */
	for (unsigned int i = 0; i < 3000; i++) {
		struct drm_mm_node n = { 0 };

		if (drm_mm_insert_node_generic(&mm, &n, 1ULL << 20, PG, 0, i % 3))
			fail_msg("big insert %u failed", i);
		drm_mm_remove_node(&n);
	}
	t = now_s() - t0;
	printf("drm_mm: 50k holes refilled, 3k large requests past them in %.3f s\n", t);
	for (unsigned int i = 0; i < count; i++)
		drm_mm_remove_node(&nodes[i]);
	drm_mm_takedown(&mm);
	assert_false(drm_mm_initialized(&mm));
	free(nodes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_ops_match_page_bitmap),
		cmocka_unit_test(test_100k_nodes_insert_and_remove_in_any_order),
		cmocka_unit_test(test_100k_nodes_fragmented_refill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
