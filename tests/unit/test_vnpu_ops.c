// SPDX-License-Identifier: MIT
/*
 * vnpu tensor packets other than MATMUL, each against a float64 reference on fresh random
 * inputs and a poisoned destination, in f32 and bf16: CONV2D (NHWC; stride, padding,
 * dilation, groups, bias, activation), POOL2D (max, average with and without padding),
 * BINARY (every op, row broadcast, activation epilogue), ACTIVATION, SOFTMAX (every axis), LAYERNORM and
 * TRANSPOSE; and nothing outside the destination is written.
 */
#include "vnpu_test.h"

static double *vt_doubles(size_t n)
{
	double *p = calloc(n ? n : 1, sizeof(double));

	assert_non_null(p);
	return p;
}

static uint32_t vt_es(uint32_t dt)
{
	return dt == VNPU_DT_BF16 ? 2 : 4;
}

/* ---- conv2d ---- */

static void run_conv(struct vt *t, struct vnpu_pkt_conv2d p, uint32_t flags)
{
	uint32_t es = vt_es(p.dtype), g, icg = p.c / p.groups, ocg = p.oc / p.groups;
	uint32_t oh = (p.h + p.pad_top + p.pad_bottom - ((p.kh - 1) * p.dil_h + 1)) / p.stride_h + 1;
	uint32_t ow = (p.w + p.pad_left + p.pad_right - ((p.kw - 1) * p.dil_w + 1)) / p.stride_w + 1;
	size_t src_n = (size_t)p.n * p.h * p.w * p.c, wei_n = (size_t)p.oc * p.kh * p.kw * icg;
	size_t dst_n = (size_t)p.n * oh * ow * p.oc;
	double *src = vt_doubles(src_n), *wei = vt_doubles(wei_n), *bias = vt_doubles(p.oc);
	double *ref = vt_doubles(dst_n), *mag = vt_doubles(dst_n);
	uint32_t b, y, x, o, ky, kx, ci;

	p.src_va = vt_alloc(t, src_n * es);
	p.wei_va = vt_alloc(t, wei_n * es);
	p.dst_va = vt_alloc(t, dst_n * es);
	vt_fill_random(t, p.src_va, p.dtype, src_n, src);
	vt_fill_random(t, p.wei_va, p.dtype, wei_n, wei);
	if (flags & VNPU_CONV2D_F_BIAS) {
		p.bias_va = vt_alloc(t, p.oc * 4);
		vt_fill_random(t, p.bias_va, VNPU_DT_F32, p.oc, bias);
	}
	for (b = 0; b < p.n; b++)
	for (y = 0; y < oh; y++)
	for (x = 0; x < ow; x++)
	for (o = 0; o < p.oc; o++) {
		double s = bias[o], m = fabs(bias[o]);

		g = o / ocg;
		for (ky = 0; ky < p.kh; ky++)
		for (kx = 0; kx < p.kw; kx++) {
			long iy = (long)y * p.stride_h - p.pad_top + (long)ky * p.dil_h;
			long ix = (long)x * p.stride_w - p.pad_left + (long)kx * p.dil_w;

			if (iy < 0 || ix < 0 || iy >= p.h || ix >= p.w)
				continue;
			for (ci = 0; ci < icg; ci++) {
				double v = src[(((size_t)b * p.h + iy) * p.w + ix) * p.c + g * icg + ci];
				double w = wei[(((size_t)o * p.kh + ky) * p.kw + kx) * icg + ci];

				s += v * w;
				m += fabs(v * w);
			}
		}
		ref[(((size_t)b * oh + y) * ow + x) * p.oc + o] = vt_act(p.act, s);
		mag[(((size_t)b * oh + y) * ow + x) * p.oc + o] = m;
	}

	vt_emit(t, VNPU_OP_CONV2D, flags, p);
	assert_int_equal(vt_run(t), 0);
	vt_check(t, p.dst_va, p.dtype, dst_n, ref, mag, 0);
	vt_assert_only_written(t, p.dst_va, dst_n * es);
	free(src);
	free(wei);
	free(bias);
	free(ref);
	free(mag);
}

