// SPDX-License-Identifier: MIT
/*
 * vtrain collectives as packets of jobs on four cards of one host (a mesh): an ALL_REDUCE
 * between the jobs of 2 and of 4 cards equals the host reference and is ordered with the
 * compute packets around it (a fill before, a scale after, in the same job); ALL_GATHER and
 * BROADCAST place every rank's data, REDUCE_SCATTER leaves each rank its reduced chunk;
 * ranks whose packets disagree fail with -EINVAL; a rank whose peer never comes fails with -ETIMEDOUT
 * at the job timeout; a link taken down (debugfs link_down) fails the collective of the two
 * cards it joins with -ENOLINK on both, while a collective of two other cards completes;
 * P2P_SEND/P2P_RECV pairs match by peer, tag and order, and differing sizes fail both
 * with -EMSGSIZE; sysfs links/<peer>/ shows the bytes, state and errors of each link.
 */
#define _GNU_SOURCE
#include <math.h>

#include "vtrain_client.h"

#define NCARDS 4
#define VT_CARD(i) \
	"[vtrain." #i "]\ndriver = vtrain\nhbm_size = 64M\njob_timeout_ms = 1000\ncards = 4\n" \
	"card = " #i "\nlinks = mesh\ngroup = coll\n\n"
#define VT_CONFIG VT_CARD(0) VT_CARD(1) VT_CARD(2) VT_CARD(3)

static const char *const card_name[NCARDS] = { "vtrain.0", "vtrain.1", "vtrain.2", "vtrain.3" };
static uint64_t next_key = 100;

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vtrain-collective", VT_CONFIG);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

/** struct rank - one card's client in a test: its object, communicator and out-syncobj. */
struct rank {
	struct vc_client c;
	struct vt_bo bo;
	uint32_t comm;
	uint32_t out;
};

/* Open @n cards (@cards), each with an object and a communicator over all of them. */
static void ranks_open(struct rank *r, const unsigned int *cards, unsigned int n)
{
	struct vtrain_rank ranks[NCARDS];
	uint64_t key = ++next_key;

	for (unsigned int i = 0; i < n; i++)
		ranks[i] = (struct vtrain_rank){ .host = 0, .card = cards[i] };
	for (unsigned int i = 0; i < n; i++) {
		struct drm_vtrain_comm_create cc = { .key = key, .num_ranks = n,
						     .ranks = (uintptr_t)ranks };

		vc_open(&r[i].c, card_name[cards[i]]);
		vt_bo_new(&r[i].c, &r[i].bo, 0x10000);
		assert_int_equal(vc_ioctl(&r[i].c, DRM_IOCTL_VTRAIN_COMM_CREATE, &cc), 0);
		assert_int_equal(cc.my_rank, i);
		r[i].comm = cc.comm;
		r[i].out = vc_syncobj(&r[i].c, 0);
	}
}

static void ranks_close(struct rank *r, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		vt_bo_free(&r[i].c, &r[i].bo);
		vc_close(&r[i].c);
	}
}

static float value(unsigned int rank, unsigned int i)
{
	return (float)((int)((i * 2654435761u + rank * 40503u) % 41) - 20);
}

/* Every rank: fill dst with 1, write its data, ALL_REDUCE(SUM) in place, then x2. */
static void allreduce_case(const unsigned int *cards, unsigned int n)
{
	enum { COUNT = 1000 };
	struct rank r[NCARDS];

	ranks_open(r, cards, n);
	for (unsigned int i = 0; i < n; i++) {
		struct vt_stream s = { .n = 0 };
		struct vtrain_pkt_collective ar = { .comm = r[i].comm, .op = VTRAIN_RED_SUM,
						    .count = COUNT };
		struct vtrain_pkt_elementwise scale = { .op = VTRAIN_EW_AXPBY, .rows = 1,
							.cols = COUNT, .alpha = vt_bits(2.0f) };
		struct vtrain_pkt_dma_copy cp = { .size = COUNT * 4 };

		for (unsigned int k = 0; k < COUNT; k++)
			vt_f32(&r[i].bo, 0x8000)[k] = value(i, k);
		cp.src = r[i].bo.addr + 0x8000;
		cp.dst = ar.src = ar.dst = r[i].bo.addr;
		scale.a = scale.b = scale.dst = r[i].bo.addr;
		VT_EMIT(&s, VTRAIN_OP_DMA_COPY, 0, cp);
		VT_EMIT(&s, VTRAIN_OP_ALL_REDUCE, 0, ar);
		VT_EMIT(&s, VTRAIN_OP_ELEMENTWISE, 0, scale);
		assert_int_equal(vt_submit(&r[i].c, &s, NULL, 0, r[i].out), 0);
	}
	for (unsigned int i = 0; i < n; i++) {
		vc_wait(&r[i].c, r[i].out, 0);
		assert_int_equal(vc_fence_status(&r[i].c, r[i].out), 1);
	}
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int k = 0; k < COUNT; k++) {
			float sum = 0;

			for (unsigned int j = 0; j < n; j++)
				sum += value(j, k);
			assert_float_equal(vt_f32(&r[i].bo, 0)[k], 2.0f * sum, 0);
		}
	ranks_close(r, n);
}

