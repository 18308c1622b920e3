// SPDX-License-Identifier: MIT
/*
 * vtrain scale-up topology and links: wiring of mesh and ring, P2P copies over a route,
 * per-link byte and error counters, and a link taken down (-ENOLINK for transfers that need
 * it, others unaffected).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/vtrain/vtrain_link.h"

static void test_vtrain_topology_parse_accepts_mesh_and_ring_only(void **state)
{
	enum vtrain_topology t;

	(void)state;
	assert_int_equal(vtrain_topology_parse("mesh", &t), 0);
	assert_int_equal(t, VTRAIN_TOPO_MESH);
	assert_int_equal(vtrain_topology_parse("ring", &t), 0);
	assert_int_equal(t, VTRAIN_TOPO_RING);
	assert_int_equal(vtrain_topology_parse("torus", &t), -EINVAL);
	assert_int_equal(vtrain_topology_parse("", &t), -EINVAL);
	assert_int_equal(vtrain_topology_parse(NULL, &t), -EINVAL);
}

static void test_vtrain_mesh_links_every_pair(void **state)
{
	struct vtrain_topo topo;

	(void)state;
	assert_int_equal(vtrain_topo_init(&topo, 4, VTRAIN_TOPO_MESH), 0);
	assert_int_equal(topo.nlinks, 6);
	for (unsigned int x = 0; x < 4; x++)
		for (unsigned int y = 0; y < 4; y++) {
			struct vtrain_link *l = vtrain_topo_link(&topo, x, y);

			if (x == y) {
				assert_null(l);
				continue;
			}
			assert_non_null(l);
			assert_int_equal(l->a, x < y ? x : y);
			assert_int_equal(l->b, x < y ? y : x);
		}
	vtrain_topo_fini(&topo);
}

static void test_vtrain_ring_links_neighbours_only(void **state)
{
	struct vtrain_topo topo;
	struct vtrain_link *hops[VTRAIN_TOPO_MAX_CARDS];

	(void)state;
	assert_int_equal(vtrain_topo_init(&topo, 4, VTRAIN_TOPO_RING), 0);
	assert_int_equal(topo.nlinks, 4);
	assert_non_null(vtrain_topo_link(&topo, 0, 1));
	assert_non_null(vtrain_topo_link(&topo, 3, 0));
	assert_null(vtrain_topo_link(&topo, 0, 2));
	assert_null(vtrain_topo_link(&topo, 1, 3));
	/* Opposite cards are two hops away. */
	assert_int_equal(vtrain_topo_route(&topo, 0, 2, hops), 2);
	assert_int_equal(vtrain_topo_route(&topo, 0, 3, hops), 1);
	assert_ptr_equal(hops[0], vtrain_topo_link(&topo, 0, 3));
	vtrain_topo_fini(&topo);
}

static void test_vtrain_topo_rejects_bad_sizes(void **state)
{
	struct vtrain_topo topo;

	(void)state;
	assert_int_equal(vtrain_topo_init(&topo, 0, VTRAIN_TOPO_MESH), -EINVAL);
	assert_int_equal(vtrain_topo_init(&topo, VTRAIN_TOPO_MAX_CARDS + 1, VTRAIN_TOPO_RING),
			 -EINVAL);
}

static void test_vtrain_p2p_copy_moves_data_and_counts_bytes(void **state)
{
	struct vtrain_topo topo;
	char src[4096], dst[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 7 + 1);
	memset(dst, 0, sizeof(dst));
	assert_int_equal(vtrain_topo_init(&topo, 2, VTRAIN_TOPO_MESH), 0);
	assert_int_equal(vtrain_link_p2p_copy(&topo, 0, 1, dst, src, sizeof(src)), 0);
	assert_memory_equal(dst, src, sizeof(src));
	assert_int_equal(atomic_load(&vtrain_topo_link(&topo, 0, 1)->bytes), sizeof(src));
	assert_int_equal(atomic_load(&vtrain_topo_link(&topo, 0, 1)->errors), 0);
	vtrain_topo_fini(&topo);
}

