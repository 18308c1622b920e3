// SPDX-License-Identifier: MIT
/*
 * CONV2D's ACCUMULATE flag: dst = act(conv(src) + bias + dst), the residual sum made by the
 * convolution (checked against a float64 reference, on OHWI and on packed weights), and the
 * validator's refusals (with a packing flag, a destination overlapping the source).
 */
#include "vnpu_test.h"

static const struct vnpu_pkt_conv2d conv3x3 = {
	.dtype = VNPU_DT_F32, .n = 2, .h = 7, .w = 6, .c = 16, .oc = 24, .kh = 3, .kw = 3,
	.groups = 1, .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1, .pad_bottom = 1,
	.pad_right = 1, .dil_h = 1, .dil_w = 1,
};

static size_t out_hw(const struct vnpu_pkt_conv2d *p, uint32_t *oh, uint32_t *ow)
{
	*oh = (p->h + p->pad_top + p->pad_bottom - ((p->kh - 1) * p->dil_h + 1)) / p->stride_h + 1;
	*ow = (p->w + p->pad_left + p->pad_right - ((p->kw - 1) * p->dil_w + 1)) / p->stride_w + 1;
	return (size_t)p->n * *oh * *ow * p->oc;
}

static size_t wei_elems(const struct vnpu_pkt_conv2d *p)
{
	return (size_t)p->oc * p->kh * p->kw * (p->c / p->groups);
}

/*
 * The float64 reference of act(conv + bias + acc) for NHWC @src, OHWI-per-group @wei, @bias
 * (NULL: none) and the destination's prior contents @acc, into @ref; @mag the magnitude of
 * the terms of each.
 */
static void conv_ref(const struct vnpu_pkt_conv2d *p, const double *src, const double *wei,
		     const double *bias, const double *acc, double *ref, double *mag)
{
	uint32_t oh, ow, icg = p->c / p->groups, ocg = p->oc / p->groups;

	out_hw(p, &oh, &ow);
	for (uint32_t b = 0; b < p->n; b++)
		for (uint32_t y = 0; y < oh; y++)
			for (uint32_t x = 0; x < ow; x++)
				for (uint32_t o = 0; o < p->oc; o++) {
					size_t di = (((size_t)b * oh + y) * ow + x) * p->oc + o;
					uint32_t g = o / ocg;
					double s = acc[di] + (bias ? bias[o] : 0), m = fabs(s);

					for (uint32_t r = 0; r < p->kh; r++)
						for (uint32_t q = 0; q < p->kw; q++) {
							long iy = (long)(y * p->stride_h + r * p->dil_h) - p->pad_top;
							long ix = (long)(x * p->stride_w + q * p->dil_w) - p->pad_left;

							if (iy < 0 || ix < 0 || iy >= p->h || ix >= p->w)
								continue;
							for (uint32_t i = 0; i < icg; i++) {
								double v = src[(((size_t)b * p->h + iy) * p->w + ix) * p->c + g * icg + i] *
									   wei[(((size_t)o * p->kh + r) * p->kw + q) * icg + i];

								s += v;
								m += fabs(v);
							}
						}
					ref[di] = vt_act(p->act, s);
					mag[di] = m;
				}
}

/*
 * Random source, weights, bias and destination; one ACCUMULATE convolution (@flags added,
 * packing the weights first with WEI_PACKED): the destination must be the reference.
 */