static void test_allreduce_two_cards_matches_reference(void **state)
{
	static const unsigned int cards[] = { 1, 3 };

	(void)state;
	allreduce_case(cards, 2);
}

static void test_allreduce_four_cards_matches_reference(void **state)
{
	static const unsigned int cards[] = { 0, 1, 2, 3 };

	(void)state;
	allreduce_case(cards, 4);
}

static void test_allgather_and_broadcast_place_every_rank(void **state)
{
	static const unsigned int cards[] = { 0, 1, 2 };
	enum { COUNT = 33 };
	struct rank r[3];

	(void)state;
	ranks_open(r, cards, 3);
	for (unsigned int i = 0; i < 3; i++) {
		struct vt_stream s = { .n = 0 };
		struct vtrain_pkt_collective ag = { .comm = r[i].comm, .count = COUNT,
						    .src = r[i].bo.addr,
						    .dst = r[i].bo.addr + 0x1000 };
		struct vtrain_pkt_collective bc = { .comm = r[i].comm, .count = COUNT, .root = 2,
						    .src = r[i].bo.addr + 0x2000,
						    .dst = r[i].bo.addr + 0x3000 };

		for (unsigned int k = 0; k < COUNT; k++) {
			vt_f32(&r[i].bo, 0)[k] = value(i, k);
			vt_f32(&r[i].bo, 0x2000)[k] = value(i + 7, k);
		}
		VT_EMIT(&s, VTRAIN_OP_ALL_GATHER, 0, ag);
		VT_EMIT(&s, VTRAIN_OP_BROADCAST, 0, bc);
		assert_int_equal(vt_submit(&r[i].c, &s, NULL, 0, r[i].out), 0);
	}
	for (unsigned int i = 0; i < 3; i++) {
		vc_wait(&r[i].c, r[i].out, 0);
		assert_int_equal(vc_fence_status(&r[i].c, r[i].out), 1);
		for (unsigned int j = 0; j < 3; j++)
			for (unsigned int k = 0; k < COUNT; k++)
				assert_float_equal(vt_f32(&r[i].bo, 0x1000)[j * COUNT + k],
						   value(j, k), 0);
		for (unsigned int k = 0; k < COUNT; k++)
			assert_float_equal(vt_f32(&r[i].bo, 0x3000)[k], value(2 + 7, k), 0);
	}
	ranks_close(r, 3);
}

