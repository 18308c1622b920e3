// SPDX-License-Identifier: MIT
/* drm_mm range allocator: placement modes, alignment, ranges, reservation, merging, teardown. */
#include <stdlib.h>
#include <string.h>

#include <accel/attr.h>
#include <accel/drm_mm.h>
#include "helpers.h"

#define PG 4096ULL

/* Walk nodes and holes: ordered, disjoint, inside the range, accounting consistent. */
static void check_mm(const struct drm_mm *mm, uint64_t start, uint64_t size)
{
	const struct drm_mm_node *n;
	struct drm_mm_node *h;
	uint64_t used = 0, count = 0, last_end = start, free = 0, hs, he;

	drm_mm_for_each_node(n, mm) {
		assert_true(drm_mm_node_allocated(n));
		assert_true(n->start >= last_end);
		assert_true(n->start + n->size <= start + size);
		last_end = n->start + n->size;
		used += n->size;
		count++;
	}
	drm_mm_for_each_hole(h, mm, hs, he) {
		assert_true(he > hs);
		free += he - hs;
	}
	assert_int_equal(used, drm_mm_used_bytes(mm));
	assert_int_equal(count, drm_mm_node_count(mm));
	assert_int_equal(free, drm_mm_free_bytes(mm));
	assert_int_equal(used + free, drm_mm_total_bytes(mm));
}

static void remove_all(struct drm_mm_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (drm_mm_node_allocated(&nodes[i]))
			drm_mm_remove_node(&nodes[i]);
}

static void test_fill_range_exactly(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node nodes[16] = { 0 };

	(void)state;
	drm_mm_init(&mm, 0x100000, 16 * PG);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(drm_mm_insert_node(&mm, &nodes[i], PG), 0);
		assert_int_equal(nodes[i].start, 0x100000 + i * PG);
	}
	assert_int_equal(drm_mm_used_bytes(&mm), 16 * PG);
	assert_int_equal(drm_mm_free_bytes(&mm), 0);
	check_mm(&mm, 0x100000, 16 * PG);
	remove_all(nodes, 16);
	drm_mm_takedown(&mm);
}

static void test_enospc_when_full(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node a = { 0 }, b = { 0 };

	(void)state;
	drm_mm_init(&mm, 0, 8 * PG);
	assert_int_equal(drm_mm_insert_node(&mm, &a, 8 * PG), 0);
	assert_int_equal(drm_mm_insert_node(&mm, &b, 1), -ENOSPC);
	assert_false(drm_mm_node_allocated(&b));
	for (int mode = DRM_MM_INSERT_BEST; mode <= DRM_MM_INSERT_EVICT; mode++)
		assert_int_equal(drm_mm_insert_node_generic(&mm, &b, 1, 0, 0, mode), -ENOSPC);
	check_mm(&mm, 0, 8 * PG);
	drm_mm_remove_node(&a);
	drm_mm_takedown(&mm);
}

static void test_enospc_when_fragmented(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node nodes[8] = { 0 }, big = { 0 };

	(void)state;
	drm_mm_init(&mm, 0, 8 * PG);
	for (int i = 0; i < 8; i++)
		assert_int_equal(drm_mm_insert_node(&mm, &nodes[i], PG), 0);
	for (int i = 0; i < 8; i += 2)
		drm_mm_remove_node(&nodes[i]);
	/* four pages free in total, but no two adjacent */
	assert_int_equal(drm_mm_free_bytes(&mm), 4 * PG);
	for (int mode = DRM_MM_INSERT_BEST; mode <= DRM_MM_INSERT_EVICT; mode++)
		assert_int_equal(drm_mm_insert_node_generic(&mm, &big, 2 * PG, 0, 0, mode),
				 -ENOSPC);
	assert_int_equal(drm_mm_insert_node(&mm, &big, PG), 0);
	check_mm(&mm, 0, 8 * PG);
	drm_mm_remove_node(&big);
	remove_all(nodes, 8);
	drm_mm_takedown(&mm);
}