static void run_accumulate(struct vt *t, struct vnpu_pkt_conv2d p, uint32_t flags)
{
	uint32_t es = p.dtype == VNPU_DT_BF16 ? 2 : 4, oh, ow;
	size_t src_n = (size_t)p.n * p.h * p.w * p.c, wei_n = wei_elems(&p);
	size_t dst_n = out_hw(&p, &oh, &ow);
	double *src = calloc(src_n, sizeof(double)), *wei = calloc(wei_n, sizeof(double));
	double *bias = calloc(p.oc, sizeof(double)), *acc = calloc(dst_n, sizeof(double));
	double *ref = calloc(dst_n, sizeof(double)), *mag = calloc(dst_n, sizeof(double));
	uint64_t wva;

	assert_true(src && wei && bias && acc && ref && mag);
	p.src_va = vt_alloc(t, src_n * es);
	wva = vt_alloc(t, wei_n * es);
	p.bias_va = vt_alloc(t, p.oc * 4);
	p.dst_va = vt_alloc(t, dst_n * es);
	vt_fill_random(t, p.src_va, p.dtype, src_n, src);
	vt_fill_random(t, wva, p.dtype, wei_n, wei);
	vt_fill_random(t, p.bias_va, VNPU_DT_F32, p.oc, bias);
	vt_fill_random(t, p.dst_va, p.dtype, dst_n, acc);
	conv_ref(&p, src, wei, bias, acc, ref, mag);
	p.wei_va = wva;
	if (flags & VNPU_CONV2D_F_WEI_PACKED) {
		struct vnpu_pkt_conv2d q = p;
		uint64_t size_va = vt_alloc(t, 8), size;

		/* packed as for the packet without ACCUMULATE (the layout does not depend on it) */
		q.src_va = q.wei_va = q.bias_va = 0;
		q.dst_va = size_va;
		vt_emit(t, VNPU_OP_CONV2D, VNPU_CONV2D_F_BIAS | VNPU_CONV2D_F_PACK_SIZE, q);
		assert_int_equal(vt_run(t), 0);
		memcpy(&size, vt_ptr(t, size_va), 8);
		q.wei_va = wva;
		q.dst_va = vt_alloc(t, size);
		vt_emit(t, VNPU_OP_CONV2D, VNPU_CONV2D_F_BIAS | VNPU_CONV2D_F_PACK_WEIGHTS, q);
		assert_int_equal(vt_run(t), 0);
		p.wei_va = q.dst_va;
	}
	vt_emit(t, VNPU_OP_CONV2D, VNPU_CONV2D_F_BIAS | VNPU_CONV2D_F_ACCUMULATE | flags, p);
	assert_int_equal(vt_run(t), 0);
	vt_check(t, p.dst_va, p.dtype, dst_n, ref, mag, 0);
	free(src);
	free(wei);
	free(bias);
	free(acc);
	free(ref);
	free(mag);
}

static void test_accumulate_adds_the_destination_before_relu(void **state)
{
	struct vnpu_pkt_conv2d p = conv3x3;

	p.act = VNPU_ACT_RELU;
	run_accumulate(*state, p, 0);
}

static void test_accumulate_without_epilogue(void **state)
{
	run_accumulate(*state, conv3x3, 0);
}

static void test_accumulate_on_packed_weights(void **state)
{
	struct vnpu_pkt_conv2d p = conv3x3;

	p.act = VNPU_ACT_RELU;
	p.stride_h = p.stride_w = 2;
	run_accumulate(*state, p, VNPU_CONV2D_F_WEI_PACKED);
}

static void test_accumulate_pointwise_clip_on_packed_weights(void **state)
{
	struct vnpu_pkt_conv2d p = conv3x3;

	p.kh = p.kw = 1;
	p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 0;
	p.act = VNPU_ACT_CLIP;
	p.act_alpha = vt_f32_bits(VT_CLIP_LO);
	p.act_beta = vt_f32_bits(VT_CLIP_HI);
	run_accumulate(*state, p, VNPU_CONV2D_F_WEI_PACKED);
}

static void test_accumulate_bf16(void **state)
{
	struct vnpu_pkt_conv2d p = conv3x3;

	p.dtype = VNPU_DT_BF16;
	p.act = VNPU_ACT_RELU;
	run_accumulate(*state, p, 0);
}

/* Each packet alone, so that each refusal is its own. */
static void assert_conv_invalid(struct vt *t, struct vnpu_pkt_conv2d p, uint32_t flags)
{
	vt_emit(t, VNPU_OP_CONV2D, flags, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_accumulate_with_packing_is_invalid(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_conv2d p = conv3x3;

	p.dst_va = vt_alloc(t, 65536);
	assert_conv_invalid(t, p, VNPU_CONV2D_F_PACK_SIZE | VNPU_CONV2D_F_ACCUMULATE);
	p.wei_va = vt_alloc(t, wei_elems(&p) * 4);
	assert_conv_invalid(t, p, VNPU_CONV2D_F_PACK_WEIGHTS | VNPU_CONV2D_F_ACCUMULATE);
}

/* The engine reads the destination as it writes it: a source under it is refused. */
static void test_accumulate_onto_the_source_is_invalid(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_conv2d p = conv3x3;
	uint32_t oh, ow;
	size_t src_b = (size_t)p.n * p.h * p.w * p.c * 4, dst_b = out_hw(&p, &oh, &ow) * 4;

	p.src_va = vt_alloc(t, src_b + dst_b);
	p.wei_va = vt_alloc(t, wei_elems(&p) * 4);
	p.dst_va = p.src_va + src_b - 4;
	assert_conv_invalid(t, p, VNPU_CONV2D_F_ACCUMULATE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, vt_setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_accumulate_adds_the_destination_before_relu),
		T(test_accumulate_without_epilogue),
		T(test_accumulate_on_packed_weights),
		T(test_accumulate_pointwise_clip_on_packed_weights),
		T(test_accumulate_bf16),
		T(test_accumulate_with_packing_is_invalid),
		T(test_accumulate_onto_the_source_is_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