static void test_conv2d_f32_stride_pad_dilation_bias_relu(void **state)
{
	struct vnpu_pkt_conv2d p = {
		.dtype = VNPU_DT_F32, .act = VNPU_ACT_RELU, .n = 2, .h = 11, .w = 9, .c = 5,
		.oc = 7, .kh = 3, .kw = 2, .groups = 1, .stride_h = 2, .stride_w = 1,
		.pad_top = 1, .pad_left = 0, .pad_bottom = 2, .pad_right = 1, .dil_h = 1, .dil_w = 2,
	};

	run_conv(*state, p, VNPU_CONV2D_F_BIAS);
}

static void test_conv2d_f32_grouped(void **state)
{
	struct vnpu_pkt_conv2d p = {
		.dtype = VNPU_DT_F32, .n = 1, .h = 8, .w = 8, .c = 12, .oc = 6, .kh = 3, .kw = 3,
		.groups = 3, .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1,
		.pad_bottom = 1, .pad_right = 1, .dil_h = 1, .dil_w = 1,
	};

	run_conv(*state, p, 0);
}

static void test_conv2d_f32_depthwise_sigmoid(void **state)
{
	struct vnpu_pkt_conv2d p = {
		.dtype = VNPU_DT_F32, .act = VNPU_ACT_SIGMOID, .n = 1, .h = 7, .w = 6, .c = 8,
		.oc = 8, .kh = 3, .kw = 3, .groups = 8, .stride_h = 2, .stride_w = 2, .pad_top = 1,
		.pad_left = 1, .pad_bottom = 1, .pad_right = 1, .dil_h = 1, .dil_w = 1,
	};

	run_conv(*state, p, VNPU_CONV2D_F_BIAS);
}

/* ReLU6's shape: CLIP with its bounds in act_alpha and act_beta, after the bias. */
static void test_conv2d_f32_depthwise_bias_clip(void **state)
{
	struct vnpu_pkt_conv2d p = {
		.dtype = VNPU_DT_F32, .act = VNPU_ACT_CLIP, .n = 1, .h = 9, .w = 7, .c = 6,
		.oc = 6, .kh = 3, .kw = 3, .groups = 6, .stride_h = 1, .stride_w = 2, .pad_top = 1,
		.pad_left = 1, .pad_bottom = 1, .pad_right = 1, .dil_h = 1, .dil_w = 1,
		.act_alpha = vt_f32_bits(VT_CLIP_LO), .act_beta = vt_f32_bits(VT_CLIP_HI),
	};

	run_conv(*state, p, VNPU_CONV2D_F_BIAS);
}

static void test_conv2d_bf16(void **state)
{
	struct vnpu_pkt_conv2d p = {
		.dtype = VNPU_DT_BF16, .act = VNPU_ACT_TANH, .n = 1, .h = 9, .w = 9, .c = 16,
		.oc = 8, .kh = 3, .kw = 3, .groups = 1, .stride_h = 1, .stride_w = 1, .pad_top = 1,
		.pad_left = 1, .pad_bottom = 1, .pad_right = 1, .dil_h = 1, .dil_w = 1,
	};

	run_conv(*state, p, VNPU_CONV2D_F_BIAS);
}

/*
 * A convolution of 4.7 M multiply-adds (the engine's OpenMP team), one of 0.1 M (the engine's
 * thread alone: vnpu_compute.c) and the first again from its cached primitive: each right,
 * whichever thread count the one before it ran with.
 */
static void test_conv2d_f32_team_then_alone_then_team(void **state)
{
	struct vnpu_pkt_conv2d big = {
		.dtype = VNPU_DT_F32, .act = VNPU_ACT_RELU, .n = 1, .h = 16, .w = 16, .c = 32,
		.oc = 64, .kh = 3, .kw = 3, .groups = 1, .stride_h = 1, .stride_w = 1, .pad_top = 1,
		.pad_left = 1, .pad_bottom = 1, .pad_right = 1, .dil_h = 1, .dil_w = 1,
	};
	struct vnpu_pkt_conv2d small = big;

	small.c = 1;
	small.oc = 16;
	run_conv(*state, big, VNPU_CONV2D_F_BIAS);
	run_conv(*state, small, VNPU_CONV2D_F_BIAS);
	run_conv(*state, big, VNPU_CONV2D_F_BIAS);
}