/* REDUCE_SCATTER (MAX) then BARRIER in one job per rank. */
static void test_reduce_scatter_and_barrier(void **state)
{
	static const unsigned int cards[] = { 3, 1, 0, 2 };
	enum { COUNT = 17 };
	struct rank r[NCARDS];

	(void)state;
	ranks_open(r, cards, NCARDS);
	for (unsigned int i = 0; i < NCARDS; i++) {
		struct vt_stream s = { .n = 0 };
		struct vtrain_pkt_collective rs = { .comm = r[i].comm, .op = VTRAIN_RED_MAX,
						    .count = COUNT, .src = r[i].bo.addr,
						    .dst = r[i].bo.addr + 0x1000 };
		struct vtrain_pkt_collective bar = { .comm = r[i].comm };

		for (unsigned int k = 0; k < COUNT * NCARDS; k++)
			vt_f32(&r[i].bo, 0)[k] = value(i, k);
		VT_EMIT(&s, VTRAIN_OP_REDUCE_SCATTER, 0, rs);
		VT_EMIT(&s, VTRAIN_OP_BARRIER, 0, bar);
		assert_int_equal(vt_submit(&r[i].c, &s, NULL, 0, r[i].out), 0);
	}
	for (unsigned int i = 0; i < NCARDS; i++) {
		vc_wait(&r[i].c, r[i].out, 0);
		assert_int_equal(vc_fence_status(&r[i].c, r[i].out), 1);
		for (unsigned int k = 0; k < COUNT; k++) {
			float mx = value(0, i * COUNT + k);

			for (unsigned int j = 1; j < NCARDS; j++)
				mx = fmaxf(mx, value(j, i * COUNT + k));
			assert_float_equal(vt_f32(&r[i].bo, 0x1000)[k], mx, 0);
		}
	}
	ranks_close(r, NCARDS);
}

/* Ranks whose packets disagree (here the count) all fail with -EINVAL. */
static void test_disagreeing_ranks_fail_with_einval(void **state)
{
	static const unsigned int pair[] = { 0, 1 };
	struct rank r[2];

	(void)state;
	ranks_open(r, pair, 2);
	for (unsigned int i = 0; i < 2; i++) {
		struct vtrain_pkt_collective ar = { .comm = r[i].comm, .op = VTRAIN_RED_SUM,
						    .count = 16 + i, .src = r[i].bo.addr,
						    .dst = r[i].bo.addr };
		struct vt_stream s = { .n = 0 };

		VT_EMIT(&s, VTRAIN_OP_ALL_REDUCE, 0, ar);
		assert_int_equal(vt_submit(&r[i].c, &s, NULL, 0, r[i].out), 0);
	}
	for (unsigned int i = 0; i < 2; i++) {
		vc_wait(&r[i].c, r[i].out, 0);
		assert_int_equal(vc_fence_status(&r[i].c, r[i].out), -EINVAL);
	}
	ranks_close(r, 2);
}

static void test_missing_peer_fails_with_etimedout(void **state)
{
	static const unsigned int cards[] = { 0, 2 };
	struct vtrain_pkt_collective ar = { .op = VTRAIN_RED_SUM, .count = 16 };
	struct vt_stream s = { .n = 0 };
	struct rank r[2];

	(void)state;
	ranks_open(r, cards, 2);
	ar.comm = r[0].comm;
	ar.src = ar.dst = r[0].bo.addr;
	VT_EMIT(&s, VTRAIN_OP_ALL_REDUCE, 0, ar);
	assert_int_equal(vt_submit(&r[0].c, &s, NULL, 0, r[0].out), 0);
	vc_wait(&r[0].c, r[0].out, 0);
	assert_int_equal(vc_fence_status(&r[0].c, r[0].out), -ETIMEDOUT);
	ranks_close(r, 2);
}

static void submit_allreduce(struct rank *r)
{
	struct vtrain_pkt_collective ar = { .comm = r->comm, .op = VTRAIN_RED_SUM, .count = 64,
					    .src = r->bo.addr, .dst = r->bo.addr };
	struct vt_stream s = { .n = 0 };

	VT_EMIT(&s, VTRAIN_OP_ALL_REDUCE, 0, ar);
	assert_int_equal(vt_submit(&r->c, &s, NULL, 0, r->out), 0);
}

