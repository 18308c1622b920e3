// SPDX-License-Identifier: MIT
/*
 * CONV2D's packed weights (VNPU_CONV2D_F_PACK_SIZE, F_PACK_WEIGHTS, F_WEI_PACKED): the size a
 * program learns, packing, convolutions on packed weights giving exactly what the same
 * convolution gives on OHWI weights, and the validator's refusals.
 */
#include "vnpu_test.h"

static size_t conv_out_elems(const struct vnpu_pkt_conv2d *p)
{
	uint32_t oh = (p->h + p->pad_top + p->pad_bottom - ((p->kh - 1) * p->dil_h + 1)) / p->stride_h + 1;
	uint32_t ow = (p->w + p->pad_left + p->pad_right - ((p->kw - 1) * p->dil_w + 1)) / p->stride_w + 1;

	return (size_t)p->n * oh * ow * p->oc;
}

static size_t conv_wei_elems(const struct vnpu_pkt_conv2d *p)
{
	return (size_t)p->oc * p->kh * p->kw * (p->c / p->groups);
}

static uint32_t es_of(uint32_t dt)
{
	return dt == VNPU_DT_BF16 ? 2 : 4;
}

/* Run a PACK_SIZE packet for @p (with @flags' F_BIAS); the size it wrote. */
static uint64_t pack_size(struct vt *t, struct vnpu_pkt_conv2d p, uint32_t flags)
{
	uint64_t va = vt_alloc(t, 8), size;

	p.src_va = p.wei_va = p.bias_va = 0;
	p.dst_va = va;
	vt_emit(t, VNPU_OP_CONV2D, (flags & VNPU_CONV2D_F_BIAS) | VNPU_CONV2D_F_PACK_SIZE, p);
	assert_int_equal(vt_run(t), 0);
	vt_assert_only_written(t, va, 8);
	memcpy(&size, vt_ptr(t, va), 8);
	return size;
}

/*
 * Pack random weights for @p, then run the convolution on the OHWI weights and on the packed
 * ones: the outputs must be the same bits (one kernel, one layout, no other arithmetic).
 */
static void run_packed_equals_plain(struct vt *t, struct vnpu_pkt_conv2d p, uint32_t flags)
{
	uint32_t es = es_of(p.dtype);
	size_t src_n = (size_t)p.n * p.h * p.w * p.c, wei_n = conv_wei_elems(&p);
	size_t dst_n = conv_out_elems(&p);
	uint64_t wei, packed, dst_plain, dst_packed, size;
	struct vnpu_pkt_conv2d q;
	double *ref = calloc(src_n + wei_n + p.oc, sizeof(double));

	assert_non_null(ref);
	p.src_va = vt_alloc(t, src_n * es);
	wei = vt_alloc(t, wei_n * es);
	vt_fill_random(t, p.src_va, p.dtype, src_n, ref);
	vt_fill_random(t, wei, p.dtype, wei_n, ref + src_n);
	if (flags & VNPU_CONV2D_F_BIAS) {
		p.bias_va = vt_alloc(t, p.oc * 4);
		vt_fill_random(t, p.bias_va, VNPU_DT_F32, p.oc, ref + src_n + wei_n);
	}
	size = pack_size(t, p, flags);
	packed = vt_alloc(t, size);

	q = p;
	q.src_va = q.bias_va = 0;
	q.wei_va = wei;
	q.dst_va = packed;
	vt_emit(t, VNPU_OP_CONV2D, (flags & VNPU_CONV2D_F_BIAS) | VNPU_CONV2D_F_PACK_WEIGHTS, q);
	assert_int_equal(vt_run(t), 0);
	vt_assert_only_written(t, packed, size);

	dst_plain = vt_alloc(t, dst_n * es);
	dst_packed = vt_alloc(t, dst_n * es);
	q = p;
	q.wei_va = wei;
	q.dst_va = dst_plain;
	vt_emit(t, VNPU_OP_CONV2D, flags, q);
	q.wei_va = packed;
	q.dst_va = dst_packed;
	vt_emit(t, VNPU_OP_CONV2D, flags | VNPU_CONV2D_F_WEI_PACKED, q);
	assert_int_equal(vt_run(t), 0);
	assert_memory_equal(vt_ptr(t, dst_plain), vt_ptr(t, dst_packed), dst_n * es);
	free(ref);
}

static const struct vnpu_pkt_conv2d conv3x3 = {
	.dtype = VNPU_DT_F32, .n = 1, .h = 10, .w = 9, .c = 16, .oc = 24, .kh = 3, .kw = 3,
	.groups = 1, .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1, .pad_bottom = 1,
	.pad_right = 1, .dil_h = 1, .dil_w = 1,
};

static void test_pack_size_holds_the_dense_weights(void **state)
{
	struct vt *t = *state;

	assert_true(pack_size(t, conv3x3, 0) >= conv_wei_elems(&conv3x3) * 4);
}

static void test_packed_f32_bias_relu_equals_plain(void **state)
{
	struct vnpu_pkt_conv2d p = conv3x3;

	p.act = VNPU_ACT_RELU;
	p.stride_h = 2;
	run_packed_equals_plain(*state, p, VNPU_CONV2D_F_BIAS);
}