/*
 * Padding up to the dilated window's extent less one runs; padding as wide as the window
 * (outputs of padding alone) and the fuzzer's pad of 2^30 (oneDNN's kernel generation grew
 * with it past every timeout) are -EINVAL before the engine builds anything.
 */
static void test_conv2d_padding_as_wide_as_window_is_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_conv2d p = {
		.dtype = VNPU_DT_F32, .n = 1, .h = 4, .w = 4, .c = 2, .oc = 3, .kh = 3, .kw = 1,
		.groups = 1, .stride_h = 1, .stride_w = 1, .dil_h = 2, .dil_w = 1,
		.pad_top = 4, .pad_bottom = 4,
	};
	struct vnpu_pkt_conv2d wide = p, huge = p;

	run_conv(t, p, 0);

	wide.pad_bottom = 5;
	huge.kh = 1;
	huge.pad_top = 0;
	huge.pad_bottom = 0;
	huge.pad_left = 1u << 30;
	wide.src_va = huge.src_va = vt_alloc(t, 4 * 4 * 2 * 4);
	wide.wei_va = huge.wei_va = vt_alloc(t, 3 * 3 * 2 * 4);
	wide.dst_va = huge.dst_va = vt_alloc(t, 16 * 16 * 3 * 4);
	vt_emit(t, VNPU_OP_CONV2D, 0, wide);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_emit(t, VNPU_OP_CONV2D, 0, huge);
	assert_int_equal(vt_run(t), -EINVAL);
}

/* ---- pool2d ---- */

static void run_pool(struct vt *t, struct vnpu_pkt_pool2d p, uint32_t flags)
{
	uint32_t es = vt_es(p.dtype);
	uint32_t oh = (p.h + p.pad_top + p.pad_bottom - p.kh) / p.stride_h + 1;
	uint32_t ow = (p.w + p.pad_left + p.pad_right - p.kw) / p.stride_w + 1;
	size_t src_n = (size_t)p.n * p.h * p.w * p.c, dst_n = (size_t)p.n * oh * ow * p.c;
	double *src = vt_doubles(src_n), *ref = vt_doubles(dst_n);
	uint32_t b, y, x, ch, ky, kx;

	p.src_va = vt_alloc(t, src_n * es);
	p.dst_va = vt_alloc(t, dst_n * es);
	vt_fill_random(t, p.src_va, p.dtype, src_n, src);
	for (b = 0; b < p.n; b++)
	for (y = 0; y < oh; y++)
	for (x = 0; x < ow; x++)
	for (ch = 0; ch < p.c; ch++) {
		double best = -INFINITY, sum = 0;
		uint32_t cnt = 0;

		for (ky = 0; ky < p.kh; ky++)
		for (kx = 0; kx < p.kw; kx++) {
			long iy = (long)y * p.stride_h - p.pad_top + ky;
			long ix = (long)x * p.stride_w - p.pad_left + kx;
			double v;

			if (iy < 0 || ix < 0 || iy >= p.h || ix >= p.w)
				continue;
			v = src[(((size_t)b * p.h + iy) * p.w + ix) * p.c + ch];
			best = fmax(best, v);
			sum += v;
			cnt++;
		}
		if (p.mode == VNPU_POOL_MAX)
			ref[(((size_t)b * oh + y) * ow + x) * p.c + ch] = best;
		else
			ref[(((size_t)b * oh + y) * ow + x) * p.c + ch] =
				sum / ((flags & VNPU_POOL2D_F_AVG_INCLUDE_PAD) ? p.kh * p.kw : cnt);
	}

	vt_emit(t, VNPU_OP_POOL2D, flags, p);
	assert_int_equal(vt_run(t), 0);
	vt_check(t, p.dst_va, p.dtype, dst_n, ref, NULL, 1);
	vt_assert_only_written(t, p.dst_va, dst_n * es);
	free(src);
	free(ref);
}

static void test_pool2d_max(void **state)
{
	struct vnpu_pkt_pool2d p = {
		.dtype = VNPU_DT_F32, .mode = VNPU_POOL_MAX, .n = 2, .h = 9, .w = 8, .c = 6,
		.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .pad_top = 1, .pad_left = 1,
		.pad_bottom = 1, .pad_right = 1,
	};

	run_pool(*state, p, 0);
}

