// SPDX-License-Identifier: MIT
/*
 * The vtrain uAPI's binary layout: every packet is a whole number of 8-byte units (the framing
 * rule shared with vnpu), the packet header is vnpu's so that the framing code is shared, and
 * each ioctl struct has the size and field offsets user space was built against (no implicit
 * padding, which would differ between 32- and 64-bit ABIs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <uapi/drm/vnpu_accel.h>
#include <uapi/drm/vtrain_accel.h>

static void test_vtrain_pkt_header_is_vnpu_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct vtrain_pkt_header), sizeof(struct vnpu_pkt_header));
	assert_int_equal(offsetof(struct vtrain_pkt_header, opcode),
			 offsetof(struct vnpu_pkt_header, opcode));
	assert_int_equal(offsetof(struct vtrain_pkt_header, length),
			 offsetof(struct vnpu_pkt_header, length));
	assert_int_equal(offsetof(struct vtrain_pkt_header, flags),
			 offsetof(struct vnpu_pkt_header, flags));
}

static void test_vtrain_shared_opcodes_match_vnpu(void **state)
{
	(void)state;
	assert_int_equal(VTRAIN_OP_NOP, VNPU_OP_NOP);
	assert_int_equal(VTRAIN_OP_FENCE_WRITE, VNPU_OP_FENCE_WRITE);
	assert_int_equal(VTRAIN_OP_DMA_COPY, VNPU_OP_DMA_COPY);
	assert_int_equal(VTRAIN_OP_DMA_FILL, VNPU_OP_DMA_FILL);
}

/* Size of each packet as shipped; a changed size is an ABI break (append, zero tail = old). */
static void test_vtrain_packet_sizes_are_fixed_multiples_of_8(void **state)
{
	static const struct { size_t size, expect; } pkts[] = {
		{ sizeof(struct vtrain_pkt_nop), 8 },
		{ sizeof(struct vtrain_pkt_fence_write), 24 },
		{ sizeof(struct vtrain_pkt_dma_copy), 32 },
		{ sizeof(struct vtrain_pkt_dma_fill), 32 },
		{ sizeof(struct vtrain_pkt_matmul), 72 },
		{ sizeof(struct vtrain_pkt_elementwise), 56 },
		{ sizeof(struct vtrain_pkt_activation), 40 },
		{ sizeof(struct vtrain_pkt_activation_grad), 48 },
		{ sizeof(struct vtrain_pkt_reduce), 40 },
		{ sizeof(struct vtrain_pkt_softmax_xent), 48 },
		{ sizeof(struct vtrain_pkt_softmax_xent_grad), 48 },
		{ sizeof(struct vtrain_pkt_sgd_momentum), 56 },
		{ sizeof(struct vtrain_pkt_adam), 72 },
		{ sizeof(struct vtrain_pkt_p2p), 40 },
		{ sizeof(struct vtrain_pkt_collective), 48 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++) {
		assert_int_equal(pkts[i].size % 8, 0);
		assert_int_equal(pkts[i].size, pkts[i].expect);
	}
}

static void test_vtrain_ioctl_structs_have_no_implicit_padding(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct drm_vtrain_get_param), 16);
	assert_int_equal(sizeof(struct drm_vtrain_bo_create), 16);
	assert_int_equal(sizeof(struct drm_vtrain_bo_info), 32);
	assert_int_equal(offsetof(struct drm_vtrain_bo_info, dev_addr), 24);
	assert_int_equal(sizeof(struct drm_vtrain_sync), 16);
	assert_int_equal(sizeof(struct drm_vtrain_submit), 64);
	assert_int_equal(offsetof(struct drm_vtrain_submit, out_sync), 32);
	assert_int_equal(offsetof(struct drm_vtrain_submit, job_id), 56);
	assert_int_equal(sizeof(struct vtrain_rank), 8);
	assert_int_equal(sizeof(struct drm_vtrain_comm_create), 32);
	assert_int_equal(sizeof(struct drm_vtrain_comm_destroy), 8);
}

static void test_vtrain_ioctl_numbers_are_distinct(void **state)
{
	const unsigned long nr[] = {
		DRM_IOCTL_VTRAIN_GET_PARAM, DRM_IOCTL_VTRAIN_BO_CREATE, DRM_IOCTL_VTRAIN_BO_INFO,
		DRM_IOCTL_VTRAIN_SUBMIT, DRM_IOCTL_VTRAIN_COMM_CREATE,
		DRM_IOCTL_VTRAIN_COMM_DESTROY,
	};
	(void)state;
	for (size_t i = 0; i < sizeof(nr) / sizeof(nr[0]); i++)
		for (size_t j = i + 1; j < sizeof(nr) / sizeof(nr[0]); j++)
			assert_true(nr[i] != nr[j]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vtrain_pkt_header_is_vnpu_layout),
		cmocka_unit_test(test_vtrain_shared_opcodes_match_vnpu),
		cmocka_unit_test(test_vtrain_packet_sizes_are_fixed_multiples_of_8),
		cmocka_unit_test(test_vtrain_ioctl_structs_have_no_implicit_padding),
		cmocka_unit_test(test_vtrain_ioctl_numbers_are_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