static void test_zero_size_is_einval(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node n = { 0 };

	(void)state;
	drm_mm_init(&mm, 0, PG);
	assert_int_equal(drm_mm_insert_node(&mm, &n, 0), -EINVAL);
	n.start = 0;
	n.size = 0;
	assert_int_equal(drm_mm_reserve_node(&mm, &n), -EINVAL);
	assert_int_equal(drm_mm_insert_node_in_range(&mm, &n, 1, 0, 0, PG, 0,
						     DRM_MM_INSERT_BEST), -EINVAL);
	assert_false(drm_mm_node_allocated(&n));
	drm_mm_takedown(&mm);
}

static void test_alignment_honoured(void **state)
{
	static const uint64_t aligns[] = { 2, 8, PG, 64 * PG, 3, 1000, 3 * PG };
	struct drm_mm mm = { 0 };
	struct drm_mm_node pad = { 0 }, n = { 0 };

	(void)state;
	drm_mm_init(&mm, 1, 1024 * PG);
	/* an odd-sized first node so that nothing starts aligned by accident */
	assert_int_equal(drm_mm_insert_node(&mm, &pad, 7), 0);
	for (size_t i = 0; i < ARRAY_SIZE(aligns); i++) {
		for (int mode = DRM_MM_INSERT_BEST; mode <= DRM_MM_INSERT_EVICT; mode++) {
			assert_int_equal(drm_mm_insert_node_generic(&mm, &n, 5, aligns[i], 0,
								    mode), 0);
			assert_int_equal(n.start % aligns[i], 0);
			assert_true(n.start >= 8);
			check_mm(&mm, 1, 1024 * PG);
			drm_mm_remove_node(&n);
		}
	}
	/* an alignment larger than the whole range cannot be met */
	assert_int_equal(drm_mm_insert_node_generic(&mm, &n, 1, 1ULL << 63, 0,
						    DRM_MM_INSERT_LOW), -ENOSPC);
	drm_mm_remove_node(&pad);
	drm_mm_takedown(&mm);
}

static void test_range_restriction_honoured(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node n[3] = { 0 };

	(void)state;
	drm_mm_init(&mm, 0, 64 * PG);
	for (int mode = DRM_MM_INSERT_BEST; mode <= DRM_MM_INSERT_EVICT; mode++) {
		assert_int_equal(drm_mm_insert_node_in_range(&mm, &n[0], PG, 0, 0, 8 * PG,
							     10 * PG, mode), 0);
		assert_int_equal(drm_mm_insert_node_in_range(&mm, &n[1], PG, 0, 0, 8 * PG,
							     10 * PG, mode), 0);
		for (int i = 0; i < 2; i++)
			assert_true(n[i].start >= 8 * PG && n[i].start + PG <= 10 * PG);
		/* plenty of room outside, none inside */
		assert_int_equal(drm_mm_insert_node_in_range(&mm, &n[2], PG, 0, 0, 8 * PG,
							     10 * PG, mode), -ENOSPC);
		/* a range that straddles the edge of the manager is clipped to it */
		assert_int_equal(drm_mm_insert_node_in_range(&mm, &n[2], PG, 0, 0, 63 * PG,
							     UINT64_MAX, mode), 0);
		assert_int_equal(n[2].start, 63 * PG);
		check_mm(&mm, 0, 64 * PG);
		remove_all(n, 3);
	}
	drm_mm_takedown(&mm);
}

/*
 * Holes, low to high: [0,4) pages, [5,7), [8,16), [17,19), [20,64). The 2-page holes at 5
 * and 17 are the smallest that hold 2 pages; 0 is the lowest; 20 the highest.
 */
static void make_holes(struct drm_mm *mm, struct drm_mm_node *blk)
{
	static const uint64_t at[] = { 4, 7, 16, 19 };

	drm_mm_init(mm, 0, 64 * PG);
	for (int i = 0; i < 4; i++) {
		blk[i].start = at[i] * PG;
		blk[i].size = PG;
		assert_int_equal(drm_mm_reserve_node(mm, &blk[i]), 0);
	}
}