static void test_pool2d_avg_excluding_padding(void **state)
{
	struct vnpu_pkt_pool2d p = {
		.dtype = VNPU_DT_F32, .mode = VNPU_POOL_AVG, .n = 1, .h = 7, .w = 7, .c = 5,
		.kh = 3, .kw = 2, .stride_h = 1, .stride_w = 2, .pad_top = 1, .pad_left = 1,
		.pad_bottom = 2, .pad_right = 0,
	};

	run_pool(*state, p, 0);
}

static void test_pool2d_avg_including_padding(void **state)
{
	struct vnpu_pkt_pool2d p = {
		.dtype = VNPU_DT_F32, .mode = VNPU_POOL_AVG, .n = 1, .h = 6, .w = 6, .c = 4,
		.kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .pad_top = 1, .pad_left = 1,
		.pad_bottom = 1, .pad_right = 1,
	};

	run_pool(*state, p, VNPU_POOL2D_F_AVG_INCLUDE_PAD);
}

static void test_pool2d_bf16_max(void **state)
{
	struct vnpu_pkt_pool2d p = {
		.dtype = VNPU_DT_BF16, .mode = VNPU_POOL_MAX, .n = 1, .h = 8, .w = 8, .c = 16,
		.kh = 2, .kw = 2, .stride_h = 2, .stride_w = 2,
	};

	run_pool(*state, p, 0);
}

/* ---- binary ---- */

static double bin_ref(uint32_t op, double a, double b)
{
	switch (op) {
	case VNPU_BINARY_ADD:
		return a + b;
	case VNPU_BINARY_SUB:
		return a - b;
	case VNPU_BINARY_MUL:
		return a * b;
	case VNPU_BINARY_MAX:
		return fmax(a, b);
	case VNPU_BINARY_DIV:
		return a / b;
	default:
		return fmin(a, b);
	}
}

/*
 * Move the random divisors at @va away from zero, into [0.5, 1.5) in magnitude, so that a
 * quotient's rounding error stays within the relative tolerance.
 */
static void vt_divisors(struct vt *t, uint64_t va, uint32_t dt, size_t count, double *ref)
{
	size_t i;

	for (i = 0; i < count; i++) {
		float f = (float)(ref[i] < 0 ? ref[i] - 0.5 : ref[i] + 0.5);

		if (dt == VNPU_DT_BF16) {
			uint16_t h = vt_f32_to_bf16(f);

			memcpy((uint8_t *)vt_ptr(t, va) + 2 * i, &h, 2);
			ref[i] = vt_bf16_to_f32(h);
		} else {
			memcpy((uint8_t *)vt_ptr(t, va) + 4 * i, &f, 4);
			ref[i] = f;
		}
	}
}

static void run_binary_act(struct vt *t, uint32_t dt, uint32_t op, uint32_t act, uint32_t rows,
			   uint32_t cols, uint32_t flags)
{
	bool bcast_row = flags & VNPU_BINARY_F_BCAST_ROW, bcast_col = flags & VNPU_BINARY_F_BCAST_COL;
	size_t n = (size_t)rows * cols, i;
	size_t bn = (size_t)(bcast_row ? 1 : rows) * (bcast_col ? 1 : cols);
	struct vnpu_pkt_binary p = { .dtype = dt, .op = op, .rows = rows, .cols = cols,
				     .act = act };

	if (act == VNPU_ACT_CLIP) {
		p.act_alpha = vt_f32_bits(VT_CLIP_LO);
		p.act_beta = vt_f32_bits(VT_CLIP_HI);
	}
	double *a = vt_doubles(n), *b = vt_doubles(bn), *ref = vt_doubles(n);
	uint32_t es = vt_es(dt);

	p.a_va = vt_alloc(t, n * es);
	p.b_va = vt_alloc(t, bn * es);
	p.dst_va = vt_alloc(t, n * es);
	vt_fill_random(t, p.a_va, dt, n, a);
	vt_fill_random(t, p.b_va, dt, bn, b);
	if (op == VNPU_BINARY_DIV)
		vt_divisors(t, p.b_va, dt, bn, b);
	for (i = 0; i < n; i++) {
		/* b's element for a's element (i / cols, i % cols) */
		size_t bi = (bcast_row ? 0 : i / cols) * (bcast_col ? 1 : cols) +
			    (bcast_col ? 0 : i % cols);

		ref[i] = vt_act(act, bin_ref(op, a[i], b[bi]));
	}
	vt_emit(t, VNPU_OP_BINARY, flags, p);
	assert_int_equal(vt_run(t), 0);
	vt_check(t, p.dst_va, dt, n, ref, NULL, 1);
	vt_assert_only_written(t, p.dst_va, n * es);
	free(a);
	free(b);
	free(ref);
}

