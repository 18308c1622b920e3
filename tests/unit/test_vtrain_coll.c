// SPDX-License-Identifier: MIT
/*
 * vtrain all-reduce (ring and recursive halving-doubling) against a host reference, for every
 * operator, group sizes 2..8 and counts that do not divide evenly; link traffic of the ring;
 * a down link failing the collective with -ENOLINK. Values are small integers so that every
 * reduction order gives the exact same float result.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <uapi/drm/vtrain_accel.h>
#include "drivers/vtrain/vtrain_coll.h"

static float vtrain_test_value(unsigned int r, size_t i)
{
	return (float)((int)((i * 2654435761u + r * 40503u) % 201) - 100);
}

static float vtrain_ref(unsigned int n, size_t i, unsigned int op)
{
	float acc = vtrain_test_value(0, i);

	for (unsigned int r = 1; r < n; r++) {
		float v = vtrain_test_value(r, i);

		if (op == VTRAIN_RED_MAX)
			acc = v > acc ? v : acc;
		else if (op == VTRAIN_RED_MIN)
			acc = v < acc ? v : acc;
		else
			acc += v;
	}
	return op == VTRAIN_RED_AVG ? acc / (float)n : acc;
}

static void vtrain_check_all_reduce(enum vtrain_topology kind, unsigned int n, size_t count,
				    unsigned int op, unsigned int algo)
{
	struct vtrain_topo topo;
	unsigned int cards[8];
	float *bufs[8];

	assert_true(n <= 8);
	assert_int_equal(vtrain_topo_init(&topo, n, kind), 0);
	for (unsigned int r = 0; r < n; r++) {
		cards[r] = r;
		bufs[r] = malloc(count * sizeof(float) + 1);
		assert_non_null(bufs[r]);
		for (size_t i = 0; i < count; i++)
			bufs[r][i] = vtrain_test_value(r, i);
	}
	assert_int_equal(vtrain_coll_all_reduce(&topo, cards, n, bufs, count, op, algo), 0);
	for (unsigned int r = 0; r < n; r++) {
		for (size_t i = 0; i < count; i++)
			if (bufs[r][i] != vtrain_ref(n, i, op))
				fail_msg("n=%u algo=%u op=%u rank %u [%zu]: %g, expected %g", n,
					 algo, op, r, i, bufs[r][i], vtrain_ref(n, i, op));
		free(bufs[r]);
	}
	vtrain_topo_fini(&topo);
}

static void test_vtrain_ring_all_reduce_matches_reference(void **state)
{
	static const size_t counts[] = { 1, 7, 1000, 4099 };

	(void)state;
	for (unsigned int n = 2; n <= 8; n++)
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			for (unsigned int op = VTRAIN_RED_SUM; op <= VTRAIN_RED_AVG; op++)
				vtrain_check_all_reduce(VTRAIN_TOPO_RING, n, counts[c], op,
							VTRAIN_ALGO_RING);
}

static void test_vtrain_halving_doubling_all_reduce_matches_reference(void **state)
{
	static const size_t counts[] = { 1, 5, 1000, 4099 };

	(void)state;
	for (unsigned int n = 2; n <= 8; n *= 2)
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			for (unsigned int op = VTRAIN_RED_SUM; op <= VTRAIN_RED_AVG; op++)
				vtrain_check_all_reduce(VTRAIN_TOPO_MESH, n, counts[c], op,
							VTRAIN_ALGO_TREE);
}

static void test_vtrain_all_reduce_auto_picks_by_size(void **state)
{
	(void)state;
	assert_int_equal(vtrain_coll_algo_choose(4, 4096), VTRAIN_ALGO_TREE);
	assert_int_equal(vtrain_coll_algo_choose(4, 64u << 20), VTRAIN_ALGO_RING);
	assert_int_equal(vtrain_coll_algo_choose(3, 4096), VTRAIN_ALGO_RING);
	vtrain_check_all_reduce(VTRAIN_TOPO_MESH, 4, 100, VTRAIN_RED_SUM, VTRAIN_ALGO_AUTO);
}

static void test_vtrain_tree_all_reduce_rejects_non_power_of_two(void **state)
{
	struct vtrain_topo topo;
	unsigned int cards[3] = { 0, 1, 2 };
	float a[4] = { 0 }, b[4] = { 0 }, c[4] = { 0 };
	float *bufs[3] = { a, b, c };

	(void)state;
	assert_int_equal(vtrain_topo_init(&topo, 3, VTRAIN_TOPO_MESH), 0);
	assert_int_equal(vtrain_coll_all_reduce(&topo, cards, 3, bufs, 4, VTRAIN_RED_SUM,
						VTRAIN_ALGO_TREE), -EINVAL);
	assert_int_equal(vtrain_coll_all_reduce(&topo, cards, 3, bufs, 4, 0, VTRAIN_ALGO_RING),
			 -EINVAL);
	vtrain_topo_fini(&topo);
}

/* A ring all-reduce sends 2(n-1) chunks per rank: 2(n-1)/n of the buffer, the busbw factor. */
static void test_vtrain_ring_all_reduce_link_traffic(void **state)
{
	enum { N = 4, COUNT = 1024 };
	struct vtrain_topo topo;
	unsigned int cards[N];
	float *bufs[N];
	uint64_t total = 0;

	(void)state;
	assert_int_equal(vtrain_topo_init(&topo, N, VTRAIN_TOPO_RING), 0);
	for (unsigned int r = 0; r < N; r++) {
		cards[r] = r;
		bufs[r] = calloc(COUNT, sizeof(float));
		assert_non_null(bufs[r]);
	}
	assert_int_equal(vtrain_coll_all_reduce(&topo, cards, N, bufs, COUNT, VTRAIN_RED_SUM,
						VTRAIN_ALGO_RING), 0);
	for (unsigned int l = 0; l < topo.nlinks; l++)
		total += atomic_load(&topo.links[l].bytes);
	assert_int_equal(total, (uint64_t)N * 2 * (N - 1) * (COUNT / N) * sizeof(float));
	for (unsigned int r = 0; r < N; r++)
		free(bufs[r]);
	vtrain_topo_fini(&topo);
}