static void test_low_mode_picks_lowest_hole(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node blk[4] = { 0 }, n = { 0 };

	(void)state;
	make_holes(&mm, blk);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &n, 2 * PG, 0, 0, DRM_MM_INSERT_LOW), 0);
	assert_int_equal(n.start, 0);
	drm_mm_remove_node(&n);
	/* too big for the first hole: the next one that fits */
	assert_int_equal(drm_mm_insert_node_generic(&mm, &n, 5 * PG, 0, 0, DRM_MM_INSERT_LOW), 0);
	assert_int_equal(n.start, 8 * PG);
	drm_mm_remove_node(&n);
	remove_all(blk, 4);
	drm_mm_takedown(&mm);
}

static void test_high_mode_picks_highest_hole(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node blk[4] = { 0 }, n = { 0 };

	(void)state;
	make_holes(&mm, blk);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &n, 2 * PG, 0, 0, DRM_MM_INSERT_HIGH), 0);
	assert_int_equal(n.start, 62 * PG); /* at the top of the highest hole */
	drm_mm_remove_node(&n);
	/* restricted below the last hole: the highest hole inside the range */
	assert_int_equal(drm_mm_insert_node_in_range(&mm, &n, 2 * PG, 0, 0, 0, 20 * PG,
						     DRM_MM_INSERT_HIGH), 0);
	assert_int_equal(n.start, 17 * PG);
	drm_mm_remove_node(&n);
	remove_all(blk, 4);
	drm_mm_takedown(&mm);
}

static void test_best_mode_picks_smallest_fitting_hole(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node blk[4] = { 0 }, n = { 0 }, m = { 0 };

	(void)state;
	make_holes(&mm, blk);
	assert_int_equal(drm_mm_insert_node(&mm, &n, 2 * PG), 0);
	assert_true(n.start == 5 * PG || n.start == 17 * PG);
	assert_int_equal(drm_mm_insert_node(&mm, &m, 3 * PG), 0);
	assert_int_equal(m.start, 0); /* the 4-page hole beats the 8- and 44-page ones */
	drm_mm_remove_node(&n);
	drm_mm_remove_node(&m);
	remove_all(blk, 4);
	drm_mm_takedown(&mm);
}

static void test_evict_mode_picks_most_recent_hole(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node n[4] = { 0 }, x = { 0 };

	(void)state;
	drm_mm_init(&mm, 0, 4 * PG);
	for (int i = 0; i < 4; i++)
		assert_int_equal(drm_mm_insert_node(&mm, &n[i], PG), 0);
	drm_mm_remove_node(&n[0]);
	drm_mm_remove_node(&n[2]);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &x, PG, 0, 0, DRM_MM_INSERT_EVICT), 0);
	assert_int_equal(x.start, 2 * PG);
	drm_mm_remove_node(&x);
	remove_all(n, 4);
	drm_mm_takedown(&mm);
}

static void test_reserve_free_range(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node r = { .start = 3 * PG, .size = 2 * PG }, a = { 0 };

	(void)state;
	drm_mm_init(&mm, 0, 8 * PG);
	assert_int_equal(drm_mm_reserve_node(&mm, &r), 0);
	assert_true(drm_mm_node_allocated(&r));
	assert_int_equal(r.start, 3 * PG);
	/* the low-placed node avoids the reserved range */
	assert_int_equal(drm_mm_insert_node_generic(&mm, &a, 4 * PG, 0, 0, DRM_MM_INSERT_LOW),
			 -ENOSPC);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &a, 3 * PG, 0, 0, DRM_MM_INSERT_HIGH),
			 0);
	assert_int_equal(a.start, 5 * PG);
	check_mm(&mm, 0, 8 * PG);
	drm_mm_remove_node(&a);
	drm_mm_remove_node(&r);
	drm_mm_takedown(&mm);
}