static void run_binary(struct vt *t, uint32_t dt, uint32_t op, uint32_t rows, uint32_t cols,
		       uint32_t flags)
{
	run_binary_act(t, dt, op, VNPU_ACT_NONE, rows, cols, flags);
}

static void test_binary_every_op_f32(void **state)
{
	uint32_t op;

	for (op = VNPU_BINARY_ADD; op <= VNPU_BINARY_DIV; op++)
		run_binary(*state, VNPU_DT_F32, op, 13, 37, 0);
}

static void test_binary_div_row_broadcast_bf16(void **state)
{
	run_binary(*state, VNPU_DT_F32, VNPU_BINARY_DIV, 7, 19, VNPU_BINARY_F_BCAST_ROW);
	run_binary(*state, VNPU_DT_BF16, VNPU_BINARY_DIV, 8, 24, 0);
}

/* The epilogue applies after the op: act(a op b), for every activation function. */
static void test_binary_activation_epilogue(void **state)
{
	uint32_t act;

	for (act = VNPU_ACT_RELU; act <= VNPU_ACT_CLIP; act++)
		run_binary_act(*state, VNPU_DT_F32, VNPU_BINARY_ADD, act, 6, 33, 0);
	run_binary_act(*state, VNPU_DT_BF16, VNPU_BINARY_MUL, VNPU_ACT_CLIP, 3, 20, 0);
	run_binary_act(*state, VNPU_DT_F32, VNPU_BINARY_DIV, VNPU_ACT_SIGMOID, 5, 12,
		       VNPU_BINARY_F_BCAST_ROW);
	run_binary_act(*state, VNPU_DT_BF16, VNPU_BINARY_SUB, VNPU_ACT_RELU, 4, 40, 0);
}

static void test_binary_row_broadcast(void **state)
{
	run_binary(*state, VNPU_DT_F32, VNPU_BINARY_ADD, 9, 21, VNPU_BINARY_F_BCAST_ROW);
	run_binary(*state, VNPU_DT_F32, VNPU_BINARY_MUL, 9, 21, VNPU_BINARY_F_BCAST_ROW);
}

/* BCAST_COL: b holds one value per row (a [N, C, H, W] tensor scaled per channel). */
static void test_binary_column_broadcast(void **state)
{
	uint32_t op;

	for (op = VNPU_BINARY_ADD; op <= VNPU_BINARY_DIV; op++)
		run_binary(*state, VNPU_DT_F32, op, 11, 23, VNPU_BINARY_F_BCAST_COL);
	run_binary(*state, VNPU_DT_BF16, VNPU_BINARY_MUL, 16, 40, VNPU_BINARY_F_BCAST_COL);
	run_binary_act(*state, VNPU_DT_F32, VNPU_BINARY_ADD, VNPU_ACT_CLIP, 5, 12,
		       VNPU_BINARY_F_BCAST_COL);
	/* one row, one column: the shapes at their edges */
	run_binary(*state, VNPU_DT_F32, VNPU_BINARY_SUB, 1, 17, VNPU_BINARY_F_BCAST_COL);
	run_binary(*state, VNPU_DT_F32, VNPU_BINARY_SUB, 17, 1, VNPU_BINARY_F_BCAST_COL);
}

/* BCAST_ROW with BCAST_COL: b is one element applied to all of a. */
static void test_binary_scalar_broadcast(void **state)
{
	run_binary(*state, VNPU_DT_F32, VNPU_BINARY_MUL, 6, 29, VNPU_BINARY_F_BCAST_ROW |
		   VNPU_BINARY_F_BCAST_COL);
	run_binary(*state, VNPU_DT_F32, VNPU_BINARY_DIV, 6, 29, VNPU_BINARY_F_BCAST_ROW |
		   VNPU_BINARY_F_BCAST_COL);
	run_binary(*state, VNPU_DT_BF16, VNPU_BINARY_ADD, 3, 32, VNPU_BINARY_F_BCAST_ROW |
		   VNPU_BINARY_F_BCAST_COL);
}

