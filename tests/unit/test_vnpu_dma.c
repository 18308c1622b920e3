// SPDX-License-Identifier: MIT
/*
 * vnpu DMA packets: COPY at any alignment and with overlap, FILL at every width; and the
 * fill's size and alignment rules.
 */
#include "vnpu_test.h"

static void test_dma_copy_unaligned(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy p = { .size = 1001 };
	uint8_t *src;
	uint64_t i;

	p.src_va = vt_alloc(t, 2048) + 3;
	p.dst_va = vt_alloc(t, 2048) + 5;
	src = vt_ptr(t, p.src_va);
	for (i = 0; i < p.size; i++)
		src[i] = (uint8_t)vt_rand(t);
	vt_emit(t, VNPU_OP_DMA_COPY, 0, p);
	assert_int_equal(vt_run(t), 0);
	assert_memory_equal(vt_ptr(t, p.dst_va), src, p.size);
	vt_assert_only_written(t, p.dst_va, p.size);
	assert_true(t->res.busy_ns[VNPU_EXEC_DMA] > 0);
}

static void test_dma_copy_overlapping_moves(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy p = { .size = 600 };
	uint8_t want[600], *buf;
	uint64_t base = vt_alloc(t, 1024);
	int i;

	buf = vt_ptr(t, base);
	for (i = 0; i < 1024; i++)
		buf[i] = (uint8_t)vt_rand(t);
	memcpy(want, buf, sizeof(want));
	p.src_va = base;
	p.dst_va = base + 100;
	vt_emit(t, VNPU_OP_DMA_COPY, 0, p);
	assert_int_equal(vt_run(t), 0);
	assert_memory_equal(buf + 100, want, sizeof(want));
	vt_assert_only_written(t, p.dst_va, p.size);
}

static void test_dma_fill_every_width(void **state)
{
	struct vt *t = *state;
	static const uint32_t widths[] = { 1, 2, 4, 8 };
	uint64_t value = 0x0123456789abcdefull;
	size_t w;

	for (w = 0; w < 4; w++) {
		struct vnpu_pkt_dma_fill p = { .size = 64 * widths[w], .value = value,
					       .width = widths[w] };
		uint8_t *dst;
		uint64_t i;

		p.dst_va = vt_alloc(t, p.size);
		vt_emit(t, VNPU_OP_DMA_FILL, 0, p);
		assert_int_equal(vt_run(t), 0);
		dst = vt_ptr(t, p.dst_va);
		for (i = 0; i < p.size; i++)
			assert_int_equal(dst[i], (value >> (8 * (i % widths[w]))) & 0xff);
		vt_assert_only_written(t, p.dst_va, p.size);
	}
}

static void test_dma_fill_size_not_multiple_of_width_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_fill p = { .size = 30, .value = 1, .width = 4 };

	p.dst_va = vt_alloc(t, 64);
	vt_emit(t, VNPU_OP_DMA_FILL, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_dma_fill_bad_width_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_fill p = { .size = 24, .value = 1, .width = 3 };

	p.dst_va = vt_alloc(t, 64);
	vt_emit(t, VNPU_OP_DMA_FILL, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_dma_fill_misaligned_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_fill p = { .size = 32, .value = 1, .width = 8 };

	p.dst_va = vt_alloc(t, 64) + 4;
	vt_emit(t, VNPU_OP_DMA_FILL, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_dma_copy_zero_size_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy p = { .size = 0 };

	p.src_va = vt_alloc(t, 64);
	p.dst_va = vt_alloc(t, 64);
	vt_emit(t, VNPU_OP_DMA_COPY, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, vt_setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dma_copy_unaligned),
		T(test_dma_copy_overlapping_moves),
		T(test_dma_fill_every_width),
		T(test_dma_fill_size_not_multiple_of_width_einval),
		T(test_dma_fill_bad_width_einval),
		T(test_dma_fill_misaligned_einval),
		T(test_dma_copy_zero_size_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
