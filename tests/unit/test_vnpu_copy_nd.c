// SPDX-License-Identifier: MIT
/*
 * vnpu DMA_COPY_ND: the strided N-D copy moves every element of the index space from its
 * source to its destination position (each element size, broadcast by a zero source stride,
 * gaps in the destination left alone), and the parser refuses what would alias writes,
 * overlap, misalign or overflow, before anything is written.
 */
#include "vnpu_test.h"

/* Fill @n bytes at @va with a counting pattern that differs from the poison. */
static void cn_pattern(struct vt *t, uint64_t va, size_t n)
{
	uint8_t *p = vt_ptr(t, va);

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 1);
}

/* The reference: the same walk as the packet describes, element by element, into @ref. */
static void cn_reference(const struct vnpu_pkt_dma_copy_nd *p, const uint8_t *src, uint8_t *ref)
{
	uint64_t idx[VNPU_COPY_ND_MAX_DIMS] = { 0 }, total = 1;

	for (uint32_t d = 0; d < p->ndims; d++)
		total *= p->dims[d];
	for (uint64_t n = 0; n < total; n++) {
		uint64_t rem = n, so = 0, dof = 0;

		for (uint32_t d = p->ndims; d-- > 0;) {
			idx[d] = rem % p->dims[d];
			rem /= p->dims[d];
			so += idx[d] * p->src_stride[d];
			dof += idx[d] * p->dst_stride[d];
		}
		memcpy(ref + dof * p->elem_size, src + so * p->elem_size, p->elem_size);
	}
}

/* Run @p (src_va, dst_va set) and compare the whole destination extent with the reference. */
static void cn_run_and_check(struct vt *t, struct vnpu_pkt_dma_copy_nd p, size_t src_bytes,
			     size_t dst_bytes)
{
	uint8_t *ref = malloc(dst_bytes);

	assert_non_null(ref);
	cn_pattern(t, p.src_va, src_bytes);
	memcpy(ref, vt_ptr(t, p.dst_va), dst_bytes);
	cn_reference(&p, vt_ptr(t, p.src_va), ref);
	vt_emit(t, VNPU_OP_DMA_COPY_ND, 0, p);
	assert_int_equal(vt_run(t), 0);
	assert_memory_equal(vt_ptr(t, p.dst_va), ref, dst_bytes);
	vt_assert_only_written(t, p.dst_va, dst_bytes);
	free(ref);
}

static void test_copy_nd_transposes_2d_f32(void **state)
{
	struct vt *t = *state;
	/* dst [5][3] from src [3][5]: dst (i, j) = src (j, i) */
	struct vnpu_pkt_dma_copy_nd p = { .elem_size = 4, .ndims = 2, .dims = { 5, 3 },
					  .src_stride = { 1, 5 }, .dst_stride = { 3, 1 } };

	p.src_va = vt_alloc(t, 15 * 4);
	p.dst_va = vt_alloc(t, 15 * 4);
	cn_run_and_check(t, p, 15 * 4, 15 * 4);
}

static void test_copy_nd_broadcasts_a_zero_source_stride(void **state)
{
	struct vt *t = *state;
	/* a row of 4 two-byte elements repeated 6 times */
	struct vnpu_pkt_dma_copy_nd p = { .elem_size = 2, .ndims = 2, .dims = { 6, 4 },
					  .src_stride = { 0, 1 }, .dst_stride = { 4, 1 } };

	p.src_va = vt_alloc(t, 4 * 2);
	p.dst_va = vt_alloc(t, 24 * 2);
	cn_run_and_check(t, p, 4 * 2, 24 * 2);
	assert_memory_equal(vt_ptr(t, p.dst_va), vt_ptr(t, p.dst_va + 8), 8);
}