static void test_binary_bf16(void **state)
{
	run_binary(*state, VNPU_DT_BF16, VNPU_BINARY_SUB, 16, 40, 0);
	run_binary(*state, VNPU_DT_BF16, VNPU_BINARY_MAX, 16, 40, VNPU_BINARY_F_BCAST_ROW);
}

static void test_binary_in_place(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_binary p = { .dtype = VNPU_DT_F32, .op = VNPU_BINARY_MUL, .rows = 4,
				     .cols = 50 };
	double a[200], b[200], ref[200];
	int i;

	p.a_va = vt_alloc(t, sizeof(float) * 200);
	p.b_va = vt_alloc(t, sizeof(float) * 200);
	p.dst_va = p.a_va;
	vt_fill_random(t, p.a_va, VNPU_DT_F32, 200, a);
	vt_fill_random(t, p.b_va, VNPU_DT_F32, 200, b);
	for (i = 0; i < 200; i++)
		ref[i] = a[i] * b[i];
	vt_emit(t, VNPU_OP_BINARY, 0, p);
	assert_int_equal(vt_run(t), 0);
	vt_check(t, p.dst_va, VNPU_DT_F32, 200, ref, NULL, 1);
	vt_assert_only_written(t, p.dst_va, sizeof(float) * 200);
}

/* ---- activation ---- */

static void run_activation(struct vt *t, uint32_t dt, uint32_t act, uint64_t count, bool in_place)
{
	struct vnpu_pkt_activation p = { .dtype = dt, .act = act, .count = count };
	double *src = vt_doubles(count), *ref = vt_doubles(count);
	uint32_t es = vt_es(dt);
	uint64_t i;

	p.src_va = vt_alloc(t, count * es);
	p.dst_va = in_place ? p.src_va : vt_alloc(t, count * es);
	vt_fill_random(t, p.src_va, dt, count, src);
	for (i = 0; i < count; i++) {
		src[i] *= 4; /* a wider range than [-1, 1) exercises the tails */
		ref[i] = vt_act(act, src[i]);
	}
	/* rewrite the scaled inputs: scaling by 4 is exact in both types */
	for (i = 0; i < count; i++) {
		if (dt == VNPU_DT_BF16) {
			uint16_t h = vt_f32_to_bf16((float)src[i]);

			memcpy((uint8_t *)vt_ptr(t, p.src_va) + 2 * i, &h, 2);
		} else {
			float f = (float)src[i];

			memcpy((uint8_t *)vt_ptr(t, p.src_va) + 4 * i, &f, 4);
		}
	}
	vt_emit(t, VNPU_OP_ACTIVATION, 0, p);
	assert_int_equal(vt_run(t), 0);
	vt_check(t, p.dst_va, dt, count, ref, NULL, 1);
	vt_assert_only_written(t, p.dst_va, count * es);
	free(src);
	free(ref);
}

static void test_activation_every_function_f32(void **state)
{
	uint32_t act;

	for (act = VNPU_ACT_RELU; act <= VNPU_ACT_TANH; act++)
		run_activation(*state, VNPU_DT_F32, act, 1000, false);
}

static void test_activation_in_place_bf16(void **state)
{
	run_activation(*state, VNPU_DT_BF16, VNPU_ACT_GELU_TANH, 777, true);
	run_activation(*state, VNPU_DT_BF16, VNPU_ACT_SIGMOID, 777, true);
}

/* ---- softmax ---- */