static void test_reserve_taken_range(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node a = { .start = 2 * PG, .size = 2 * PG };
	struct drm_mm_node b = { 0 };

	(void)state;
	drm_mm_init(&mm, PG, 8 * PG);
	assert_int_equal(drm_mm_reserve_node(&mm, &a), 0);
	assert_int_equal(drm_mm_reserve_node(&mm, &a), -EBUSY);
	b.size = PG;
	b.start = 3 * PG; /* inside a */
	assert_int_equal(drm_mm_reserve_node(&mm, &b), -ENOSPC);
	b.start = PG;	  /* overlaps a's first page */
	b.size = 2 * PG;
	assert_int_equal(drm_mm_reserve_node(&mm, &b), -ENOSPC);
	b.start = 0;	  /* below the manager */
	b.size = PG;
	assert_int_equal(drm_mm_reserve_node(&mm, &b), -ENOSPC);
	b.start = 8 * PG; /* runs past its end */
	b.size = 2 * PG;
	assert_int_equal(drm_mm_reserve_node(&mm, &b), -ENOSPC);
	b.start = UINT64_MAX - 1; /* start + size would wrap */
	assert_int_equal(drm_mm_reserve_node(&mm, &b), -ENOSPC);
	assert_false(drm_mm_node_allocated(&b));
	b.start = PG;	  /* the free page just before a */
	b.size = PG;
	assert_int_equal(drm_mm_reserve_node(&mm, &b), 0);
	check_mm(&mm, PG, 8 * PG);
	drm_mm_remove_node(&a);
	drm_mm_remove_node(&b);
	drm_mm_takedown(&mm);
}

static void test_remove_merges_neighbouring_holes(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node n[5] = { 0 }, big = { 0 };
	struct drm_mm_node *h;
	uint64_t hs, he;
	int holes = 0;

	(void)state;
	drm_mm_init(&mm, 0, 5 * PG);
	for (int i = 0; i < 5; i++)
		assert_int_equal(drm_mm_insert_node(&mm, &n[i], PG), 0);
	drm_mm_remove_node(&n[1]);
	drm_mm_remove_node(&n[3]);
	assert_int_equal(drm_mm_insert_node(&mm, &big, 3 * PG), -ENOSPC);
	drm_mm_remove_node(&n[2]); /* joins the holes on both sides */
	drm_mm_for_each_hole(h, &mm, hs, he) {
		assert_int_equal(hs, PG);
		assert_int_equal(he, 4 * PG);
		holes++;
	}
	assert_int_equal(holes, 1);
	assert_int_equal(drm_mm_insert_node(&mm, &big, 3 * PG), 0);
	assert_int_equal(big.start, PG);
	drm_mm_remove_node(&big);
	drm_mm_remove_node(&n[0]);
	drm_mm_remove_node(&n[4]);
	/* everything merged back into the one hole of the whole range */
	assert_int_equal(drm_mm_insert_node(&mm, &big, 5 * PG), 0);
	drm_mm_remove_node(&big);
	drm_mm_takedown(&mm);
}

static void test_takedown_of_clean_manager(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node n = { 0 };

	(void)state;
	assert_false(drm_mm_initialized(&mm));
	drm_mm_init(&mm, 0, PG);
	assert_true(drm_mm_initialized(&mm));
	assert_true(drm_mm_clean(&mm));
	assert_int_equal(drm_mm_insert_node(&mm, &n, PG), 0);
	assert_false(drm_mm_clean(&mm));
	drm_mm_remove_node(&n);
	test_log_capture();
	drm_mm_takedown(&mm);
	assert_false(test_log_contains("not clean"));
	test_log_release();
	assert_false(drm_mm_initialized(&mm));
}

static void test_takedown_reports_leftover_nodes(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node n = { 0 };

	(void)state;
	drm_mm_init(&mm, 0, 2 * PG);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &n, PG, 0, 0, DRM_MM_INSERT_HIGH), 0);
	test_log_capture();
	drm_mm_takedown(&mm);
	assert_true(test_log_contains("not clean"));
	assert_true(test_log_contains("leaked node [0x1000 + 0x1000]"));
	test_log_release();
	/* the manager is left intact, so the leak can still be cleaned up */
	assert_true(drm_mm_node_allocated(&n));
	drm_mm_remove_node(&n);
	drm_mm_takedown(&mm);
	assert_false(drm_mm_initialized(&mm));
}

static void test_remove_of_unallocated_node_is_reported(void **state)
{
	struct drm_mm_node n = { 0 };

	(void)state;
	test_log_capture();
	drm_mm_remove_node(&n);
	assert_true(test_log_contains("not inserted"));
	test_log_release();
}