static void test_vtrain_all_reduce_fails_on_down_link(void **state)
{
	enum { N = 4, COUNT = 256 };
	struct vtrain_topo topo;
	unsigned int cards[N];
	float *bufs[N];

	(void)state;
	assert_int_equal(vtrain_topo_init(&topo, N, VTRAIN_TOPO_MESH), 0);
	for (unsigned int r = 0; r < N; r++) {
		cards[r] = r;
		bufs[r] = calloc(COUNT, sizeof(float));
		assert_non_null(bufs[r]);
	}
	vtrain_link_set_up(vtrain_topo_link(&topo, 1, 2), false);
	assert_int_equal(vtrain_coll_all_reduce(&topo, cards, N, bufs, COUNT, VTRAIN_RED_SUM,
						VTRAIN_ALGO_RING), -ENOLINK);
	assert_true(atomic_load(&vtrain_topo_link(&topo, 1, 2)->errors) >= 1);
	for (unsigned int r = 0; r < N; r++)
		free(bufs[r]);
	vtrain_topo_fini(&topo);
}

static void test_vtrain_reduce_scatter_matches_reference(void **state)
{
	(void)state;
	for (unsigned int n = 2; n <= 8; n++)
		for (unsigned int op = VTRAIN_RED_SUM; op <= VTRAIN_RED_AVG; op++) {
			enum { COUNT = 37 };
			struct vtrain_topo topo;
			unsigned int cards[8];
			float *srcs[8], *dsts[8];

			assert_int_equal(vtrain_topo_init(&topo, n, VTRAIN_TOPO_RING), 0);
			for (unsigned int r = 0; r < n; r++) {
				cards[r] = r;
				srcs[r] = malloc(COUNT * n * sizeof(float));
				dsts[r] = malloc(COUNT * sizeof(float));
				assert_non_null(srcs[r]);
				assert_non_null(dsts[r]);
				for (size_t i = 0; i < COUNT * n; i++)
					srcs[r][i] = vtrain_test_value(r, i);
			}
			assert_int_equal(vtrain_coll_reduce_scatter(&topo, cards, n,
					(const float *const *)srcs, dsts, COUNT, op), 0);
			for (unsigned int r = 0; r < n; r++) {
				for (size_t i = 0; i < COUNT; i++)
					assert_true(dsts[r][i] == vtrain_ref(n, r * COUNT + i, op));
				free(srcs[r]);
				free(dsts[r]);
			}
			vtrain_topo_fini(&topo);
		}
}