static void test_link_down_fails_collective_with_enolink(void **state)
{
	static const unsigned int pair_a[] = { 0, 1 }, pair_b[] = { 2, 3 };
	struct rank a[2], b[2];
	int minor0 = vc_minor("vtrain.0");

	(void)state;
	ranks_open(a, pair_a, 2);
	ranks_open(b, pair_b, 2);
	assert_int_equal(vc_debugfs_write(minor0, "link_down", "1"), 1);
	for (unsigned int i = 0; i < 2; i++) {
		submit_allreduce(&a[i]);
		submit_allreduce(&b[i]);
	}
	for (unsigned int i = 0; i < 2; i++) {
		vc_wait(&a[i].c, a[i].out, 0);
		vc_wait(&b[i].c, b[i].out, 0);
		assert_int_equal(vc_fence_status(&a[i].c, a[i].out), -ENOLINK);
		assert_int_equal(vc_fence_status(&b[i].c, b[i].out), 1);
	}
	assert_int_equal(vc_debugfs_write(minor0, "link_up", "1"), 1);
	/* Back up: the same communicator's next collective meets again. */
	for (unsigned int i = 0; i < 2; i++)
		submit_allreduce(&a[i]);
	for (unsigned int i = 0; i < 2; i++) {
		vc_wait(&a[i].c, a[i].out, 0);
		assert_int_equal(vc_fence_status(&a[i].c, a[i].out), 1);
	}
	ranks_close(b, 2);
	ranks_close(a, 2);
}

static void submit_p2p(struct rank *r, uint16_t opcode, uint32_t peer, uint32_t tag,
		       uint64_t off, uint64_t size)
{
	struct vtrain_pkt_p2p p = { .comm = r->comm, .peer = peer, .tag = tag,
				    .addr = r->bo.addr + off, .size = size };
	struct vt_stream s = { .n = 0 };

	VT_EMIT(&s, opcode, 0, p);
	assert_int_equal(vt_submit(&r->c, &s, NULL, 0, r->out), 0);
}

/* Two SENDs with different tags meet the RECVs of their tags, each into its own place. */
static void test_p2p_send_recv_match_by_tag(void **state)
{
	static const unsigned int pair[] = { 0, 3 };
	struct rank r[2];
	uint32_t out2;

	(void)state;
	ranks_open(r, pair, 2);
	for (unsigned int k = 0; k < 1000; k++) {
		r[0].bo.map[k] = (uint8_t)(k * 7);
		r[0].bo.map[0x1000 + k] = (uint8_t)(k * 13 + 1);
	}
	out2 = vc_syncobj(&r[1].c, 0);
	submit_p2p(&r[0], VTRAIN_OP_P2P_SEND, 1, 5, 0, 1000);
	submit_p2p(&r[0], VTRAIN_OP_P2P_SEND, 1, 6, 0x1000, 1000);
	/* The receiver's two jobs: tag 5 then tag 6, each into its own place. */
	submit_p2p(&r[1], VTRAIN_OP_P2P_RECV, 0, 5, 0x4000, 1000);
	{
		struct vtrain_pkt_p2p p = { .comm = r[1].comm, .peer = 0, .tag = 6,
					    .addr = r[1].bo.addr + 0x8000, .size = 1000 };
		struct vt_stream s = { .n = 0 };

		VT_EMIT(&s, VTRAIN_OP_P2P_RECV, 0, p);
		assert_int_equal(vt_submit(&r[1].c, &s, NULL, 0, out2), 0);
	}
	vc_wait(&r[0].c, r[0].out, 0);
	vc_wait(&r[1].c, out2, 0);
	assert_int_equal(vc_fence_status(&r[0].c, r[0].out), 1);
	assert_int_equal(vc_fence_status(&r[1].c, out2), 1);
	assert_memory_equal(r[1].bo.map + 0x4000, r[0].bo.map, 1000);
	assert_memory_equal(r[1].bo.map + 0x8000, r[0].bo.map + 0x1000, 1000);
	ranks_close(r, 2);
}

static void test_p2p_size_mismatch_is_emsgsize(void **state)
{
	static const unsigned int pair[] = { 1, 2 };
	struct rank r[2];

	(void)state;
	ranks_open(r, pair, 2);
	submit_p2p(&r[0], VTRAIN_OP_P2P_SEND, 1, 0, 0, 64);
	submit_p2p(&r[1], VTRAIN_OP_P2P_RECV, 0, 0, 0, 128);
	for (unsigned int i = 0; i < 2; i++) {
		vc_wait(&r[i].c, r[i].out, 0);
		assert_int_equal(vc_fence_status(&r[i].c, r[i].out), -EMSGSIZE);
	}
	ranks_close(r, 2);
}

static char *link_state(const char *card, unsigned int peer)
{
	char path[128];

	snprintf(path, sizeof(path), "devices/platform/%s/links/%u/state", card, peer);
	return core_attr_text(path);
}