static void test_print_has_used_free_summary(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node n = { 0 };
	struct seq_file m = { 0 };

	(void)state;
	drm_mm_init(&mm, 0, 4 * PG);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &n, PG, 0, 0, DRM_MM_INSERT_HIGH), 0);
	drm_mm_print(&mm, &m);
	assert_non_null(m.buf);
	assert_non_null(strstr(m.buf, "0x0000000000000000-0x0000000000003000: 12288: free\n"));
	assert_non_null(strstr(m.buf, "0x0000000000003000-0x0000000000004000: 4096: used\n"));
	assert_non_null(strstr(m.buf, "total: 16384, used 4096 free 12288\n"));
	free(m.buf);
	drm_mm_remove_node(&n);
	drm_mm_takedown(&mm);
}

static void test_range_at_top_of_u64_space(void **state)
{
	const uint64_t base = UINT64_MAX - 64 * PG;
	struct drm_mm mm = { 0 };
	struct drm_mm_node a = { 0 }, b = { 0 };

	(void)state;
	/* a range that would wrap is cut at the end of the u64 space */
	test_log_capture();
	drm_mm_init(&mm, base, 128 * PG);
	test_log_release();
	assert_int_equal(drm_mm_total_bytes(&mm), 64 * PG);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &a, PG, PG, 0, DRM_MM_INSERT_HIGH), 0);
	assert_int_equal(a.start % PG, 0);
	assert_true(a.start >= base && a.start + PG <= UINT64_MAX);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &b, PG, 1ULL << 62, 0,
						    DRM_MM_INSERT_LOW), -ENOSPC);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &b, 2, 3, 0, DRM_MM_INSERT_LOW), 0);
	assert_int_equal(b.start % 3, 0);
	check_mm(&mm, base, 64 * PG);
	drm_mm_remove_node(&a);
	drm_mm_remove_node(&b);
	drm_mm_takedown(&mm);
}

static void guard_page(const struct drm_mm_node *node, unsigned long color, uint64_t *start,
		       uint64_t *end)
{
	/* keep a page between nodes of different colours */
	if (node->size && node->color != color)
		*start += PG;
	(void)end;
}

static void test_color_adjust_keeps_guard(void **state)
{
	struct drm_mm mm = { 0 };
	struct drm_mm_node a = { 0 }, b = { 0 }, c = { 0 };

	(void)state;
	drm_mm_init(&mm, 0, 8 * PG);
	mm.color_adjust = guard_page;
	assert_int_equal(drm_mm_insert_node_generic(&mm, &a, PG, 0, 1, DRM_MM_INSERT_LOW), 0);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &b, PG, 0, 1, DRM_MM_INSERT_LOW), 0);
	assert_int_equal(b.start, PG);
	assert_int_equal(drm_mm_insert_node_generic(&mm, &c, PG, 0, 2, DRM_MM_INSERT_LOW), 0);
	assert_int_equal(c.start, 3 * PG);
	assert_int_equal(c.color, 2);
	drm_mm_remove_node(&a);
	drm_mm_remove_node(&b);
	drm_mm_remove_node(&c);
	drm_mm_takedown(&mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_range_exactly),
		cmocka_unit_test(test_enospc_when_full),
		cmocka_unit_test(test_enospc_when_fragmented),
		cmocka_unit_test(test_zero_size_is_einval),
		cmocka_unit_test(test_alignment_honoured),
		cmocka_unit_test(test_range_restriction_honoured),
		cmocka_unit_test(test_low_mode_picks_lowest_hole),
		cmocka_unit_test(test_high_mode_picks_highest_hole),
		cmocka_unit_test(test_best_mode_picks_smallest_fitting_hole),
		cmocka_unit_test(test_evict_mode_picks_most_recent_hole),
		cmocka_unit_test(test_reserve_free_range),
		cmocka_unit_test(test_reserve_taken_range),
		cmocka_unit_test(test_remove_merges_neighbouring_holes),
		cmocka_unit_test(test_takedown_of_clean_manager),
		cmocka_unit_test(test_takedown_reports_leftover_nodes),
		cmocka_unit_test(test_remove_of_unallocated_node_is_reported),
		cmocka_unit_test(test_print_has_used_free_summary),
		cmocka_unit_test(test_range_at_top_of_u64_space),
		cmocka_unit_test(test_color_adjust_keeps_guard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