static void test_vtrain_all_gather_matches_reference(void **state)
{
	(void)state;
	for (unsigned int n = 2; n <= 8; n++) {
		enum { COUNT = 29 };
		struct vtrain_topo topo;
		unsigned int cards[8];
		float *srcs[8], *dsts[8];

		assert_int_equal(vtrain_topo_init(&topo, n, VTRAIN_TOPO_MESH), 0);
		for (unsigned int r = 0; r < n; r++) {
			cards[r] = r;
			srcs[r] = malloc(COUNT * sizeof(float));
			dsts[r] = calloc(COUNT * n, sizeof(float));
			assert_non_null(srcs[r]);
			assert_non_null(dsts[r]);
			for (size_t i = 0; i < COUNT; i++)
				srcs[r][i] = vtrain_test_value(r, i);
		}
		assert_int_equal(vtrain_coll_all_gather(&topo, cards, n,
				(const float *const *)srcs, dsts, COUNT), 0);
		for (unsigned int r = 0; r < n; r++)
			for (unsigned int q = 0; q < n; q++)
				for (size_t i = 0; i < COUNT; i++)
					assert_true(dsts[r][q * COUNT + i] == vtrain_test_value(q, i));
		for (unsigned int r = 0; r < n; r++) {
			free(srcs[r]);
			free(dsts[r]);
		}
		vtrain_topo_fini(&topo);
	}
}

static void test_vtrain_broadcast_copies_root_to_every_rank(void **state)
{
	enum { N = 5, COUNT = 100 };
	struct vtrain_topo topo;
	unsigned int cards[N];
	float *bufs[N];

	(void)state;
	assert_int_equal(vtrain_topo_init(&topo, N, VTRAIN_TOPO_RING), 0);
	for (unsigned int r = 0; r < N; r++) {
		cards[r] = r;
		bufs[r] = malloc(COUNT * sizeof(float));
		assert_non_null(bufs[r]);
		for (size_t i = 0; i < COUNT; i++)
			bufs[r][i] = vtrain_test_value(r, i);
	}
	/* In place, from rank 3. */
	assert_int_equal(vtrain_coll_broadcast(&topo, cards, N, (const float *const *)bufs, bufs,
					       COUNT, 3), 0);
	for (unsigned int r = 0; r < N; r++) {
		for (size_t i = 0; i < COUNT; i++)
			assert_true(bufs[r][i] == vtrain_test_value(3, i));
		free(bufs[r]);
	}
	assert_int_equal(vtrain_coll_broadcast(&topo, cards, N, (const float *const *)bufs, bufs,
					       COUNT, N), -EINVAL);
	vtrain_topo_fini(&topo);
}

static void test_vtrain_barrier_fails_only_when_a_rank_is_cut_off(void **state)
{
	struct vtrain_topo topo;
	unsigned int cards[4] = { 0, 1, 2, 3 };

	(void)state;
	assert_int_equal(vtrain_topo_init(&topo, 4, VTRAIN_TOPO_RING), 0);
	assert_int_equal(vtrain_coll_barrier(&topo, cards, 4), 0);
	/* One ring link down: traffic goes the other way round. */
	vtrain_link_set_up(vtrain_topo_link(&topo, 0, 1), false);
	assert_int_equal(vtrain_coll_barrier(&topo, cards, 4), 0);
	vtrain_link_set_up(vtrain_topo_link(&topo, 1, 2), false);
	assert_int_equal(vtrain_coll_barrier(&topo, cards, 4), -ENOLINK);
	vtrain_topo_fini(&topo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vtrain_ring_all_reduce_matches_reference),
		cmocka_unit_test(test_vtrain_halving_doubling_all_reduce_matches_reference),
		cmocka_unit_test(test_vtrain_all_reduce_auto_picks_by_size),
		cmocka_unit_test(test_vtrain_tree_all_reduce_rejects_non_power_of_two),
		cmocka_unit_test(test_vtrain_ring_all_reduce_link_traffic),
		cmocka_unit_test(test_vtrain_all_reduce_fails_on_down_link),
		cmocka_unit_test(test_vtrain_reduce_scatter_matches_reference),
		cmocka_unit_test(test_vtrain_all_gather_matches_reference),
		cmocka_unit_test(test_vtrain_broadcast_copies_root_to_every_rank),
		cmocka_unit_test(test_vtrain_barrier_fails_only_when_a_rank_is_cut_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