static void run_softmax(struct vt *t, uint32_t dt, uint32_t ndims, const uint32_t *dims,
			uint32_t axis)
{
	struct vnpu_pkt_softmax p = { .dtype = dt, .ndims = ndims, .axis = axis };
	size_t n = 1, inner = 1, outer = 1, len = dims[axis], o, in, i;
	double *src, *ref;
	uint32_t d, es = vt_es(dt);

	for (d = 0; d < ndims; d++) {
		p.dims[d] = dims[d];
		n *= dims[d];
		if (d < axis)
			outer *= dims[d];
		if (d > axis)
			inner *= dims[d];
	}
	src = vt_doubles(n);
	ref = vt_doubles(n);
	p.src_va = vt_alloc(t, n * es);
	p.dst_va = vt_alloc(t, n * es);
	vt_fill_random(t, p.src_va, dt, n, src);
	for (o = 0; o < outer; o++) {
		for (in = 0; in < inner; in++) {
			double mx = -INFINITY, sum = 0;

			for (i = 0; i < len; i++)
				mx = fmax(mx, src[(o * len + i) * inner + in]);
			for (i = 0; i < len; i++)
				sum += exp(src[(o * len + i) * inner + in] - mx);
			for (i = 0; i < len; i++)
				ref[(o * len + i) * inner + in] =
					exp(src[(o * len + i) * inner + in] - mx) / sum;
		}
	}
	vt_emit(t, VNPU_OP_SOFTMAX, 0, p);
	assert_int_equal(vt_run(t), 0);
	vt_check(t, p.dst_va, dt, n, ref, NULL, 0);
	vt_assert_only_written(t, p.dst_va, n * es);
	free(src);
	free(ref);
}

static void test_softmax_every_axis(void **state)
{
	static const uint32_t dims[4] = { 3, 5, 4, 7 };
	uint32_t axis;

	for (axis = 0; axis < 4; axis++)
		run_softmax(*state, VNPU_DT_F32, 4, dims, axis);
}

static void test_softmax_rows_bf16(void **state)
{
	static const uint32_t dims[2] = { 8, 100 };

	run_softmax(*state, VNPU_DT_BF16, 2, dims, 1);
}

/* ---- layernorm ---- */

static void run_layernorm(struct vt *t, uint32_t dt, uint32_t rows, uint32_t cols, uint32_t flags)
{
	struct vnpu_pkt_layernorm p = { .dtype = dt, .rows = rows, .cols = cols,
					.epsilon = vt_f32_bits(1e-5f) };
	size_t n = (size_t)rows * cols, r, c;
	double *src = vt_doubles(n), *ref = vt_doubles(n), *gamma = vt_doubles(cols);
	double *beta = vt_doubles(cols);
	uint32_t es = vt_es(dt);

	p.src_va = vt_alloc(t, n * es);
	p.dst_va = vt_alloc(t, n * es);
	vt_fill_random(t, p.src_va, dt, n, src);
	if (flags & VNPU_LAYERNORM_F_SCALE) {
		p.gamma_va = vt_alloc(t, cols * 4);
		vt_fill_random(t, p.gamma_va, VNPU_DT_F32, cols, gamma);
	}
	if (flags & VNPU_LAYERNORM_F_SHIFT) {
		p.beta_va = vt_alloc(t, cols * 4);
		vt_fill_random(t, p.beta_va, VNPU_DT_F32, cols, beta);
	}
	for (r = 0; r < rows; r++) {
		double mean = 0, var = 0;

		for (c = 0; c < cols; c++)
			mean += src[r * cols + c];
		mean /= cols;
		for (c = 0; c < cols; c++)
			var += (src[r * cols + c] - mean) * (src[r * cols + c] - mean);
		var /= cols;
		for (c = 0; c < cols; c++) {
			double v = (src[r * cols + c] - mean) / sqrt(var + 1e-5);

			if (flags & VNPU_LAYERNORM_F_SCALE)
				v *= gamma[c];
			if (flags & VNPU_LAYERNORM_F_SHIFT)
				v += beta[c];
			ref[r * cols + c] = v;
		}
	}
	vt_emit(t, VNPU_OP_LAYERNORM, flags, p);
	assert_int_equal(vt_run(t), 0);
	vt_check(t, p.dst_va, dt, n, ref, NULL, 1);
	vt_assert_only_written(t, p.dst_va, n * es);
	free(src);
	free(ref);
	free(gamma);
	free(beta);
}

static void test_layernorm_plain(void **state)
{
	run_layernorm(*state, VNPU_DT_F32, 7, 64, 0);
}

static void test_layernorm_scale_and_shift(void **state)
{
	run_layernorm(*state, VNPU_DT_F32, 5, 96, VNPU_LAYERNORM_F_SCALE | VNPU_LAYERNORM_F_SHIFT);
}