/* sysfs links/<peer>/: bytes grow with an all-reduce; state and errors follow a fault. */
static void test_link_sysfs_telemetry(void **state)
{
	static const unsigned int pair[] = { 1, 2 };
	uint64_t bytes0 = vc_sysfs_u64("vtrain.1", "links/2/bytes");
	uint64_t errors0 = vc_sysfs_u64("vtrain.1", "links/2/errors");
	struct rank r[2];
	char *st, *fdinfo;

	(void)state;
	st = link_state("vtrain.1", 2);
	assert_non_null(st);
	assert_string_equal(st, "up\n");
	free(st);
	ranks_open(r, pair, 2);
	for (unsigned int i = 0; i < 2; i++)
		submit_allreduce(&r[i]);
	for (unsigned int i = 0; i < 2; i++)
		vc_wait(&r[i].c, r[i].out, 0);
	assert_true(vc_sysfs_u64("vtrain.1", "links/2/bytes") >= bytes0 + 64 * 4);
	assert_int_equal(vc_sysfs_u64("vtrain.2", "links/1/bytes"),
			 vc_sysfs_u64("vtrain.1", "links/2/bytes"));
	fdinfo = vc_fdinfo_text(&r[0].c);
	assert_non_null(strstr(fdinfo, "drm-engine-compute:"));
	free(fdinfo);
	assert_int_equal(vc_debugfs_write(vc_minor("vtrain.2"), "link_down", "1"), 1);
	st = link_state("vtrain.1", 2);
	assert_string_equal(st, "down\n");
	free(st);
	for (unsigned int i = 0; i < 2; i++)
		submit_allreduce(&r[i]);
	for (unsigned int i = 0; i < 2; i++) {
		vc_wait(&r[i].c, r[i].out, 0);
		assert_int_equal(vc_fence_status(&r[i].c, r[i].out), -ENOLINK);
	}
	assert_true(vc_sysfs_u64("vtrain.1", "links/2/errors") > errors0);
	assert_int_equal(vc_debugfs_write(vc_minor("vtrain.2"), "link_up", "1"), 1);
	ranks_close(r, 2);
}

static void test_comm_create_checks_ranks(void **state)
{
	struct vtrain_rank ranks[2] = { { 0, 0 }, { 0, 0 } };
	struct drm_vtrain_comm_create cc = { .key = 1, .num_ranks = 2, .ranks = (uintptr_t)ranks };
	struct drm_vtrain_comm_destroy cd = { .comm = 12345 };
	struct vc_client c;

	(void)state;
	vc_open(&c, "vtrain.0");
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_COMM_CREATE, &cc), -EINVAL); /* twice */
	ranks[0].card = 1;
	ranks[1].card = 2;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_COMM_CREATE, &cc), -EINVAL); /* not me */
	ranks[1] = (struct vtrain_rank){ .host = 0, .card = 9 };
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_COMM_CREATE, &cc), -ENOLINK);
	ranks[1] = (struct vtrain_rank){ .host = 0, .card = 0 };
	cc.key = 0;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_COMM_CREATE, &cc), -EINVAL);
	cc.key = 1;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_COMM_CREATE, &cc), 0);
	assert_int_equal(cc.my_rank, 1);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_COMM_DESTROY, &cd), -ENOENT);
	cd.comm = cc.comm;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_COMM_DESTROY, &cd), 0);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_COMM_DESTROY, &cd), -ENOENT);
	vc_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allreduce_two_cards_matches_reference),
		cmocka_unit_test(test_allreduce_four_cards_matches_reference),
		cmocka_unit_test(test_allgather_and_broadcast_place_every_rank),
		cmocka_unit_test(test_reduce_scatter_and_barrier),
		cmocka_unit_test(test_disagreeing_ranks_fail_with_einval),
		cmocka_unit_test(test_missing_peer_fails_with_etimedout),
		cmocka_unit_test(test_link_down_fails_collective_with_enolink),
		cmocka_unit_test(test_p2p_send_recv_match_by_tag),
		cmocka_unit_test(test_p2p_size_mismatch_is_emsgsize),
		cmocka_unit_test(test_link_sysfs_telemetry),
		cmocka_unit_test(test_comm_create_checks_ranks),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