static void test_packed_grouped_equals_plain(void **state)
{
	struct vnpu_pkt_conv2d p = conv3x3;

	p.c = 12;
	p.oc = 6;
	p.groups = 3;
	run_packed_equals_plain(*state, p, 0);
}

static void test_packed_depthwise_bias_sigmoid_equals_plain(void **state)
{
	struct vnpu_pkt_conv2d p = conv3x3;

	p.c = p.oc = p.groups = 32;
	p.act = VNPU_ACT_SIGMOID;
	run_packed_equals_plain(*state, p, VNPU_CONV2D_F_BIAS);
}

/* bf16: natively or emulated (f32 packed weights then), the same bits as unpacked */
static void test_packed_bf16_equals_plain(void **state)
{
	struct vnpu_pkt_conv2d p = conv3x3;

	p.dtype = VNPU_DT_BF16;
	p.act = VNPU_ACT_TANH;
	run_packed_equals_plain(*state, p, VNPU_CONV2D_F_BIAS);
}

/* Packed weights whose packed extent runs past the mapping fault, the conv does not run. */
static void test_packed_operand_too_small_faults(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_conv2d p = conv3x3;
	uint64_t size = pack_size(t, p, 0), wei;

	p.src_va = vt_alloc(t, (size_t)p.n * p.h * p.w * p.c * 4);
	p.dst_va = vt_alloc(t, conv_out_elems(&p) * 4);
	/* the dense weights fit before the arena's end, the packed ones do not */
	wei = (VT_RW_BASE + VT_RW_SIZE - size + 64) & ~63ull;
	p.wei_va = wei;
	vt_emit(t, VNPU_OP_CONV2D, VNPU_CONV2D_F_WEI_PACKED, p);
	assert_int_equal(vt_run(t), -EFAULT);
	assert_int_equal(t->res.fault_va, wei);
	assert_int_equal(t->res.fault_len, size);
	vt_assert_untouched(t);
}

static void test_pack_destination_too_small_faults(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_conv2d p = conv3x3;
	uint64_t size = pack_size(t, p, 0);

	p.wei_va = vt_alloc(t, conv_wei_elems(&p) * 4);
	p.dst_va = (VT_RW_BASE + VT_RW_SIZE - size + 64) & ~63ull;
	vt_emit(t, VNPU_OP_CONV2D, VNPU_CONV2D_F_PACK_WEIGHTS, p);
	assert_int_equal(vt_run(t), -EFAULT);
	assert_int_equal(t->res.fault_len, size);
	vt_assert_untouched(t);
}

static void test_packed_operand_misaligned_is_invalid(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_conv2d p = conv3x3;
	uint64_t size = pack_size(t, p, 0);

	p.src_va = vt_alloc(t, (size_t)p.n * p.h * p.w * p.c * 4);
	p.dst_va = vt_alloc(t, conv_out_elems(&p) * 4);
	p.wei_va = vt_alloc(t, size + 64) + 4;
	vt_emit(t, VNPU_OP_CONV2D, VNPU_CONV2D_F_WEI_PACKED, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

/* Each packet alone, so that each refusal is its own. */
static void assert_conv_invalid(struct vt *t, struct vnpu_pkt_conv2d p, uint32_t flags)
{
	vt_emit(t, VNPU_OP_CONV2D, flags, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_bad_packing_flags_and_fields_are_invalid(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_conv2d p = conv3x3;
	uint64_t src = vt_alloc(t, 4096 * 4), wei = vt_alloc(t, 4096 * 4), out = vt_alloc(t, 65536);

	/* two packing flags at once */
	p.dst_va = out;
	assert_conv_invalid(t, p, VNPU_CONV2D_F_PACK_SIZE | VNPU_CONV2D_F_PACK_WEIGHTS);
	p.wei_va = wei;
	assert_conv_invalid(t, p, VNPU_CONV2D_F_PACK_WEIGHTS | VNPU_CONV2D_F_WEI_PACKED);
	p.src_va = src;
	assert_conv_invalid(t, p, VNPU_CONV2D_F_PACK_SIZE | VNPU_CONV2D_F_WEI_PACKED);
	/* PACK_SIZE reads no weights; packing reads no source, no bias */
	p.src_va = 0;
	assert_conv_invalid(t, p, VNPU_CONV2D_F_PACK_SIZE);
	p.src_va = src;
	assert_conv_invalid(t, p, VNPU_CONV2D_F_PACK_WEIGHTS);
	p.src_va = 0;
	p.bias_va = src;
	assert_conv_invalid(t, p, VNPU_CONV2D_F_BIAS | VNPU_CONV2D_F_PACK_WEIGHTS);
	/* packing onto the weights themselves */
	p.bias_va = 0;
	p.dst_va = wei;
	assert_conv_invalid(t, p, VNPU_CONV2D_F_PACK_WEIGHTS);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, vt_setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pack_size_holds_the_dense_weights),
		T(test_packed_f32_bias_relu_equals_plain),
		T(test_packed_grouped_equals_plain),
		T(test_packed_depthwise_bias_sigmoid_equals_plain),
		T(test_packed_bf16_equals_plain),
		T(test_packed_operand_too_small_faults),
		T(test_pack_destination_too_small_faults),
		T(test_packed_operand_misaligned_is_invalid),
		T(test_bad_packing_flags_and_fields_are_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