static void test_vtrain_down_link_fails_with_enolink_and_spares_others(void **state)
{
	struct vtrain_topo topo;
	char src[64] = "payload", dst[64] = { 0 }, zero[64] = { 0 };
	struct vtrain_link *l01;

	(void)state;
	assert_int_equal(vtrain_topo_init(&topo, 3, VTRAIN_TOPO_MESH), 0);
	l01 = vtrain_topo_link(&topo, 0, 1);
	vtrain_link_set_up(l01, false);
	assert_int_equal(vtrain_link_p2p_copy(&topo, 0, 1, dst, src, sizeof(src)), -ENOLINK);
	assert_memory_equal(dst, zero, sizeof(dst));
	assert_int_equal(atomic_load(&l01->errors), 1);
	assert_int_equal(atomic_load(&l01->bytes), 0);
	/* Another link of the same card still carries data. */
	assert_int_equal(vtrain_link_p2p_copy(&topo, 0, 2, dst, src, sizeof(src)), 0);
	assert_memory_equal(dst, src, sizeof(src));
	/* Back up, the link works again. */
	vtrain_link_set_up(l01, true);
	memset(dst, 0, sizeof(dst));
	assert_int_equal(vtrain_link_p2p_copy(&topo, 1, 0, dst, src, sizeof(src)), 0);
	assert_memory_equal(dst, src, sizeof(src));
	vtrain_topo_fini(&topo);
}

static void test_vtrain_ring_routes_around_a_down_link(void **state)
{
	struct vtrain_topo topo;
	char src[128] = "around", dst[128] = { 0 };
	struct vtrain_link *hops[VTRAIN_TOPO_MAX_CARDS];

	(void)state;
	assert_int_equal(vtrain_topo_init(&topo, 4, VTRAIN_TOPO_RING), 0);
	vtrain_link_set_up(vtrain_topo_link(&topo, 0, 1), false);
	/* 0 -> 1 goes 0-3-2-1. */
	assert_int_equal(vtrain_topo_route(&topo, 0, 1, hops), 3);
	assert_int_equal(vtrain_link_p2p_copy(&topo, 0, 1, dst, src, sizeof(src)), 0);
	assert_memory_equal(dst, src, sizeof(src));
	assert_int_equal(atomic_load(&vtrain_topo_link(&topo, 0, 3)->bytes), sizeof(src));
	assert_int_equal(atomic_load(&vtrain_topo_link(&topo, 3, 2)->bytes), sizeof(src));
	assert_int_equal(atomic_load(&vtrain_topo_link(&topo, 2, 1)->bytes), sizeof(src));
	/* With a second link down card 1 is cut off. */
	vtrain_link_set_up(vtrain_topo_link(&topo, 2, 1), false);
	assert_int_equal(vtrain_link_p2p_copy(&topo, 0, 1, dst, src, sizeof(src)), -ENOLINK);
	assert_int_equal(vtrain_topo_route(&topo, 3, 1, hops), -ENOLINK);
	/* 0 and 2 still reach each other. */
	assert_int_equal(vtrain_link_p2p_copy(&topo, 0, 2, dst, src, sizeof(src)), 0);
	vtrain_topo_fini(&topo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vtrain_topology_parse_accepts_mesh_and_ring_only),
		cmocka_unit_test(test_vtrain_mesh_links_every_pair),
		cmocka_unit_test(test_vtrain_ring_links_neighbours_only),
		cmocka_unit_test(test_vtrain_topo_rejects_bad_sizes),
		cmocka_unit_test(test_vtrain_p2p_copy_moves_data_and_counts_bytes),
		cmocka_unit_test(test_vtrain_down_link_fails_with_enolink_and_spares_others),
		cmocka_unit_test(test_vtrain_ring_routes_around_a_down_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