static void test_copy_nd_6d_leaves_destination_gaps(void **state)
{
	struct vt *t = *state;
	/* 8-byte elements into every other position of each dimension of a larger block */
	struct vnpu_pkt_dma_copy_nd p = { .elem_size = 8, .ndims = 6,
					  .dims = { 2, 2, 3, 2, 2, 3 } };
	uint64_t s = 1, d = 1;
	size_t n = 2 * 2 * 3 * 2 * 2 * 3, extent;

	for (int i = 5; i >= 0; i--) {
		p.src_stride[i] = s;
		p.dst_stride[i] = 2 * d;
		s *= p.dims[i];
		d *= 2 * p.dims[i];
	}
	extent = (size_t)d * 8;
	p.src_va = vt_alloc(t, n * 8);
	p.dst_va = vt_alloc(t, extent);
	cn_run_and_check(t, p, n * 8, extent);
	/* the element after the first was skipped: still the poison */
	assert_int_equal(((uint8_t *)vt_ptr(t, p.dst_va))[8], VT_POISON);
}

static void test_copy_nd_single_bytes_with_offset_strides(void **state)
{
	struct vt *t = *state;
	/* a 3-D slice with steps of 2 and 3 out of a [4][6][5] byte tensor */
	struct vnpu_pkt_dma_copy_nd p = { .elem_size = 1, .ndims = 3, .dims = { 2, 2, 5 },
					  .src_stride = { 60, 15, 1 },
					  .dst_stride = { 10, 5, 1 } };

	p.src_va = vt_alloc(t, 120);
	p.dst_va = vt_alloc(t, 20);
	cn_run_and_check(t, p, 120, 20);
}

/* A packet the parser must refuse: -EINVAL at packet 0, nothing written. */
static void cn_expect_einval(struct vt *t, struct vnpu_pkt_dma_copy_nd p)
{
	vt_emit(t, VNPU_OP_DMA_COPY_ND, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	assert_int_equal(t->res.fail_index, 0);
	vt_assert_untouched(t);
}

static struct vnpu_pkt_dma_copy_nd cn_valid(struct vt *t)
{
	struct vnpu_pkt_dma_copy_nd p = { .elem_size = 4, .ndims = 2, .dims = { 4, 4 },
					  .src_stride = { 4, 1 }, .dst_stride = { 4, 1 } };

	/* room after the source: a shifted source still ends before the destination */
	p.src_va = vt_alloc(t, 128);
	p.dst_va = vt_alloc(t, 64);
	return p;
}

static void test_copy_nd_rejects_aliasing_writes(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy_nd p = cn_valid(t);

	p.dst_stride[0] = 2; /* rows 2 apart but 4 wide: row 1 overwrites half of row 0 */
	cn_expect_einval(t, p);
}

static void test_copy_nd_rejects_a_zero_destination_stride(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy_nd p = cn_valid(t);

	p.dst_stride[0] = 0;
	cn_expect_einval(t, p);
}

static void test_copy_nd_rejects_overlapping_ranges(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy_nd p = cn_valid(t);

	p.dst_va = p.src_va + 16;
	cn_expect_einval(t, p);
}

static void test_copy_nd_rejects_fields_past_ndims(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy_nd p = cn_valid(t);

	p.src_stride[2] = 1;
	cn_expect_einval(t, p);
}

static void test_copy_nd_rejects_a_misaligned_address(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy_nd p = cn_valid(t);

	p.src_va += 2;
	cn_expect_einval(t, p);
}

static void test_copy_nd_rejects_an_extent_that_overflows(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy_nd p = cn_valid(t);

	p.src_stride[0] = 1ull << 62;
	cn_expect_einval(t, p);
}

static void test_copy_nd_rejects_a_bad_element_size(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy_nd p = cn_valid(t);

	p.elem_size = 3;
	cn_expect_einval(t, p);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, vt_setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_copy_nd_transposes_2d_f32),
		T(test_copy_nd_broadcasts_a_zero_source_stride),
		T(test_copy_nd_6d_leaves_destination_gaps),
		T(test_copy_nd_single_bytes_with_offset_strides),
		T(test_copy_nd_rejects_aliasing_writes),
		T(test_copy_nd_rejects_a_zero_destination_stride),
		T(test_copy_nd_rejects_overlapping_ranges),
		T(test_copy_nd_rejects_fields_past_ndims),
		T(test_copy_nd_rejects_a_misaligned_address),
		T(test_copy_nd_rejects_an_extent_that_overflows),
		T(test_copy_nd_rejects_a_bad_element_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