static void test_layernorm_bf16_scale(void **state)
{
	run_layernorm(*state, VNPU_DT_BF16, 6, 48, VNPU_LAYERNORM_F_SCALE);
}

/* ---- transpose ---- */

static void run_transpose(struct vt *t, uint32_t sdt, uint32_t ddt, uint32_t ndims,
			  const uint32_t *dims, const uint32_t *perm)
{
	struct vnpu_pkt_transpose p = { .src_type = sdt, .dst_type = ddt, .ndims = ndims };
	uint32_t d, odims[4] = { 1, 1, 1, 1 }, idx[4], sdims[4] = { 1, 1, 1, 1 };
	size_t n = 1, i;
	double *src, *ref;

	for (d = 0; d < ndims; d++) {
		p.dims[d] = dims[d];
		p.perm[d] = perm[d];
		sdims[d] = dims[d];
		odims[d] = dims[perm[d]];
		n *= dims[d];
	}
	src = vt_doubles(n);
	ref = vt_doubles(n);
	p.src_va = vt_alloc(t, n * vt_es(sdt));
	p.dst_va = vt_alloc(t, n * vt_es(ddt));
	vt_fill_random(t, p.src_va, sdt, n, src);
	/* walk the source in order; its element lands at the permuted index of the output */
	for (i = 0; i < n; i++) {
		size_t rem = i, o = 0;

		for (d = 4; d-- > 0;) {
			idx[d] = rem % sdims[d];
			rem /= sdims[d];
		}
		for (d = 0; d < 4; d++)
			o = o * odims[d] + (d < ndims ? idx[perm[d]] : 0);
		ref[o] = src[i];
	}
	vt_emit(t, VNPU_OP_TRANSPOSE, 0, p);
	assert_int_equal(vt_run(t), 0);
	/* a move is exact; a conversion to bf16 rounds once */
	vt_check(t, p.dst_va, ddt, n, ref, NULL, 0);
	vt_assert_only_written(t, p.dst_va, n * vt_es(ddt));
	free(src);
	free(ref);
}

static void test_transpose_2d(void **state)
{
	static const uint32_t dims[2] = { 37, 53 }, perm[2] = { 1, 0 };

	run_transpose(*state, VNPU_DT_F32, VNPU_DT_F32, 2, dims, perm);
}

static void test_transpose_4d_permutation(void **state)
{
	static const uint32_t dims[4] = { 2, 3, 5, 7 }, perm[4] = { 0, 2, 3, 1 };

	run_transpose(*state, VNPU_DT_F32, VNPU_DT_F32, 4, dims, perm);
}

static void test_transpose_converts_f32_to_bf16(void **state)
{
	static const uint32_t dims[3] = { 4, 9, 6 }, perm[3] = { 2, 1, 0 };

	run_transpose(*state, VNPU_DT_F32, VNPU_DT_BF16, 3, dims, perm);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, vt_setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_conv2d_f32_stride_pad_dilation_bias_relu),
		T(test_conv2d_f32_grouped),
		T(test_conv2d_f32_depthwise_sigmoid),
		T(test_conv2d_f32_depthwise_bias_clip),
		T(test_conv2d_bf16),
		T(test_conv2d_f32_team_then_alone_then_team),
		T(test_conv2d_padding_as_wide_as_window_is_einval),
		T(test_pool2d_max),
		T(test_pool2d_avg_excluding_padding),
		T(test_pool2d_avg_including_padding),
		T(test_pool2d_bf16_max),
		T(test_binary_every_op_f32),
		T(test_binary_div_row_broadcast_bf16),
		T(test_binary_activation_epilogue),
		T(test_binary_row_broadcast),
		T(test_binary_column_broadcast),
		T(test_binary_scalar_broadcast),
		T(test_binary_bf16),
		T(test_binary_in_place),
		T(test_activation_every_function_f32),
		T(test_activation_in_place_bf16),
		T(test_softmax_every_axis),
		T(test_softmax_rows_bf16),
		T(test_layernorm_plain),
		T(test_layernorm_scale_and_shift),
		T(test_layernorm_bf16_scale),
		T(test_transpose_2d),
		T(test_transpose_4d_permutation),
		T(test_transpose_converts_f32_to_bf16),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
